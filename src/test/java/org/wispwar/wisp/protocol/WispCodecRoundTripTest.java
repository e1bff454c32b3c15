package org.wispwar.wisp.protocol;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.wispwar.wisp.protocol.Hex.bytes;
import static org.wispwar.wisp.protocol.Hex.hex;
import static org.wispwar.wisp.protocol.Hex.normalized;
import static org.wispwar.wisp.protocol.Hex.string;
import static org.wispwar.wisp.protocol.WispCodecVectorTest.CHALLENGE_64;
import static org.wispwar.wisp.protocol.WispCodecVectorTest.HASH_32;
import static org.wispwar.wisp.protocol.WispCodecVectorTest.HASH_64;
import static org.wispwar.wisp.protocol.WispCodecVectorTest.SIGNATURE_64;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Encode → decode round trips, edge values, and what decode and encode do to the buffers they are given. */
class WispCodecRoundTripTest {
    private static final byte[] SIGNATURE = bytes(hex(SIGNATURE_64));

    static Stream<Arguments> packets() {
        return Stream.of(
                Arguments.of(Role.CLIENT, new Connect(1, StreamType.TCP, 80, "example.com")),
                Arguments.of(Role.CLIENT, new Connect(2, StreamType.UDP, 53, "::1")),
                Arguments.of(Role.CLIENT, new Connect(3, 0x03, 0, "bash -l")), // TWisp: raw type kept
                Arguments.of(Role.CLIENT, new Connect(4, StreamType.TCP, 443, "")),
                Arguments.of(Role.CLIENT, Data.of(1, "GET / HTTP/1.1\r\n\r\n".getBytes(US_ASCII))),
                Arguments.of(Role.SERVER, Data.of(1, new byte[0])),
                Arguments.of(Role.SERVER, Data.of(7, bytes(hex(Hex.counting(0, 300))))),
                Arguments.of(Role.SERVER, new Continue(0, 128)),
                Arguments.of(Role.SERVER, new Continue(9, 0)),
                Arguments.of(Role.CLIENT, new Close(1, CloseReason.VOLUNTARY)),
                Arguments.of(Role.SERVER, new Close(5, CloseReason.SERVER_STREAM_BLOCKED_ADDRESS)),
                Arguments.of(Role.SERVER, new Close(6, CloseReason.UNKNOWN, 0xfe)),
                Arguments.of(Role.SERVER, new Info(WispVersion.V2_0, List.of())),
                Arguments.of(Role.CLIENT, new Info(new WispVersion(2, 1), List.of())),
                Arguments.of(Role.SERVER, new Info(WispVersion.V2_0, List.of(
                        new UdpExtension(),
                        new PasswordExtension.Server(false),
                        new KeyAuthExtension.Server(true, KeyAuthExtension.ED25519, bytes(hex(CHALLENGE_64))),
                        new MotdExtension("limits: 10 streams"),
                        new StreamConfirmExtension()))),
                Arguments.of(Role.CLIENT, new Info(WispVersion.V2_0, List.of(
                        new UdpExtension(),
                        new PasswordExtension.Client("admin", "hunter2", true),
                        new KeyAuthExtension.Client(KeyAuthExtension.ED25519, bytes(hex(HASH_32)), SIGNATURE),
                        new MotdExtension(""),
                        new StreamConfirmExtension()))));
    }

    @ParameterizedTest(name = "{0} sends {1}")
    @MethodSource("packets")
    void everyPacketTypeSurvivesEncodeThenDecode(Role sender, WispPacket packet) throws WispProtocolException {
        assertEquals(packet, WispCodec.decode(WispCodec.encode(packet), sender));
    }

