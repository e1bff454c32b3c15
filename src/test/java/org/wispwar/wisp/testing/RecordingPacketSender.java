package org.wispwar.wisp.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.wispwar.wisp.protocol.Data;
import org.wispwar.wisp.protocol.Role;
import org.wispwar.wisp.protocol.WispCodec;
import org.wispwar.wisp.protocol.WispPacket;
import org.wispwar.wisp.protocol.WispProtocolException;
import org.wispwar.wisp.stream.PacketSender;

/**
 * The client's view of a session: every frame the server sends is decoded (as sent by the server) and queued, in the
 * style of OkHttp's {@code WebSocketRecorder}. Tests take packets with {@link #next()} / {@link #assertNext} and end
 * with {@link #assertExhausted()}, so an unexpected packet fails the test.
 *
 * <p>Two switches model the WebSocket side: a <em>gate</em> that blocks senders (a WebSocket that does not drain, i.e.
 * backpressure) until it opens or the sending thread is interrupted, and {@link #stop()}, after which any send that
 * <em>starts</em> is recorded as a violation (the WebSocket is gone).
 *
 * <p>Thread-safe: any session thread may send concurrently; the test thread reads.
 */
public final class RecordingPacketSender implements PacketSender {
    public static final long WAIT_SECONDS = 5;
    /** How long a gated send may block before it fails on its own; longer than any test waits for anything. */
    private static final long GATE_SECONDS = 20;

    private final LinkedBlockingQueue<WispPacket> packets = new LinkedBlockingQueue<>();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final List<String> connectionCloses = new CopyOnWriteArrayList<>();
    private final List<WispPacket> sentAfterStop = new CopyOnWriteArrayList<>();
    private final AtomicInteger blockedSenders = new AtomicInteger();
    private final Gate gate = new Gate();
    private volatile boolean stopped;

    @Override
    public void sendFrame(ByteBuffer frame) throws IOException {
        // The frame may be reused once this returns (a stream's -down reuses its read buffer), so copy it first.
        byte[] copy = new byte[frame.remaining()];
        frame.duplicate().get(copy);
        WispPacket packet;
        try {
            packet = WispCodec.decode(ByteBuffer.wrap(copy), Role.SERVER);
        } catch (WispProtocolException e) {
            failures.add("the server sent a malformed frame: " + e.getMessage());
            throw new IOException("malformed frame", e);
        }
        if (stopped) {
            sentAfterStop.add(packet);
        }
        if (gate.isClosed()) {
            blockedSenders.incrementAndGet();
            try {
                if (!gate.awaitOpen(GATE_SECONDS, TimeUnit.SECONDS)) {
                    failures.add("a send stayed blocked on the closed gate for " + GATE_SECONDS + " s: " + packet);
                    throw new IOException("send gate stayed closed");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("send interrupted while the gate was closed");   // like a real sender
            } finally {
                blockedSenders.decrementAndGet();
            }
        }
        packets.add(packet);
    }

    @Override
    public void closeConnection(int code, String reason) {
        connectionCloses.add(code + " " + reason);
    }

    /** Discards CONTINUE packets already recorded (for tests that only care about bytes, not credit). */
    public void drainContinues() {
        packets.removeIf(p -> p instanceof org.wispwar.wisp.protocol.Continue);
    }

    /** Waits (bounded) for the session to close the WebSocket with exactly this code and reason, and consumes it. */
    public void assertConnectionClosed(int code, String reason) {
        String expected = code + " " + reason;
        Await.until(() -> "closeConnection(" + expected + "); got " + connectionCloses,
                () -> connectionCloses.contains(expected));
        connectionCloses.remove(expected);
    }

    /** From now on every send blocks until {@link #openGate()} or until the sending thread is interrupted. */
    public void closeGate() {
        gate.close();
    }

    public void openGate() {
        gate.open();
    }

    /** Threads currently blocked in a send by the closed gate. */
    public int blockedSenders() {
        return blockedSenders.get();
    }

    /** Marks the WebSocket as gone: a send that starts after this is reported by {@link #assertExhausted()}. */
    public void stop() {
        stopped = true;
    }

    /** The next packet the server sent, waiting up to 5 s. */
    public WispPacket next() {
        WispPacket p;
        try {
            p = packets.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for a packet", e);
        }
        assertNotNull(p, "the server sent no packet within " + WAIT_SECONDS + " s");
        return p;
    }

    /** The next packet the server sent, or null if none comes within {@code millis}. */
    public WispPacket poll(long millis) {
        try {
            return packets.poll(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for a packet", e);
        }
    }

    public void assertNext(WispPacket expected) {
        assertEquals(expected, next(), "next packet from the server");
    }

    /**
     * Takes packets until {@code length} payload bytes arrived on {@code streamId}. The server may split a byte stream
     * into DATA packets arbitrarily, so only the concatenation is meaningful. Any other packet fails.
     */
    public byte[] collectData(int streamId, int length) {
        return collectData(Map.of(streamId, length)).get(streamId);
    }

    /** Like {@link #collectData(int, int)} for several streams at once, whose DATA may interleave. */
    public Map<Integer, byte[]> collectData(Map<Integer, Integer> lengths) {
        Map<Integer, ByteArrayOutputStream> got = new LinkedHashMap<>();
        lengths.keySet().forEach(id -> got.put(id, new ByteArrayOutputStream()));
        while (lengths.entrySet().stream().anyMatch(e -> got.get(e.getKey()).size() < e.getValue())) {
            WispPacket p = next();
            if (!(p instanceof Data d) || !got.containsKey(d.streamId())) {
                throw new AssertionError("expected DATA on streams " + lengths.keySet() + " but got " + p
                        + "; bytes received so far: " + sizes(got));
            }
            ByteArrayOutputStream out = got.get(d.streamId());
            byte[] bytes = new byte[d.payload().remaining()];
            d.payload().duplicate().get(bytes);
            out.writeBytes(bytes);
            int expected = lengths.get(d.streamId());
            assertTrue(out.size() <= expected,
                    () -> "stream " + d.streamId() + " got " + out.size() + " bytes, more than the " + expected + " expected");
        }
        Map<Integer, byte[]> result = new LinkedHashMap<>();
        got.forEach((id, out) -> result.put(id, out.toByteArray()));
        return result;
    }

    private static Map<Integer, Integer> sizes(Map<Integer, ByteArrayOutputStream> got) {
        Map<Integer, Integer> sizes = new LinkedHashMap<>();
        got.forEach((id, out) -> sizes.put(id, out.size()));
        return sizes;
    }

    /**
     * Nothing unexpected happened: no packet is waiting in the queue at this moment, every frame decoded, nothing was
     * sent after {@link #stop()}, and the connection was not closed. Tests that expect asynchronous sends first wait
     * until the session's threads have ended, so "empty now" means "nothing more will come".
     */
    public void assertExhausted() {
        assertEquals(List.of(), failures, "recorder failures");
        assertEquals(List.of(), sentAfterStop, "packets sent after the WebSocket was gone");
        assertEquals(List.of(), new ArrayList<>(packets), "unexpected packets from the server");
        assertEquals(List.of(), connectionCloses, "unexpected closeConnection calls");
    }
}
