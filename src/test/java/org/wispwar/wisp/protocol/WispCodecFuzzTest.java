package org.wispwar.wisp.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Fuzzes the decoder with arbitrary messages, whole ({@link WispCodec#decode}) and cut into arbitrary parts
 * ({@link PacketReader}, as a container delivers them). Invariants, for every input:
 * <ul>
 *   <li>only {@link WispProtocolException} escapes, with close code 1002, or 1009 for a size limit;</li>
 *   <li>the caller's buffer keeps its position, limit, byte order and bytes;</li>
 *   <li>a decoded packet re-encodes to the same bytes, except where the protocol lets the decoder normalise
 *       (CLOSE trailing bytes, an auth extension's non-zero {@code required} byte), and then the re-encoding decodes to
 *       an equal packet;</li>
 *   <li>the reader, fed the message in any parts, reaches the same packet or the same error as the whole decode, DATA
 *       payloads arriving intact and in order; after a good message it reads the next one correctly.</li>
 * </ul>
 * Input layout (so that seeds are readable hex): {@code u8 flags | u8 k | k × u8 part length | message}; flags bit 0
 * selects the sender role (0 client, 1 server). Seeds: {@code WispCodecFuzzTestInputs/decode/}, the vectors of
 * wisp-protocol.md §11. Runs as a regression test over the seeds in {@code mvn test}; JAZZER_FUZZ=1 fuzzes it.
 */
class WispCodecFuzzTest {
    /** Larger than any input the fuzzer makes (libFuzzer's default -max_len is 4096): the codec's limits decide. */
    private static final long MAX_MESSAGE = 1 << 20;
    private static final int MAX_PARTS = 16;
    /** A packet to read after a good one, to show that the reader's state was reset. */
    private static final byte[] NEXT = {PacketType.CLOSE, 9, 0, 0, 0, 0x02};

    @FuzzTest(maxDuration = "10s")
    void decode(byte[] input) {
        if (input.length < 2) {
            return;
        }
        Role role = (input[0] & 1) == 0 ? Role.CLIENT : Role.SERVER;
        int k = Math.min(Byte.toUnsignedInt(input[1]), MAX_PARTS);
        if (input.length < 2 + k) {
            return;
        }
        int[] cuts = new int[k];
        for (int i = 0; i < k; i++) {
            cuts[i] = Byte.toUnsignedInt(input[2 + i]);
        }
        byte[] message = Arrays.copyOfRange(input, 2 + k, input.length);

        Outcome whole = decodeWhole(message, role);
        if (whole.packet != null) {
            checkReencoding(message, whole.packet, role);
        }
        Outcome inOnePart = readInParts(message, new int[0], role);
        Outcome inParts = readInParts(message, cuts, role);
        assertSame(whole, inOnePart, "reader, one part");
        assertSame(whole, inParts, "reader, parts " + Arrays.toString(cuts));
    }

    /** What one message turned into: a packet (DATA rebuilt from its parts) or an error. */
    private record Outcome(WispPacket packet, WispProtocolException error) {
    }

    private static Outcome decodeWhole(byte[] message, Role role) {
        byte[] before = message.clone();
        // A buffer with a non-zero position and the default byte order, as a container hands it over.
        ByteBuffer framed = ByteBuffer.allocate(message.length + 3);
        framed.position(3);
        framed.put(message).position(3);
        ByteBuffer view = framed.duplicate();
        try {
            WispPacket p = WispCodec.decode(view, role);
            return new Outcome(p instanceof Data d ? Data.of(d.streamId(), bytes(d.payload())) : p, null);
        } catch (WispProtocolException e) {
            assertEquals(WispProtocolException.PROTOCOL_ERROR, e.closeCode(), "codec errors are protocol errors");
            return new Outcome(null, e);
        } finally {
            assertEquals(3, view.position(), "decode leaves the caller's position");
            assertEquals(message.length + 3, view.limit(), "decode leaves the caller's limit");
            assertEquals(ByteOrder.BIG_ENDIAN, view.order(), "decode leaves the caller's byte order");
            assertArrayEquals(before, Arrays.copyOfRange(framed.array(), 3, framed.capacity()), "decode writes nothing");
        }
    }

    private static void checkReencoding(byte[] message, WispPacket packet, Role role) {
        byte[] encoded = bytes(WispCodec.encode(packet));
        if (canonical(message, packet)) {
            assertArrayEquals(message, encoded, () -> "re-encoding " + packet);
            return;
        }
        WispPacket again;
        try {
            again = WispCodec.decode(ByteBuffer.wrap(encoded), role);
        } catch (WispProtocolException e) {
            throw new AssertionError("the re-encoding of " + packet + " does not decode: " + e.getMessage(), e);
        }
        assertEquals(packet, again, "the normalised re-encoding decodes to the same packet");
    }

    /** Whether the decoder keeps every byte of this message, so the encoder must give them back unchanged. */
    private static boolean canonical(byte[] message, WispPacket packet) {
        return switch (packet) {
            case Close c -> message.length == WispCodec.HEADER_LENGTH + WispCodec.CLOSE_LENGTH;
            case Info i -> i.extensions().stream().noneMatch(e -> e instanceof PasswordExtension.Server
                    || e instanceof KeyAuthExtension.Server);   // u8 required: any non-zero byte reads as true
            case Connect c -> true;
            case Data d -> true;
            case Continue c -> true;
        };
    }

    /** Feeds {@code message} to a fresh reader in parts of the given lengths, then the rest as the last part. */
    private static Outcome readInParts(byte[] message, int[] cuts, Role role) {
        PacketReader reader = new PacketReader(MAX_MESSAGE, role);
        Recorder recorder = new Recorder();
        int at = 0;
        try {
            for (int cut : cuts) {
                int n = Math.min(cut, message.length - at);
                reader.accept(readOnlyPart(message, at, n), false, recorder);
                at += n;
            }
            reader.accept(readOnlyPart(message, at, message.length - at), true, recorder);
        } catch (WispProtocolException e) {
            assertEquals(WispProtocolException.PROTOCOL_ERROR, e.closeCode(), "inputs this small break no size limit");
            return new Outcome(null, e);
        }
        WispPacket p = recorder.single();
        // The reader starts afresh: the next message is read as if it were the first.
        Recorder next = new Recorder();
        try {
            reader.accept(ByteBuffer.wrap(NEXT), true, next);
        } catch (WispProtocolException e) {
            throw new AssertionError("the message after " + p + " failed: " + e.getMessage(), e);
        }
        assertEquals(new Close(9, CloseReason.VOLUNTARY), next.single(), "the message after " + p);
        return new Outcome(p, null);
    }

    private static ByteBuffer readOnlyPart(byte[] message, int from, int length) {
        return ByteBuffer.wrap(message, from, length).slice().asReadOnlyBuffer();
    }

    private static void assertSame(Outcome expected, Outcome actual, String how) {
        if (expected.error != null) {
            assertNull(actual.packet, () -> how + ": " + actual.packet + " where the codec said "
                    + expected.error.getMessage());
            assertEquals(expected.error.getMessage(), actual.error.getMessage(), how + ": error");
        } else {
            assertNull(actual.error, () -> how + ": " + actual.error.getMessage() + " where the codec read "
                    + expected.packet);
            assertEquals(expected.packet, actual.packet, how + ": packet");
        }
    }

    /** A {@link PacketReader.Handler} that rebuilds each DATA from its parts and checks the call order. */
    private static final class Recorder implements PacketReader.Handler {
        final List<WispPacket> packets = new ArrayList<>();
        private ByteArrayOutputStream data;
        private int dataStream;

        @Override
        public void packet(WispPacket packet) {
            assertNull(data, "no packet inside a DATA");
            assertTrue(!(packet instanceof Data), "DATA comes part by part, never whole");
            packets.add(packet);
        }

        @Override
        public void dataStart(int streamId) {
            assertNull(data, "DATA does not start twice");
            data = new ByteArrayOutputStream();
            dataStream = streamId;
        }

        @Override
        public void dataPart(ByteBuffer part) {
            assertTrue(data != null, "a DATA part after dataStart");
            assertTrue(part.hasRemaining(), "no empty DATA parts");
            data.writeBytes(bytes(part));
        }

        @Override
        public void dataEnd() {
            assertTrue(data != null, "dataEnd after dataStart");
            packets.add(Data.of(dataStream, data.toByteArray()));
            data = null;
        }

        WispPacket single() {
            assertNull(data, "the DATA ended");
            assertEquals(1, packets.size(), () -> "one packet per message: " + packets);
            return packets.get(0);
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
