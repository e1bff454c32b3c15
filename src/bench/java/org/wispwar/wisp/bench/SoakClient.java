package org.wispwar.wisp.bench;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import java.util.concurrent.locks.Condition;
import org.wispwar.wisp.protocol.Close;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.Continue;
import org.wispwar.wisp.protocol.Data;
import org.wispwar.wisp.protocol.Role;
import org.wispwar.wisp.protocol.WispCodec;
import org.wispwar.wisp.protocol.WispPacket;
import org.wispwar.wisp.protocol.WispProtocolException;

/**
 * The soak's checking Wisp v1 client, on a shared Jetty WebSocket client. Unlike {@link BenchConnection} it decodes
 * every packet and keeps them per stream, so the soak can check each answer: echoed bytes, CLOSE reasons, the WebSocket
 * close code and reason. It keeps credit as wisp-protocol.md §5 says (B from stream 0, minus one per DATA, replaced by
 * each CONTINUE, which is consumed here and not queued), so it is an honest client. Every wait is bounded by
 * {@link #WAIT}. Thread-safe: sends are serialized by {@code sendLock} (one outstanding frame, each awaited), packets
 * are queued per stream by the one receive thread.
 */
public final class SoakClient implements Session.Listener.AutoDemanding, AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(20);

    /** The WebSocket close as the client saw it. */
    record Closed(int code, String reason) {
    }

    /** One stream's send credit in packets; -1 once the server closed the stream. Guarded by its lock. */
    static final class Credit {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private long value;

        Credit(long value) {
            this.value = value;
        }

        void replace(long v) {
            lock.lock();
            try {
                value = value < 0 ? value : v;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        /** Takes one credit, waiting at most {@link #WAIT}; false when none came or the stream was closed. */
        boolean take() throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            lock.lock();
            try {
                while (value == 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    changed.awaitNanos(left);
                }
                if (value < 0) {
                    return false;
                }
                value--;
                return true;
            } finally {
                lock.unlock();
            }
        }
    }

    private final ConcurrentHashMap<Integer, Credit> credits = new ConcurrentHashMap<>();
    private volatile long initialCredit;
    private final ConcurrentHashMap<Integer, BlockingQueue<WispPacket>> byStream = new ConcurrentHashMap<>();
    private final CompletableFuture<Closed> closed = new CompletableFuture<>();
    private final ReentrantLock sendLock = new ReentrantLock();
    private volatile Session session;
    /** Set when the server sent bytes that do not decode: always an error for the soak. */
    volatile String undecodable;

    static SoakClient open(WebSocketClient jetty, URI uri) throws Exception {
        SoakClient c = new SoakClient();
        c.session = jetty.connect(c, new ClientUpgradeRequest(uri)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        return c;
    }

    @Override
    public void onWebSocketBinary(ByteBuffer m, Callback callback) {
        byte[] copy = new byte[m.remaining()];   // Jetty reuses the buffer after the callback
        m.get(copy);
        try {
            WispPacket p = WispCodec.decode(ByteBuffer.wrap(copy), Role.SERVER);
            if (p instanceof Continue c && c.streamId() != 0) {
                credit(c.streamId()).replace(c.bufferRemaining());   // wisp-protocol.md §5: replaces, never adds
            } else {
                if (p instanceof Continue c) {
                    initialCredit = c.bufferRemaining();
                }
                if (p instanceof Close) {
                    Credit k = credits.get(p.streamId());
                    if (k != null) {
                        k.replace(-1);   // wakes a sender waiting for credit on a stream that ended
                    }
                }
                queue(p.streamId()).add(p);
            }
        } catch (WispProtocolException e) {
            undecodable = e.getMessage();
        }
        callback.succeed();
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason) {
        closed.complete(new Closed(statusCode, reason == null ? "" : reason));
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        closed.complete(new Closed(-1, String.valueOf(cause)));
    }

    private BlockingQueue<WispPacket> queue(int streamId) {
        return byStream.computeIfAbsent(streamId, k -> new LinkedBlockingQueue<>());
    }

    /** The next packet on a stream, or null when none came within {@link #WAIT}. */
    WispPacket next(int streamId) throws InterruptedException {
        return next(streamId, WAIT);
    }

    WispPacket next(int streamId, Duration wait) throws InterruptedException {
        return queue(streamId).poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Packets that arrived on a stream and were not taken yet. */
    int pending(int streamId) {
        BlockingQueue<WispPacket> q = byStream.get(streamId);
        return q == null ? 0 : q.size();
    }

    /** Drops a finished stream's queue and credit. */
    void forget(int streamId) {
        byStream.remove(streamId);
        credits.remove(streamId);
    }

    /** B from the CONTINUE on stream 0 (0 until it arrived). */
    long initialCredit() {
        return initialCredit;
    }

    private Credit credit(int streamId) {
        return credits.computeIfAbsent(streamId, k -> new Credit(initialCredit));
    }

    /**
     * Sends CONNECT and gives the new stream the initial credit B (wisp-protocol.md §5 rule 2). Needs the CONTINUE on
     * stream 0 first.
     */
    void connect(Connect c) throws Exception {
        credits.put(c.streamId(), new Credit(initialCredit));
        send(c);
    }

    /** Sends DATA on a stream under its credit; false when no credit came within {@link #WAIT} or the stream ended. */
    boolean sendData(int streamId, byte[] payload) throws Exception {
        if (!credit(streamId).take()) {
            return false;
        }
        send(Data.of(streamId, payload));
        return true;
    }

    void send(WispPacket p) throws Exception {
        sendRaw(WispCodec.encode(p));
    }

    /** Sends one binary message as given (malformed ones included) and waits until Jetty wrote it. */
    void sendRaw(ByteBuffer frame) throws Exception {
        sendLock.lock();
        try {
            Callback.Completable sent = new Callback.Completable();
            session.sendBinary(frame, sent);
            sent.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } finally {
            sendLock.unlock();
        }
    }

    void sendText(String text) throws Exception {
        sendLock.lock();
        try {
            Callback.Completable sent = new Callback.Completable();
            session.sendText(text, sent);
            sent.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } finally {
            sendLock.unlock();
        }
    }

    /** The WebSocket close; throws TimeoutException when it did not close within {@link #WAIT}. */
    Closed awaitClose() throws Exception {
        return closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    boolean isClosed() {
        return closed.isDone();
    }

    /** Closes with 1000 and waits for the server's answer (bounded). */
    void closeNormally() throws Exception {
        Session s = session;
        if (s != null && s.isOpen()) {
            s.close(1000, "soak done", Callback.NOOP);
        }
        try {
            closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new TimeoutException("no close answer within " + WAIT);
        }
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        Session s = session;
        if (s != null && s.isOpen()) {
            s.disconnect();
        }
    }
}