    static Stream<Arguments> extensions() {
        return Stream.of(
                Arguments.of(Role.SERVER, new UdpExtension()),
                Arguments.of(Role.SERVER, new PasswordExtension.Server(true)),
                Arguments.of(Role.SERVER, new PasswordExtension.Server(false)),
                Arguments.of(Role.SERVER, new KeyAuthExtension.Server(true, KeyAuthExtension.ED25519,
                        bytes(hex(CHALLENGE_64)))),
                Arguments.of(Role.SERVER, new KeyAuthExtension.Server(false, 0xff, new byte[0])),
                Arguments.of(Role.SERVER, new MotdExtension("epoxy_server (1.0) — grüße")),
                Arguments.of(Role.SERVER, new MotdExtension("")),
                Arguments.of(Role.SERVER, new StreamConfirmExtension()),
                Arguments.of(Role.SERVER, new UnknownExtension(0xf0, new byte[0])),
                Arguments.of(Role.SERVER, new UnknownExtension(0xf1, new byte[] {1, 2, 3, 4})),
                Arguments.of(Role.CLIENT, new UdpExtension()),
                Arguments.of(Role.CLIENT, new PasswordExtension.Client("admin", "hunter2", false)),
                Arguments.of(Role.CLIENT, new PasswordExtension.Client("admin", "hunter2", true)),
                Arguments.of(Role.CLIENT, new PasswordExtension.Client("jürgen", "pässwörd", false)),
                Arguments.of(Role.CLIENT, new PasswordExtension.Client("jürgen", "pässwörd", true)),
                Arguments.of(Role.CLIENT, new PasswordExtension.Client("", "", false)),
                Arguments.of(Role.CLIENT, new PasswordExtension.Client("", "", true)),
                Arguments.of(Role.CLIENT, new KeyAuthExtension.Client(KeyAuthExtension.ED25519, bytes(hex(HASH_32)),
                        SIGNATURE)),
                Arguments.of(Role.CLIENT, new KeyAuthExtension.Client(KeyAuthExtension.ED25519, bytes(hex(HASH_64)),
                        SIGNATURE)),
                Arguments.of(Role.CLIENT, new MotdExtension("")),
                Arguments.of(Role.CLIENT, new StreamConfirmExtension()),
                Arguments.of(Role.CLIENT, new UnknownExtension(0xf1, new byte[] {1})));
    }

    @ParameterizedTest(name = "{0} sends {1}")
    @MethodSource("extensions")
    void everyExtensionTypeSurvivesEncodeThenDecodeForItsSender(Role sender, Extension extension)
            throws WispProtocolException {
        Info info = new Info(WispVersion.V2_0, List.of(extension));

        assertEquals(info, WispCodec.decode(WispCodec.encode(info), sender));
    }

    @ParameterizedTest
    @CsvSource({"CLIENT", "SERVER"})
    void unknownExtensionInTheMiddleIsSkippedByItsLengthAndKeptAsBytes(Role sender) throws WispProtocolException {
        String vector = "05 00000000"  // INFO sid=0
                + " 02 00"             // version 2.0
                + " 01 00000000"       // ext UDP, length 0
                + " f0 03000000"       // ext 0xf0 (unknown), length 3
                + " 010203"            //   opaque payload
                + " 04 02000000"       // ext MOTD, length 2
                + " 6869";             //   "hi"

        Info info = assertInstanceOf(Info.class, WispCodec.decode(hex(vector), sender));

        assertEquals(List.of(new UdpExtension(), new UnknownExtension(0xf0, new byte[] {1, 2, 3}),
                new MotdExtension("hi")), info.extensions());
        assertArrayEquals(new byte[] {1, 2, 3}, info.find(UnknownExtension.class).orElseThrow().payload());
        assertEquals(normalized(vector), string(WispCodec.encode(info)));
    }

    @ParameterizedTest(name = "port {0}")
    @CsvSource({"0, 0000", "1, 0100", "32769, 0180", "65535, ffff"})
    void portIsAnUnsignedLittleEndianU16(int port, String portHex) throws WispProtocolException {
        String vector = "01 01000000 01 " + portHex + " 6869"; // CONNECT sid=1 | TCP :port | "hi"
        Connect connect = new Connect(1, StreamType.TCP, port, "hi");

        assertEncodes(vector, connect);
        assertEquals(port, ((Connect) WispCodec.decode(hex(vector), Role.CLIENT)).port());
    }

