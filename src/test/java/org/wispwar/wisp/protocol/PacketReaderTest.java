package org.wispwar.wisp.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.wispwar.wisp.protocol.Hex.hex;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Messages in parts, as containers deliver them: every split point (inside the header too) gives the same packets, DATA
 * payloads are handed on as they arrive and never held, and the size limits answer 1009.
 */
class PacketReaderTest {
    /** What the reader reported, as text lines, with the DATA bytes gathered. */
    static final class Recorder implements PacketReader.Handler {
        final List<String> events = new ArrayList<>();
        final ByteArrayOutputStream data = new ByteArrayOutputStream();
        int largestPart;

        @Override
        public void packet(WispPacket packet) {
            events.add("packet " + packet);
        }

        @Override
        public void dataStart(int streamId) {
            events.add("start " + Integer.toUnsignedString(streamId));
        }

        @Override
        public void dataPart(ByteBuffer part) {
            largestPart = Math.max(largestPart, part.remaining());
            byte[] b = new byte[part.remaining()];
            part.get(b);
            data.writeBytes(b);
        }

        @Override
        public void dataEnd() {
            events.add("end " + data.size());
        }
    }

    private static void feed(PacketReader reader, ByteBuffer message, int partSize, Recorder r)
            throws WispProtocolException {
        do {
            int n = Math.min(partSize, message.remaining());
            ByteBuffer part = message.slice(message.position(), n);
            message.position(message.position() + n);
            reader.accept(part, !message.hasRemaining(), r);
        } while (message.hasRemaining());
    }

    static IntStream splits() {
        return IntStream.rangeClosed(1, 12);
    }

    @ParameterizedTest(name = "parts of {0} bytes")
    @MethodSource("splits")
    void dataIsTheSameForEverySplitEvenInsideTheHeader(int partSize) throws Exception {
        Recorder r = new Recorder();
        PacketReader reader = new PacketReader(1 << 20, Role.CLIENT);
        feed(reader, hex("02 2a000000 68656c6c6f"), partSize, r);   // DATA sid=42 "hello"
        assertEquals(List.of("start 42", "end 5"), r.events);
        assertArrayEquals("hello".getBytes(), r.data.toByteArray());
    }

    @ParameterizedTest(name = "parts of {0} bytes")
    @MethodSource("splits")
    void controlPacketsAreCollectedWholeForEverySplit(int partSize) throws Exception {
        Recorder r = new Recorder();
        PacketReader reader = new PacketReader(1 << 20, Role.CLIENT);
        feed(reader, hex("01 01000000 01 5000 6578616d706c652e636f6d"), partSize, r);   // CONNECT sid=1 TCP :80
        feed(reader, hex("04 01000000 02"), partSize, r);                                  // CLOSE sid=1 voluntary
        assertEquals(List.of("packet " + new Connect(1, StreamType.TCP, 80, "example.com"),
                "packet " + new Close(1, CloseReason.VOLUNTARY)), r.events);
    }

    @Test
    void aLargeDataPayloadIsHandedOnPartByPart() throws Exception {
        Recorder r = new Recorder();
        PacketReader reader = new PacketReader(100 << 20, Role.CLIENT);
        ByteBuffer message = ByteBuffer.allocate(5 + (8 << 20));
        message.put((byte) 0x02).putInt(Integer.reverseBytes(7));
        for (int i = 0; message.hasRemaining(); i++) {
            message.put((byte) i);
        }
        message.flip();
        feed(reader, message, 64 * 1024, r);
        assertEquals(List.of("start 7", "end " + (8 << 20)), r.events);
        assertEquals(64 * 1024, r.largestPart, "no part larger than what the container handed over");
        byte[] got = r.data.toByteArray();
        for (int i = 0; i < got.length; i++) {
            if (got[i] != (byte) i) {
                throw new AssertionError("byte " + i + " is " + got[i]);
            }
        }
    }

