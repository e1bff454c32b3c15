package org.wispwar.wisp.protocol;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The records' own rules: constructor validation, redacted toString, and the CLOSE reason table. */
class ProtocolRecordsTest {
    @ParameterizedTest
    @ValueSource(ints = {-1, 65536})
    void connectRejectsPortOutsideU16(int port) {
        var e = assertThrows(IllegalArgumentException.class, () -> new Connect(1, StreamType.TCP, port, "a"));

        assertEquals("port " + port, e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 65535})
    void connectAcceptsPortsAtTheEdgesOfU16(int port) {
        assertEquals(port, new Connect(1, StreamType.TCP, port, "a").port());
    }

    @ParameterizedTest
    @ValueSource(longs = {-1L, 0x1_0000_0000L})
    void continueRejectsValueOutsideU32(long value) {
        var e = assertThrows(IllegalArgumentException.class, () -> new Continue(1, value));

        assertEquals("buffer remaining " + value + " is not a u32", e.getMessage());
    }

    @Test
    void dataToStringShowsLengthButNotPayloadBytes() {
        Data data = Data.of(0xFFFFFFFF, "secret-token".getBytes(US_ASCII));

        String text = data.toString();

        assertFalse(text.contains("secret"), text);
        assertFalse(text.contains("73656372"), text); // "secr" in hex
        assertFalse(text.contains("115, 101"), text); // "se" as decimal bytes
        assertTrue(text.contains("length=12"), text);
        assertTrue(text.contains("4294967295"), "stream id printed unsigned: " + text);
    }

    @Test
    void passwordClientToStringDoesNotContainThePassword() {
        String text = new PasswordExtension.Client("admin", "hunter2", true).toString();

        assertFalse(text.contains("hunter2"), text);
        assertTrue(text.contains("admin"), text);
    }

    @ParameterizedTest
    @EnumSource(CloseReason.class)
    void closeReasonOfEveryDefinedCodeRoundTrips(CloseReason reason) {
        assertTrue(CloseReason.isKnown(reason.code()));
        assertSame(reason, CloseReason.of(reason.code()));
    }

    @ParameterizedTest
    @ValueSource(ints = {0x00, 0x05, 0x45, 0x80, 0x89, 0xc3, 0xff})
    void closeReasonOfUndefinedCodeIsUnknown(int code) {
        assertFalse(CloseReason.isKnown(code));
        assertSame(CloseReason.UNKNOWN, CloseReason.of(code));
    }

    @Test
    void closeKeepsTheRawReasonOfItsReasonByDefault() {
        assertEquals(0x44, new Close(1, CloseReason.SERVER_STREAM_CONNECTION_REFUSED).rawReason());
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 256})
    void closeRejectsRawReasonOutsideAByte(int raw) {
        var e = assertThrows(IllegalArgumentException.class, () -> new Close(1, CloseReason.UNKNOWN, raw));

        assertEquals("reason " + raw + " does not fit a byte", e.getMessage());
    }

    @Test
    void keyAuthClientRejectsSignatureThatIsNot64Bytes() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new KeyAuthExtension.Client(KeyAuthExtension.ED25519, new byte[32], new byte[63]));

        assertEquals("signature must be 64 bytes, was 63", e.getMessage());
    }
}