    @ParameterizedTest(name = "stream id {0}")
    @CsvSource({"0, 00000000", "1, 01000000", "2147483647, ffffff7f", "4294967295, ffffffff"})
    void streamIdIsAnOpaqueUnsignedLittleEndianU32(long unsignedId, String idHex) throws WispProtocolException {
        int id = (int) unsignedId;

        assertEncodes("04 " + idHex + " 02", new Close(id, CloseReason.VOLUNTARY)); // CLOSE sid | VOLUNTARY
        assertEncodes("02 " + idHex + " 6869", Data.of(id, "hi".getBytes(US_ASCII))); // DATA sid | "hi"
        WispPacket decoded = WispCodec.decode(hex("03 " + idHex + " 01000000"), Role.SERVER); // CONTINUE sid | 1
        assertEquals(unsignedId, Integer.toUnsignedLong(decoded.streamId()));
    }

    @Test
    void streamIdAllOnesRoundTripsAsFourFfBytes() throws WispProtocolException {
        Connect connect = new Connect(0xFFFFFFFF, StreamType.TCP, 80, "a");
        ByteBuffer encoded = WispCodec.encode(connect);

        assertEquals("ffffffff", string(encoded.duplicate().position(1).limit(5)));
        assertEquals(connect, WispCodec.decode(encoded, Role.CLIENT));
        assertEquals("4294967295", Integer.toUnsignedString(connect.streamId()));
    }

