package org.wispwar.wisp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.wispwar.wisp.protocol.Close;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.Continue;
import org.wispwar.wisp.protocol.Data;
import org.wispwar.wisp.protocol.Role;
import org.wispwar.wisp.protocol.StreamType;
import org.wispwar.wisp.protocol.WispCodec;
import org.wispwar.wisp.protocol.WispPacket;

/**
 * A scripted Wisp v1 client over the Jetty WebSocket client, for integration tests. Received packets are recorded in
 * order ({@link #next}) and folded into per-stream state: credit (replaced by each CONTINUE, as the spec says), the
 * bytes received, and the CLOSE. Every wait is bounded and fails the test with a message when it runs out.
 */
public final class WispClient implements Session.Listener.AutoDemanding, AutoCloseable {
    public static final Duration WAIT = Duration.ofSeconds(20);

    /** Per-stream view. Guarded by the client's lock. */
    private static final class StreamState {
        long credit;
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        Close close;
        int continues;
        /** Packets for this stream that arrived after its CLOSE. */
        int afterClose;
    }

    private final WebSocketClient jetty;
    private final BlockingQueue<WispPacket> packets = new LinkedBlockingQueue<>();
    private final ConcurrentHashMap<Integer, StreamState> streams = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final CompletableFuture<int[]> closeCode = new CompletableFuture<>();
    private volatile String closeReason;
    private volatile Throwable error;
    private volatile long initialCredit = -1;
    private volatile Duration receiveDelay = Duration.ZERO;
    private volatile java.util.concurrent.CountDownLatch readGate;   // null: reading
    private Session session;

    private WispClient(WebSocketClient jetty) {
        this.jetty = jetty;
    }

    public static WispClient connect(URI uri, String... subprotocols) throws Exception {
        return connect(uri, List.of(), subprotocols);
    }

    public static WispClient connect(URI uri, List<String> extensions, String... subprotocols) throws Exception {
        return connect(uri, java.util.Map.of(), extensions, subprotocols);
    }

    /** With extra upgrade request headers (X-Forwarded-For, Origin, Authorization...). */
    public static WispClient connect(URI uri, java.util.Map<String, String> headers, List<String> extensions,
            String... subprotocols) throws Exception {
        WebSocketClient jetty = new WebSocketClient();
        jetty.setMaxBinaryMessageSize(16 * 1024 * 1024);
        jetty.setIdleTimeout(Duration.ofMinutes(2));
        jetty.start();
        WispClient client = new WispClient(jetty);
        ClientUpgradeRequest request = new ClientUpgradeRequest(uri);
        if (subprotocols.length > 0) {
            request.setSubProtocols(subprotocols);
        }
        if (!extensions.isEmpty()) {
            request.addExtensions(extensions.toArray(String[]::new));
        }
        headers.forEach(request::setHeader);
        try {
            client.session = jetty.connect(client, request).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            jetty.stop();
            throw e;
        }
        return client;
    }

    public Session session() {
        return session;
    }

    /**
     * From now on the next message is held, and with it all reading of the WebSocket (its TCP window closes), until
     * {@link #resumeReading()}.
     */
    public void pauseReading() {
        readGate = new java.util.concurrent.CountDownLatch(1);
    }

    public void resumeReading() {
        java.util.concurrent.CountDownLatch g = readGate;
        readGate = null;
        if (g != null) {
            g.countDown();
        }
    }

    /** Makes the receive side slow: each message is held this long before the next is taken (backpressure). */
    public void receiveDelay(Duration delay) {
        receiveDelay = delay;
    }

    // -------------------------------------------------------------------------------------------------- receiving