    @Test
    void anEmptyDataPacketStartsAndEnds() throws Exception {
        Recorder r = new Recorder();
        new PacketReader(1024, Role.CLIENT).accept(hex("02 01000000"), true, r);
        assertEquals(List.of("start 1", "end 0"), r.events);
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, 4})
    void aMessageShorterThanTheHeaderIsAProtocolError(int length) {
        ByteBuffer message = ByteBuffer.allocate(length);
        if (length > 0) {
            message.put(0, (byte) 2);   // DATA
        }
        var e = assertThrows(WispProtocolException.class, () -> new PacketReader(1024, Role.CLIENT)
                .accept(message, true, new Recorder()));
        assertEquals("packet shorter than header: " + length, e.getMessage());
        assertEquals(1002, e.closeCode());
    }

    @Test
    void aHeaderSplitAndCutShortIsAProtocolError() throws Exception {
        PacketReader reader = new PacketReader(1024, Role.CLIENT);
        reader.accept(hex("02 01"), false, new Recorder());
        var e = assertThrows(WispProtocolException.class, () -> reader.accept(hex("00"), true, new Recorder()));
        assertEquals("packet shorter than header: 3", e.getMessage());
    }

    @Test
    void anUnknownTypeIsRefusedAsSoonAsTheHeaderIsComplete() throws Exception {
        PacketReader reader = new PacketReader(1 << 20, Role.CLIENT);
        reader.accept(hex("07 0100"), false, new Recorder());
        var e = assertThrows(WispProtocolException.class, () -> reader.accept(hex("0000 ff"), false, new Recorder()));
        assertEquals("unknown packet type 0x07", e.getMessage());
        assertEquals(1002, e.closeCode());
    }

    @Test
    void aMessageOverTheLimitIsTooBigEvenInParts() throws Exception {
        Recorder r = new Recorder();
        PacketReader reader = new PacketReader(1024, Role.CLIENT);
        reader.accept(ByteBuffer.wrap(new byte[] {2, 1, 0, 0, 0}), false, r);
        reader.accept(ByteBuffer.allocate(1019), false, r);   // exactly 1024 so far: fine
        var e = assertThrows(WispProtocolException.class, () -> reader.accept(ByteBuffer.allocate(1), true, r));
        assertEquals("message longer than 1024 bytes", e.getMessage());
        assertEquals(1009, e.closeCode());
        assertEquals(1019, r.data.size(), "everything up to the limit was handed on");
    }

    @Test
    void aMessageOfExactlyTheLimitPasses() throws Exception {
        Recorder r = new Recorder();
        new PacketReader(1024, Role.CLIENT).accept(ByteBuffer.allocate(1024).put(0, (byte) 2), true, r);
        assertEquals(List.of("start 0", "end 1019"), r.events);
    }

    @Test
    void aControlPacketOverItsCapIsTooBigWholeOrInParts() throws Exception {
        int length = PacketReader.MAX_CONTROL_PACKET + 1;
        ByteBuffer connect = ByteBuffer.allocate(length).put(hex("01 01000000 01 5000"));
        var whole = assertThrows(WispProtocolException.class,
                () -> new PacketReader(1 << 20, Role.CLIENT).accept(connect.duplicate().clear(), true, new Recorder()));
        assertEquals("CONNECT packet longer than 65536 bytes", whole.getMessage());
        assertEquals(1009, whole.closeCode());

        PacketReader reader = new PacketReader(1 << 20, Role.CLIENT);
        ByteBuffer first = connect.duplicate().clear().limit(60_000);
        reader.accept(first, false, new Recorder());
        var parts = assertThrows(WispProtocolException.class,
                () -> reader.accept(connect.duplicate().clear().position(60_000), true, new Recorder()));
        assertEquals("CONNECT packet longer than 65536 bytes", parts.getMessage());
    }

    @Test
    void aMalformedControlPacketInPartsHasTheCodecsMessage() throws Exception {
        PacketReader reader = new PacketReader(1 << 20, Role.CLIENT);
        reader.accept(hex("03 01000000"), false, new Recorder());
        var e = assertThrows(WispProtocolException.class, () -> reader.accept(hex("7f00"), true, new Recorder()));
        assertEquals("CONTINUE payload must be 4 bytes, was 2", e.getMessage());
    }

    @Test
    void theReaderStartsAfreshAfterEachMessage() throws Exception {
        Recorder r = new Recorder();
        PacketReader reader = new PacketReader(16, Role.CLIENT);
        for (int i = 0; i < 3; i++) {
            feed(reader, hex("02 01000000 00112233445566778899aa"), 3, r);   // 16 bytes each: the limit per message
        }
        assertEquals(List.of("start 1", "end 11", "start 1", "end 22", "start 1", "end 33"), r.events);
    }
}