    @Test
    void continueCarriesTheFullUnsignedU32Range() throws WispProtocolException {
        assertEncodes("03 01000000 ffffffff", new Continue(1, 0xFFFFFFFFL)); // CONTINUE sid=1 | 2^32-1
        assertEquals(new Continue(1, 0xFFFFFFFFL), WispCodec.decode(hex("03 01000000 ffffffff"), Role.SERVER));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "bücher.example, 62c3bc636865722e6578616d706c65",
            "例え.テスト, e4be8be381882ee38386e382b9e38388",
            "xn--bcher-kva.example, 786e2d2d62636865722d6b76612e6578616d706c65"})
    void nonAsciiHostnameIsEncodedAndDecodedAsUtf8(String hostname, String utf8Hex) throws WispProtocolException {
        String vector = "01 01000000 01 bb01 " + utf8Hex; // CONNECT sid=1 | TCP :443 | UTF-8 hostname
        Connect connect = new Connect(1, StreamType.TCP, 443, hostname);

        assertEncodes(vector, connect);
        assertEquals(connect, WispCodec.decode(hex(vector), Role.CLIENT));
    }

    @Test
    void dataEncodesOnlyTheRemainingPayloadAndDoesNotConsumeIt() {
        ByteBuffer payload = ByteBuffer.wrap("xxhiyy".getBytes(US_ASCII)).position(2).limit(4);

        assertEncodes("02 05000000 6869", new Data(5, payload)); // DATA sid=5 | "hi"
        assertEquals(2, payload.position());
        assertEquals(4, payload.limit());
    }

    @Test
    void writeDataHeaderPutsTypeAndLittleEndianStreamIdAtTheOffset() {
        byte[] buffer = bytes(hex("aa aa aa aa aa aa aa aa"));

        WispCodec.writeDataHeader(buffer, 2, 0x80000001);

        assertArrayEquals(bytes(hex("aa aa 02 01000080 aa")), buffer); // untouched | DATA sid=0x80000001 | untouched
    }

    /** Frames holding the same INFO at odd places: the codec must honour position, array offset and read-only views. */
    static Stream<Arguments> framesNotAtIndexZero() {
        return Stream.of(
                frame("heap, position 3, big-endian", p -> ByteBuffer.wrap(embed(p), 3, p.length)),
                frame("heap, position 3, little-endian",
                        p -> ByteBuffer.wrap(embed(p), 3, p.length).order(ByteOrder.LITTLE_ENDIAN)),
                frame("slice at array offset 3", p -> ByteBuffer.wrap(embed(p)).slice(3, p.length)),
                frame("read-only, position 3", p -> ByteBuffer.wrap(embed(p), 3, p.length).asReadOnlyBuffer()),
                frame("direct, position 3",
                        p -> ByteBuffer.allocateDirect(p.length + 5).put(embed(p)).position(3).limit(3 + p.length)));
    }

    private static Arguments frame(String name, Function<byte[], ByteBuffer> frameOf) {
        return Arguments.of(name, frameOf);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("framesNotAtIndexZero")
    void decodeReadsFromTheBufferPositionAndLeavesPositionLimitAndOrderUntouched(String name,
            Function<byte[], ByteBuffer> frameOf) throws WispProtocolException {
        Info expected = new Info(WispVersion.V2_0, List.of(
                new PasswordExtension.Client("admin", "hunter2", true),
                new UnknownExtension(0x99, new byte[] {7}),
                new KeyAuthExtension.Client(KeyAuthExtension.ED25519, bytes(hex(HASH_32)), SIGNATURE)));
        ByteBuffer frame = frameOf.apply(bytes(WispCodec.encode(expected)));
        int position = frame.position();
        int limit = frame.limit();
        ByteOrder order = frame.order();

        WispPacket decoded = WispCodec.decode(frame, Role.CLIENT);

        assertAll(
                () -> assertEquals(expected, decoded),
                () -> assertEquals(position, frame.position()),
                () -> assertEquals(limit, frame.limit()),
                () -> assertEquals(order, frame.order()));
    }

    @Test
    void dataDecodedFromTheMiddleOfAnArrayHoldsOnlyItsOwnPayload() throws WispProtocolException {
        byte[] array = bytes(hex("ee ee 02 01000000 6869 ee")); // junk | DATA sid=1 | "hi" | junk
        ByteBuffer frame = ByteBuffer.wrap(array, 2, 7);

        Data data = assertInstanceOf(Data.class, WispCodec.decode(frame, Role.CLIENT));

        assertEquals("6869", string(data.payload()));
        assertEquals(2, frame.position());
        assertEquals(9, frame.limit());
    }

    @Test
    void decodedDataPayloadIsReadOnly() throws WispProtocolException {
        Data data = (Data) WispCodec.decode(hex("02 01000000 6869"), Role.CLIENT); // DATA sid=1 | "hi"

        assertTrue(data.payload().isReadOnly());
    }

    @Test
    void failedDecodeLeavesTheCallersBufferUntouched() {
        ByteBuffer frame = ByteBuffer.wrap(bytes(hex("ee 03 01000000 800000 ee")), 1, 8); // CONTINUE, 3-byte payload

        var e = assertThrows(WispProtocolException.class, () -> WispCodec.decode(frame, Role.SERVER));

        assertEquals("CONTINUE payload must be 4 bytes, was 3", e.getMessage());
        assertEquals(1, frame.position());
        assertEquals(9, frame.limit());
        assertEquals(ByteOrder.BIG_ENDIAN, frame.order());
    }

    /** {@code packet} with 3 junk bytes before and 2 after. */
    private static byte[] embed(byte[] packet) {
        byte[] out = new byte[packet.length + 5];
        Arrays.fill(out, (byte) 0xee);
        System.arraycopy(packet, 0, out, 3, packet.length);
        return out;
    }

    private static void assertEncodes(String expectedHex, WispPacket packet) {
        ByteBuffer encoded = WispCodec.encode(packet);
        assertEquals(0, encoded.position(), "encode returns the buffer at position 0");
        assertEquals(normalized(expectedHex), string(encoded));
    }
}
