package org.wispwar.wisp.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.wispwar.wisp.protocol.Hex.bytes;
import static org.wispwar.wisp.protocol.Hex.hex;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Malformed input: every truncation of valid packets, and each syntax error with its exact message. */
class WispCodecMalformedInputTest {
    private static final byte[] BUCHER = "bücher.example".getBytes(UTF_8); // 62 c3bc 636865722e6578616d706c65

    /**
     * Each packet cut at every length 0..N-1. The expected outcome per length is either the exact exception message
     * (a String) or the shorter packet that is still well-formed (DATA, CONNECT, INFO end where their bytes end).
     */
    static Stream<Arguments> truncatedPackets() {
        return Stream.of(
                cuts("CONNECT TCP :443 bücher.example", Role.CLIENT,
                        "01 01000000 01 bb01 62c3bc636865722e6578616d706c65", // CONNECT sid=1 | TCP :443 | UTF-8 host
                        n -> n < 8 ? "CONNECT payload too short: " + (n - 5) + " < 3"
                                : n == 10 ? "CONNECT hostname is not valid UTF-8" // cut inside "ü" (c3|bc)
                                : new Connect(1, StreamType.TCP, 443, new String(BUCHER, 0, n - 8, UTF_8))),
                cuts("DATA \"hi\"", Role.CLIENT,
                        "02 01000000 6869", // DATA sid=1 | "hi"
                        n -> Data.of(1, Arrays.copyOf("hi".getBytes(UTF_8), n - 5))),
                cuts("CONTINUE 127", Role.SERVER,
                        "03 01000000 7f000000", // CONTINUE sid=1 | 127
                        n -> "CONTINUE payload must be 4 bytes, was " + (n - 5)),
                cuts("CLOSE voluntary", Role.CLIENT,
                        "04 01000000 02", // CLOSE sid=1 | VOLUNTARY
                        n -> "CLOSE payload is empty"),
                cuts("9-byte CLOSE of wisp-server-node", Role.SERVER,
                        "04 02000000 44 000000", // CLOSE sid=2 | CONNECTION_REFUSED | 3 trailing zeros
                        n -> n == 5 ? "CLOSE payload is empty"
                                : new Close(2, CloseReason.SERVER_STREAM_CONNECTION_REFUSED)),
                cuts("INFO server UDP + MOTD", Role.SERVER,
                        "05 00000000"        // [0..5)   INFO sid=0
                        + " 02 00"           // [5..7)   version 2.0
                        + " 01 00000000"     // [7..12)  ext UDP, length 0
                        + " 04 02000000"     // [12..17) ext MOTD, length 2
                        + " 6869",           // [17..19)   "hi"
                        n -> n < 7 ? "INFO payload too short: " + (n - 5) + " < 2"
                                : n == 7 ? new Info(WispVersion.V2_0, List.of())
                                : n < 12 ? recordTruncated(n - 7)
                                : n == 12 ? new Info(WispVersion.V2_0, List.of(new UdpExtension()))
                                : n < 17 ? recordTruncated(n - 12)
                                : "INFO extension 0x04 length 2 exceeds the " + (n - 17) + " bytes left"),
                cuts("INFO client password (impl layout)", Role.CLIENT,
                        "05 00000000"        // [0..5)   INFO sid=0
                        + " 02 00"           // [5..7)   version 2.0
                        + " 02 0f000000"     // [7..12)  ext PASSWORD, length 15
                        + " 05 0700"         // [12..15)   U=5, P=7
                        + " 61646d696e"      // [15..20)   "admin"
                        + " 68756e74657232", // [20..27)   "hunter2"
                        n -> n < 7 ? "INFO payload too short: " + (n - 5) + " < 2"
                                : n == 7 ? new Info(WispVersion.V2_0, List.of())
                                : n < 12 ? recordTruncated(n - 7)
                                : "INFO extension 0x02 length 15 exceeds the " + (n - 12) + " bytes left"))
                .flatMap(s -> s);
    }

    @ParameterizedTest(name = "{0} cut to {1} bytes: {3}")
    @MethodSource("truncatedPackets")
    void truncatedPacketFailsWithPreciseMessageOrDecodesAsTheShorterValidPacket(String packet, int length, Role sender,
            Object expected, byte[] truncated) {
        if (expected instanceof String message) {
            var e = assertThrows(WispProtocolException.class,
                    () -> WispCodec.decode(ByteBuffer.wrap(truncated), sender));
            assertEquals(message, e.getMessage());
        } else {
            assertEquals(expected, assertDoesNotThrow(() -> WispCodec.decode(ByteBuffer.wrap(truncated), sender)));
        }
    }

