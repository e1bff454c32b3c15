package org.wispwar.wisp.protocol;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.wispwar.wisp.protocol.Hex.bytes;
import static org.wispwar.wisp.protocol.Hex.hex;
import static org.wispwar.wisp.protocol.Hex.normalized;
import static org.wispwar.wisp.protocol.Hex.string;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The test vectors of wisp-protocol.md §11, plus the non-conformant and unknown-code inputs peers really send. */
class WispCodecVectorTest {
    static final String CHALLENGE_64 = Hex.counting(0x00, 64);
    static final String HASH_32 = Hex.counting(0x20, 32);
    static final String HASH_64 = Hex.counting(0x40, 64);
    static final String SIGNATURE_64 = Hex.counting(0x80, 64);

    /** INFO sid=0 | version 2.0: the prefix of every extension vector below. */
    private static final String INFO_V2 = "05 00000000 02 00 ";

    static Stream<Arguments> specVectors() {
        return Stream.of(
                vector("CONNECT TCP example.com:80, sid 1", Role.CLIENT,
                        "01 01000000 01 5000 6578616d706c652e636f6d", // CONNECT sid=1 | TCP :80 "example.com"
                        new Connect(1, StreamType.TCP, 80, "example.com")),
                vector("CONNECT TCP example.com:443, sid 0x12345678", Role.CLIENT,
                        "01 78563412 01 bb01 6578616d706c652e636f6d", // CONNECT sid=0x12345678 | TCP :443 "example.com"
                        new Connect(0x12345678, StreamType.TCP, 443, "example.com")),
                vector("CONNECT UDP 1.1.1.1:53, sid 2", Role.CLIENT,
                        "01 02000000 02 3500 312e312e312e31", // CONNECT sid=2 | UDP :53 "1.1.1.1"
                        new Connect(2, StreamType.UDP, 53, "1.1.1.1")),
                vector("CONNECT id=42 (design.md §7)", Role.CLIENT,
                        "01 2a000000 01 5000 6578616d706c652e636f6d", // CONNECT id=42 TCP :80 example.com
                        new Connect(42, StreamType.TCP, 80, "example.com")),
                vector("DATA sid 1 \"hi\"", Role.CLIENT,
                        "02 01000000 6869", // DATA sid=1 | "hi"
                        Data.of(1, "hi".getBytes(US_ASCII))),
                vector("CONTINUE sid 0, B=128", Role.SERVER,
                        "03 00000000 80000000", // CONTINUE sid=0 | 128 packets
                        new Continue(0, 128)),
                vector("CONTINUE sid 1, 127", Role.SERVER,
                        "03 01000000 7f000000", // CONTINUE sid=1 | 127 packets
                        new Continue(1, 127)),
                vector("CLOSE sid 1 voluntary", Role.CLIENT,
                        "04 01000000 02", // CLOSE sid=1 | 0x02 VOLUNTARY
                        new Close(1, CloseReason.VOLUNTARY)),
                vector("CLOSE sid 0 incompatible extensions", Role.SERVER,
                        "04 00000000 04", // CLOSE sid=0 | 0x04 EXTENSIONS_INCOMPATIBLE
                        new Close(0, CloseReason.EXTENSIONS_INCOMPATIBLE)),
                vector("INFO server v2.0, UDP + MOTD \"hi\"", Role.SERVER,
                        "05 00000000"        // INFO sid=0
                        + " 02 00"           // version 2.0
                        + " 01 00000000"     // ext UDP, length 0
                        + " 04 02000000"     // ext MOTD, length 2
                        + " 6869",           //   "hi"
                        new Info(WispVersion.V2_0, List.of(new UdpExtension(), new MotdExtension("hi")))),
                vector("INFO client v2.0, UDP", Role.CLIENT,
                        "05 00000000 02 00 01 00000000", // INFO sid=0 | v2.0 | ext UDP, length 0
                        info(new UdpExtension())),
                vector("ext 0x02 server, required=1", Role.SERVER,
                        INFO_V2
                        + "02 01000000"      // ext PASSWORD, length 1
                        + " 01",             //   required=1
                        info(new PasswordExtension.Server(true))),
                vector("ext 0x02 client admin/hunter2 (d6)", Role.CLIENT,
                        INFO_V2
                        + "02 0d000000"      // ext PASSWORD, length 13
                        + " 05"              //   username length 5
                        + " 61646d696e"      //   "admin"
                        + " 68756e74657232", //   "hunter2" (to end of payload)
                        info(new PasswordExtension.Client("admin", "hunter2", false))),
                vector("ext 0x02 client admin/hunter2 (impl)", Role.CLIENT,
                        INFO_V2
                        + "02 0f000000"      // ext PASSWORD, length 15
                        + " 05"              //   username length 5
                        + " 0700"            //   password length 7 (u16 LE)
                        + " 61646d696e"      //   "admin"
                        + " 68756e74657232", //   "hunter2"
                        info(new PasswordExtension.Client("admin", "hunter2", true))),
                vector("ext 0x03 server (required, Ed25519, 64-byte challenge)", Role.SERVER,
                        INFO_V2
                        + "03 42000000"      // ext KEY_AUTH, length 66
                        + " 01"              //   required=1
                        + " 01 "             //   algorithms = Ed25519
                        + CHALLENGE_64,      //   64 challenge bytes
                        info(new KeyAuthExtension.Server(true, KeyAuthExtension.ED25519, bytes(hex(CHALLENGE_64))))),
                vector("ext 0x03 client (d5/d6, SHA-256 hash)", Role.CLIENT,
                        INFO_V2
                        + "03 61000000"      // ext KEY_AUTH, length 97
                        + " 01 "             //   selected algorithm Ed25519
                        + HASH_32 + " "      //   32-byte key hash
                        + SIGNATURE_64,      //   64-byte signature
                        info(new KeyAuthExtension.Client(KeyAuthExtension.ED25519, bytes(hex(HASH_32)),
                                bytes(hex(SIGNATURE_64))))),
                vector("ext 0x03 client (wisp-mux 5, SHA-512 hash)", Role.CLIENT,
                        INFO_V2
                        + "03 81000000"      // ext KEY_AUTH, length 129
                        + " 01 "             //   selected algorithm Ed25519
                        + HASH_64 + " "      //   64-byte key hash
                        + SIGNATURE_64,      //   64-byte signature
                        info(new KeyAuthExtension.Client(KeyAuthExtension.ED25519, bytes(hex(HASH_64)),
                                bytes(hex(SIGNATURE_64))))),
                vector("ext 0x05 from the server", Role.SERVER,
                        INFO_V2 + "05 00000000", // ext STREAM_CONFIRM, length 0
                        info(new StreamConfirmExtension())),
                vector("ext 0x05 from the client", Role.CLIENT,
                        INFO_V2 + "05 00000000", // ext STREAM_CONFIRM, length 0
                        info(new StreamConfirmExtension())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specVectors")
    void specVectorDecodesToExpectedPacketAndEncodesBackToSameBytes(String name, Role sender, String vector,
            WispPacket expected) throws WispProtocolException {
        WispPacket decoded = WispCodec.decode(hex(vector), sender);

        assertEquals(expected.getClass(), decoded.getClass());
        assertEquals(expected.streamId(), decoded.streamId());
        assertEquals(expected, decoded);
        assertEquals(normalized(vector), string(WispCodec.encode(decoded)));
    }

    @Test
    void bothPasswordLayoutsDecodeToTheSameCredentialsAndRememberWhichWasUsed() throws WispProtocolException {
        Info d6 = (Info) WispCodec.decode(
                hex(INFO_V2 + "02 0d000000 05 61646d696e 68756e74657232"), // PASSWORD len=13 | U=5 "admin" "hunter2"
                Role.CLIENT);
        Info impl = (Info) WispCodec.decode(
                hex(INFO_V2 + "02 0f000000 05 0700 61646d696e 68756e74657232"), // PASSWORD len=15 | U=5 P=7 ...
                Role.CLIENT);

        PasswordExtension.Client fromD6 = d6.find(PasswordExtension.Client.class).orElseThrow();
        PasswordExtension.Client fromImpl = impl.find(PasswordExtension.Client.class).orElseThrow();
        assertAll(
                () -> assertEquals("admin", fromD6.username()),
                () -> assertEquals("hunter2", fromD6.password()),
                () -> assertFalse(fromD6.withPasswordLength()),
                () -> assertEquals("admin", fromImpl.username()),
                () -> assertEquals("hunter2", fromImpl.password()),
                () -> assertTrue(fromImpl.withPasswordLength()));
    }

    @Test
    void keyAuthClientHashLengthIsWhatThePayloadLeavesAfterTheSignature() throws WispProtocolException {
        Info sha256 = (Info) WispCodec.decode(
                hex(INFO_V2 + "03 61000000 01 " + HASH_32 + SIGNATURE_64), // KEY_AUTH len=97 | Ed25519 hash sig
                Role.CLIENT);
        Info sha512 = (Info) WispCodec.decode(
                hex(INFO_V2 + "03 81000000 01 " + HASH_64 + SIGNATURE_64), // KEY_AUTH len=129 | Ed25519 hash sig
                Role.CLIENT);

        KeyAuthExtension.Client short32 = sha256.find(KeyAuthExtension.Client.class).orElseThrow();
        KeyAuthExtension.Client long64 = sha512.find(KeyAuthExtension.Client.class).orElseThrow();
        assertAll(
                () -> assertEquals(KeyAuthExtension.ED25519, short32.algorithm()),
                () -> assertArrayEquals(bytes(hex(HASH_32)), short32.keyHash()),
                () -> assertArrayEquals(bytes(hex(SIGNATURE_64)), short32.signature()),
                () -> assertEquals(KeyAuthExtension.ED25519, long64.algorithm()),
                () -> assertArrayEquals(bytes(hex(HASH_64)), long64.keyHash()),
                () -> assertArrayEquals(bytes(hex(SIGNATURE_64)), long64.signature()));
    }

    @Test
    void keyAuthServerVectorDecodesRequiredFlagAlgorithmsAndChallenge() throws WispProtocolException {
        Info info = (Info) WispCodec.decode(
                hex(INFO_V2 + "03 42000000 01 01 " + CHALLENGE_64), // KEY_AUTH len=66 | required Ed25519 challenge
                Role.SERVER);

        KeyAuthExtension.Server server = info.find(KeyAuthExtension.Server.class).orElseThrow();
        assertAll(
                () -> assertTrue(server.required()),
                () -> assertEquals(KeyAuthExtension.ED25519, server.algorithms()),
                () -> assertArrayEquals(bytes(hex(CHALLENGE_64)), server.challenge()));
    }

    @Test
    void nineByteCloseOfWispServerNodeDecodesToConnectionRefused() throws WispProtocolException {
        WispPacket decoded = WispCodec.decode(
                hex("04 02000000 44 000000"), // CLOSE sid=2 | 0x44 CONNECTION_REFUSED | 3 trailing zero bytes
                Role.SERVER);

        Close close = assertInstanceOf(Close.class, decoded);
        assertAll(
                () -> assertEquals(2, close.streamId()),
                () -> assertEquals(CloseReason.SERVER_STREAM_CONNECTION_REFUSED, close.reason()),
                () -> assertEquals(0x44, close.rawReason()),
                () -> assertEquals(normalized("04 02000000 44"), string(WispCodec.encode(close)),
                        "we emit the conformant 6-byte CLOSE"));
    }

    @Test
    void unknownCloseReasonDecodesToUnknownAndKeepsRawByte() throws WispProtocolException {
        WispPacket decoded = WispCodec.decode(
                hex("04 01000000 99"), // CLOSE sid=1 | 0x99 (not a defined reason)
                Role.CLIENT);

        Close close = assertInstanceOf(Close.class, decoded);
        assertAll(
                () -> assertEquals(1, close.streamId()),
                () -> assertEquals(CloseReason.UNKNOWN, close.reason()),
                () -> assertEquals(0x99, close.rawReason()),
                () -> assertEquals(normalized("04 01000000 99"), string(WispCodec.encode(close))));
    }

    private static Arguments vector(String name, Role sender, String hex, WispPacket expected) {
        return Arguments.of(name, sender, hex, expected);
    }

    private static Info info(Extension extension) {
        return new Info(WispVersion.V2_0, List.of(extension));
    }
}