    @Override
    public void onWebSocketBinary(ByteBuffer message, Callback callback) {
        try {
            java.util.concurrent.CountDownLatch gate = readGate;
            if (gate != null && !gate.await(WAIT.toSeconds() * 3, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never resumed reading");
            }
            WispPacket p = WispCodec.decode(message, Role.SERVER);
            record(p);
            packets.add(p);
            Duration delay = receiveDelay;
            if (!delay.isZero()) {
                Thread.sleep(delay.toMillis());   // deliberate slow consumer, not a wait for a condition
            }
            callback.succeed();
        } catch (Exception e) {
            callback.fail(e);
        }
    }

    private void record(WispPacket p) {
        lock.lock();
        try {
            if (p.streamId() != 0 && state(p.streamId()).close != null) {
                state(p.streamId()).afterClose++;
            }
            switch (p) {
                case Continue c when c.streamId() == 0 && initialCredit < 0 -> initialCredit = c.bufferRemaining();
                case Continue c -> {
                    StreamState s = state(c.streamId());
                    s.credit = c.bufferRemaining();
                    s.continues++;
                }
                case Data d -> {
                    ByteBuffer b = d.payload().duplicate();
                    byte[] bytes = new byte[b.remaining()];
                    b.get(bytes);
                    state(d.streamId()).received.write(bytes, 0, bytes.length);
                }
                case Close c -> state(c.streamId()).close = c;
                default -> {
                }
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private StreamState state(int id) {
        return streams.computeIfAbsent(id, k -> new StreamState());
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason) {
        closeReason = reason;
        closeCode.complete(new int[] {statusCode});
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        error = cause;
        closeCode.complete(new int[] {-1});
    }

    /** What ended the WebSocket without a close frame (-1), for failure messages; null otherwise. */
    public Throwable error() {
        return error;
    }

    /** The next packet in arrival order. */
    public WispPacket next() throws InterruptedException {
        WispPacket p = packets.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (p == null) {
            fail("no packet from the server within " + WAIT);
        }
        return p;
    }

    /** Waits for the initial CONTINUE on stream 0 and returns its credit. */
    public long awaitInitialCredit() throws InterruptedException {
        WispPacket first = next();
        assertTrue(first instanceof Continue c && c.streamId() == 0, "first packet must be CONTINUE on stream 0: " + first);
        return ((Continue) first).bufferRemaining();
    }

    /** Waits until {@code n} bytes arrived on a stream (or it closed) and returns what arrived. */
    public byte[] awaitBytes(int streamId, int n) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        lock.lock();
        try {
            StreamState s = state(streamId);
            while (s.received.size() < n && s.close == null) {
                if (!awaitUntil(deadline)) {
                    fail("stream " + streamId + " received " + s.received.size() + " of " + n + " bytes within " + WAIT);
                }
            }
            return s.received.toByteArray();
        } finally {
            lock.unlock();
        }
    }

    /** Waits for the stream's CLOSE. */
    public Close awaitClose(int streamId) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        lock.lock();
        try {
            StreamState s = state(streamId);
            while (s.close == null) {
                if (!awaitUntil(deadline)) {
                    fail("no CLOSE on stream " + streamId + " within " + WAIT + "; received " + s.received.size()
                            + " bytes");
                }
            }
            return s.close;
        } finally {
            lock.unlock();
        }
    }

    public void assertClosedWith(int streamId, CloseReason reason) throws InterruptedException {
        assertEquals(reason, awaitClose(streamId).reason(), "CLOSE reason on stream " + streamId);
    }

    public byte[] received(int streamId) {
        lock.lock();
        try {
            return state(streamId).received.toByteArray();
        } finally {
            lock.unlock();
        }
    }

    /** How many bytes arrived on a stream so far (without copying them). */
    public int receivedCount(int streamId) {
        lock.lock();
        try {
            return state(streamId).received.size();
        } finally {
            lock.unlock();
        }
    }

    /** Packets (DATA, CONTINUE) that arrived for a stream after its CLOSE. */
    public int packetsAfterClose(int streamId) {
        lock.lock();
        try {
            return state(streamId).afterClose;
        } finally {
            lock.unlock();
        }
    }

    public Close closeOf(int streamId) {
        lock.lock();
        try {
            return state(streamId).close;
        } finally {
            lock.unlock();
        }
    }

    /** Waits for the WebSocket to close and returns the close code. */
    public int awaitWebSocketClose() throws Exception {
        return awaitWebSocketClose(WAIT);
    }

    /** Waits at most {@code wait} for the WebSocket to close; a TimeoutException says it stayed open that long. */
    public int awaitWebSocketClose(Duration wait) throws Exception {
        return closeCode.get(wait.toMillis(), TimeUnit.MILLISECONDS)[0];
    }

    public String webSocketCloseReason() {
        return closeReason;
    }

    private boolean awaitUntil(long deadline) throws InterruptedException {
        long left = deadline - System.nanoTime();
        return left > 0 && changed.await(left, TimeUnit.NANOSECONDS) | deadline - System.nanoTime() > 0;
    }

    // ---------------------------------------------------------------------------------------------------- sending

    public void send(WispPacket packet) throws Exception {
        sendRaw(WispCodec.encode(packet));
    }

    public void sendRaw(ByteBuffer frame) throws Exception {
        Callback.Completable done = new Callback.Completable();
        session.sendBinary(frame, done);
        done.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    public void sendText(String text) throws Exception {
        Callback.Completable done = new Callback.Completable();
        session.sendText(text, done);
        done.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    /** Opens a TCP stream; its credit starts at the connection's initial credit (spec §5 rule 2). */
    public void connectTcp(int streamId, String host, int port) throws Exception {
        if (initialCredit < 0) {
            fail("connectTcp before the initial CONTINUE arrived");
        }
        lock.lock();
        try {
            state(streamId).credit = initialCredit;
        } finally {
            lock.unlock();
        }
        send(new Connect(streamId, StreamType.TCP, port, host));
    }

    /**
     * Sends bytes as DATA packets of at most {@code chunk} bytes, as an honest client: one credit per packet, waiting
     * for a CONTINUE when the credit is spent. Returns how many times it had to wait for credit.
     */
    public int sendWithCredit(int streamId, byte[] bytes, int chunk) throws Exception {
        int waits = 0;
        for (int off = 0; off < bytes.length; off += chunk) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            lock.lock();
            try {
                StreamState s = state(streamId);
                if (s.credit == 0 && s.close == null) {
                    waits++;
                }
                while (s.credit == 0 && s.close == null) {
                    if (!awaitUntil(deadline)) {
                        fail("no credit on stream " + streamId + " within " + WAIT + " after " + off + " bytes");
                    }
                }
                if (s.close != null) {
                    fail("stream " + streamId + " closed while sending: " + s.close);
                }
                s.credit--;
            } finally {
                lock.unlock();
            }
            int n = Math.min(chunk, bytes.length - off);
            send(new Data(streamId, ByteBuffer.wrap(bytes, off, n)));
        }
        return waits;
    }

    /**
     * Sends bytes as {@link #sendWithCredit} does, but a CLOSE of the stream (or the end of the WebSocket) is an
     * expected end, not a failure: returns how many bytes were sent before it. For transfers a fault interrupts.
     */
    public long sendUntilClosed(int streamId, byte[] bytes, int chunk) throws Exception {
        for (int off = 0; off < bytes.length; off += chunk) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            lock.lock();
            try {
                StreamState s = state(streamId);
                while (s.credit == 0 && s.close == null && !closeCode.isDone()) {
                    if (!awaitUntil(deadline)) {
                        fail("no credit on stream " + streamId + " within " + WAIT + " after " + off + " bytes");
                    }
                }
                if (s.close != null || closeCode.isDone()) {
                    return off;
                }
                s.credit--;
            } finally {
                lock.unlock();
            }
            int n = Math.min(chunk, bytes.length - off);
            Callback.Completable done = new Callback.Completable();
            session.sendBinary(WispCodec.encode(new Data(streamId, ByteBuffer.wrap(bytes, off, n))), done);
            try {
                done.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                if (!closeCode.isDone() && session.isOpen()) {
                    throw e;   // the WebSocket is still up: this failure is not the fault under test
                }
                return off;   // the server closed the WebSocket under this send
            }
        }
        return bytes.length;
    }

    /** Packets received so far, without waiting (for assertions about what did not happen). */
    public List<WispPacket> drained() {
        List<WispPacket> out = new ArrayList<>();
        packets.drainTo(out);
        return out;
    }

    @Override
    public void close() throws Exception {
        resumeReading();
        try {
            if (session != null && session.isOpen()) {
                session.close();
            }
        } finally {
            jetty.stop();
        }
    }
}