    static Stream<Arguments> malformedPackets() {
        return Stream.of(
                malformed("07 01000000", Role.CLIENT, "unknown packet type 0x07"), // type 0x07 | sid=1
                malformed("00 01000000 00", Role.CLIENT, "unknown packet type 0x00"),
                malformed("ff 00000000", Role.SERVER, "unknown packet type 0xff"),
                malformed("01 01000000 01 5000 ff", Role.CLIENT, // CONNECT TCP :80 | 0xff is never UTF-8
                        "CONNECT hostname is not valid UTF-8"),
                malformed("01 01000000 01 5000 c0ae", Role.CLIENT, // CONNECT TCP :80 | overlong "."
                        "CONNECT hostname is not valid UTF-8"),
                malformed("01 01000000 01 5000 6162 eda080", Role.CLIENT, // CONNECT TCP :80 | "ab" + surrogate
                        "CONNECT hostname is not valid UTF-8"),
                malformed("03 01000000 800000", Role.SERVER, // CONTINUE sid=1 | 3 bytes
                        "CONTINUE payload must be 4 bytes, was 3"),
                malformed("03 01000000 8000000000", Role.SERVER, // CONTINUE sid=1 | 5 bytes
                        "CONTINUE payload must be 4 bytes, was 5"),
                malformed("04 01000000", Role.CLIENT, "CLOSE payload is empty"), // CLOSE sid=1 | no reason
                malformed("05 00000000 02", Role.CLIENT, "INFO payload too short: 1 < 2"), // INFO | major only
                malformed("05 00000000 02 00 01 0000", Role.CLIENT, // INFO v2.0 | ext UDP, 2 of 4 length bytes
                        recordTruncated(3)),
                malformed("05 00000000 02 00 01 00000000 04", Role.SERVER, // INFO v2.0 | UDP | lone id byte
                        recordTruncated(1)),
                malformed("05 00000000 02 00 04 05000000 6869", Role.SERVER, // INFO v2.0 | MOTD len=5, 2 bytes
                        "INFO extension 0x04 length 5 exceeds the 2 bytes left"),
                malformed("05 00000000 02 00 f0 ffffffff 6869", Role.SERVER, // INFO v2.0 | 0xf0 len=2^32-1
                        "INFO extension 0xf0 length 4294967295 exceeds the 2 bytes left"),
                malformed("05 00000000 02 00 01 01000000 00", Role.CLIENT, // INFO v2.0 | UDP len=1
                        "extension 0x01 payload must be empty, was 1 bytes"),
                malformed("05 00000000 02 00 05 02000000 0000", Role.SERVER, // INFO v2.0 | STREAM_CONFIRM len=2
                        "extension 0x05 payload must be empty, was 2 bytes"),
                malformed("05 00000000 02 00 04 02000000 fffe", Role.SERVER, // INFO v2.0 | MOTD 0xfffe
                        "MOTD is not valid UTF-8"),
                malformed("05 00000000 02 00 02 00000000", Role.SERVER, // INFO v2.0 | PASSWORD (server) len=0
                        "password extension (server) payload must be 1 byte, was 0"),
                malformed("05 00000000 02 00 02 02000000 0100", Role.SERVER, // INFO v2.0 | PASSWORD (server) len=2
                        "password extension (server) payload must be 1 byte, was 2"),
                malformed("05 00000000 02 00 02 00000000", Role.CLIENT, // INFO v2.0 | PASSWORD (client) len=0
                        "password extension (client) payload is empty"),
                malformed("05 00000000 02 00 02 05000000 0a 61626364", Role.CLIENT, // PASSWORD U=10, 4 bytes follow
                        "password extension username length 10 exceeds the 4 bytes left"),
                malformed("05 00000000 02 00 02 03000000 01 ff 70", Role.CLIENT, // PASSWORD d6 U=1 user=ff pw="p"
                        "password extension username is not valid UTF-8"),
                malformed("05 00000000 02 00 02 03000000 01 61 ff", Role.CLIENT, // PASSWORD d6 U=1 "a" pw=ff
                        "password extension password is not valid UTF-8"),
                malformed("05 00000000 02 00 03 01000000 01", Role.SERVER, // KEY_AUTH (server) len=1
                        "key auth extension (server) payload too short: 1 < 2"),
                malformed("05 00000000 02 00 03 41000000 01 " + Hex.counting(0x80, 64), // KEY_AUTH (client) len=65
                        Role.CLIENT, "key auth extension (client) payload too short: 65 < 66"));
    }

    @ParameterizedTest(name = "{2}")
    @MethodSource("malformedPackets")
    void malformedPacketFailsWithPreciseMessage(String vector, Role sender, String message) {
        var e = assertThrows(WispProtocolException.class, () -> WispCodec.decode(hex(vector), sender));

        assertEquals(message, e.getMessage());
    }

    private static Stream<Arguments> cuts(String packet, Role sender, String vector, IntFunction<Object> expected) {
        byte[] full = bytes(hex(vector));
        return IntStream.range(0, full.length).mapToObj(n -> Arguments.of(packet, n, sender,
                n < 5 ? "packet shorter than header: " + n : expected.apply(n),
                Arrays.copyOf(full, n)));
    }

    private static Arguments malformed(String vector, Role sender, String message) {
        return Arguments.of(vector, sender, message);
    }

    private static String recordTruncated(int left) {
        return "INFO extension record truncated: " + left + " bytes left for a 5-byte record header";
    }
}
