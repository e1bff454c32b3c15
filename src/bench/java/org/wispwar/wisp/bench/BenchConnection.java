package org.wispwar.wisp.bench;

import java.net.URI;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;

/**
 * One Wisp v1 connection of the load generator, on the Jetty WebSocket client. Built for throughput, not checks: a
 * received packet is classified by its 5-byte header and counted, never copied or decoded into records. Credit is kept
 * per stream exactly as wisp-protocol.md §5 says (B from the CONTINUE on stream 0, minus one per DATA, replaced by each
 * CONTINUE). Sends are asynchronous with at most {@link #MAX_IN_FLIGHT} frames handed to Jetty and not yet written (like
 * wispmark's {@code bufferedAmount} cap); the Jetty client masks a frame in place, so each in-flight frame owns its
 * array, taken from a small pool and returned when Jetty has written it. Thread-safe.
 */
public final class BenchConnection implements Session.Listener.AutoDemanding, AutoCloseable {
    static final int HEADER = 5;
    static final int DATA = 0x02;
    static final int CONNECT = 0x01;
    static final int CONTINUE = 0x03;
    static final int CLOSE = 0x04;
    /** Frames handed to Jetty and not yet written, per WebSocket: ~5 MiB of 50 KiB packets, as wispmark caps it. */
    static final int MAX_IN_FLIGHT = 100;

    /** Per-stream client state. Counters are written by the one WebSocket receive thread only. */
    static final class Stream {
        final int id;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition creditChanged = lock.newCondition();
        /** Guarded by lock. */
        private long credit;
        volatile boolean closed;
        volatile int closeReason = -1;
        volatile long received;
        volatile long firstByteNanos;
        volatile long sentBytes;
        volatile long closedAtNanos;
        volatile Thread waiter;

        Stream(int id, long credit) {
            this.id = id;
            this.credit = credit;
        }

        /** Takes one credit, waiting for a CONTINUE at most until {@code deadline}; false when none came or closed. */
        boolean takeCredit(long deadline) throws InterruptedException {
            lock.lock();
            try {
                while (credit <= 0 && !closed) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    creditChanged.awaitNanos(left);
                }
                if (closed) {
                    return false;
                }
                credit--;
                return true;
            } finally {
                lock.unlock();
            }
        }

        void replaceCredit(long value) {
            lock.lock();
            try {
                credit = value;
                creditChanged.signalAll();
            } finally {
                lock.unlock();
            }
        }

        void markClosed(int reason) {
            if (!closed) {
                closedAtNanos = System.nanoTime();
            }
            closeReason = reason;
            lock.lock();
            try {
                closed = true;
                creditChanged.signalAll();
            } finally {
                lock.unlock();
            }
            wake();
        }

        void wake() {
            Thread t = waiter;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }

        /** Waits until {@code total} bytes arrived on this stream (or it closed, or the deadline passed). */
        boolean awaitReceived(long total, long deadline) {
            waiter = Thread.currentThread();
            try {
                while (received < total && !closed) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    LockSupport.parkNanos(this, left);
                }
                return received >= total;
            } finally {
                waiter = null;
            }
        }
    }

    private final WebSocketClient jetty;
    private final boolean ownsClient;
    private final CompletableFuture<Long> initialCredit = new CompletableFuture<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final AtomicReferenceArray<Stream> streams;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    private final ConcurrentLinkedQueue<byte[]> pool = new ConcurrentLinkedQueue<>();
    private final int packetSize;
    private final long receiveDelayNanos;
    final AtomicLong continues = new AtomicLong();
    /** CONTINUE values above the initial credit B (clamped; see onWebSocketBinary). */
    final AtomicLong continuesOverB = new AtomicLong();
    final AtomicLong dataPackets = new AtomicLong();
    final AtomicLong sendFailures = new AtomicLong();
    private volatile Session session;

    private BenchConnection(WebSocketClient jetty, boolean ownsClient, int maxStreamId, int packetSize,
            long receiveDelayNanos) {
        this.jetty = jetty;
        this.ownsClient = ownsClient;
        this.streams = new AtomicReferenceArray<>(maxStreamId + 1);
        this.packetSize = packetSize;
        this.receiveDelayNanos = receiveDelayNanos;
    }

    static WebSocketClient newClient() throws Exception {
        WebSocketClient jetty = new WebSocketClient();
        jetty.setMaxBinaryMessageSize(64 * 1024 * 1024);
        jetty.setIdleTimeout(java.time.Duration.ofMinutes(5));
        jetty.setInputBufferSize(64 * 1024);
        jetty.setConnectTimeout(30_000);
        jetty.start();
        return jetty;
    }

    /** Connects (v1: no subprotocol) and waits for the initial CONTINUE on stream 0. */
    static BenchConnection open(WebSocketClient shared, URI uri, int maxStreamId, int payloadSize,
            long receiveDelayNanos) throws Exception {
        WebSocketClient jetty = shared != null ? shared : newClient();
        BenchConnection c = new BenchConnection(jetty, shared == null, maxStreamId, HEADER + payloadSize,
                receiveDelayNanos);
        try {
            c.session = jetty.connect(c, new ClientUpgradeRequest(uri)).get(30, TimeUnit.SECONDS);
            c.initialCredit.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            c.close();
            throw e;
        }
        return c;
    }

    long initialCredit() {
        return initialCredit.getNow(0L);
    }

    Stream stream(int id) {
        return streams.get(id);
    }

    /** Drops a finished stream's state (late packets for it are then ignored). */
    void forget(int id) {
        streams.set(id, null);
    }

    // ------------------------------------------------------------------------------------------------- receiving

    @Override
    public void onWebSocketBinary(ByteBuffer m, Callback callback) {
        int p = m.position();
        if (m.remaining() >= HEADER) {
            int type = m.get(p) & 0xFF;
            int id = (m.get(p + 1) & 0xFF) | (m.get(p + 2) & 0xFF) << 8 | (m.get(p + 3) & 0xFF) << 16
                    | (m.get(p + 4) & 0xFF) << 24;
            Stream s = id > 0 && id < streams.length() ? streams.get(id) : null;
            switch (type) {
                case DATA -> {
                    dataPackets.incrementAndGet();
                    if (s != null) {
                        long n = m.remaining() - HEADER;
                        if (s.received == 0 && n > 0) {
                            s.firstByteNanos = System.nanoTime();
                        }
                        s.received += n;
                        s.wake();
                    }
                }
                case CONTINUE -> {
                    long value = m.remaining() >= HEADER + 4 ? Integer.toUnsignedLong(
                            (m.get(p + 5) & 0xFF) | (m.get(p + 6) & 0xFF) << 8 | (m.get(p + 7) & 0xFF) << 16
                                    | (m.get(p + 8) & 0xFF) << 24) : 0;
                    if (id == 0) {
                        initialCredit.complete(value);
                    } else if (s != null) {
                        continues.incrementAndGet();
                        long b = initialCredit();
                        if (value > b) {
                            // Nonsense: more free space than the buffer has. wisp-js 0.4 sends 2^32-1 when its queue
                            // count passes B (128 - 129 = -1 as u32); taking that literally makes its memory grow
                            // without bound. Read it as the signed value it is, and never hold more than B.
                            continuesOverB.incrementAndGet();
                            value = (int) value < 0 ? 0 : b;
                        }
                        s.replaceCredit(value);
                    }
                }
                case CLOSE -> {
                    if (s != null) {
                        s.markClosed(m.remaining() > HEADER ? m.get(p + 5) & 0xFF : 0);
                    }
                }
                default -> {
                }
            }
        }
        if (receiveDelayNanos > 0) {
            LockSupport.parkNanos(receiveDelayNanos);   // a deliberately slow reader: no demand meanwhile
        }
        callback.succeed();
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason) {
        closed.complete(statusCode);
        closeAllStreams();
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        closed.complete(-1);
        closeAllStreams();
    }

    private void closeAllStreams() {
        for (int i = 0; i < streams.length(); i++) {
            Stream s = streams.get(i);
            if (s != null && !s.closed) {
                s.markClosed(-1);
            }
        }
    }

    boolean isOpen() {
        return !closed.isDone();
    }

    // --------------------------------------------------------------------------------------------------- sending

    /** Sends CONNECT (TCP, 127.0.0.1:port) and registers the stream with the connection's initial credit. */
    Stream connect(int id, int port) throws InterruptedException {
        Stream s = new Stream(id, initialCredit());
        streams.set(id, s);
        byte[] host = "127.0.0.1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] f = new byte[HEADER + 3 + host.length];
        header(f, CONNECT, id);
        f[5] = 0x01;
        f[6] = (byte) port;
        f[7] = (byte) (port >>> 8);
        System.arraycopy(host, 0, f, 8, host.length);
        sendFrame(f, f.length, false);
        return s;
    }

    void closeStream(int id) throws InterruptedException {
        byte[] f = new byte[HEADER + 1];
        header(f, CLOSE, id);
        f[5] = 0x02;
        sendFrame(f, f.length, false);
        Stream s = streams.get(id);
        if (s != null) {
            s.markClosed(0x02);
        }
    }

    /**
     * Sends one DATA of {@code payload} bytes on a stream that holds credit (the caller took it). The payload is whatever
     * the pooled array holds: load, not content, is measured.
     */
    void sendData(Stream s, int payload) throws InterruptedException {
        byte[] f = payload + HEADER == packetSize ? pool.poll() : null;
        if (f == null) {
            f = new byte[HEADER + payload];
        }
        header(f, DATA, s.id);
        s.sentBytes += payload;
        sendFrame(f, HEADER + payload, payload + HEADER == packetSize);
    }

    private void sendFrame(byte[] f, int length, boolean recycle) throws InterruptedException {
        inFlight.acquire();
        Session ws = session;
        ws.sendBinary(ByteBuffer.wrap(f, 0, length), new Callback() {
            @Override
            public void succeed() {
                inFlight.release();
                if (recycle) {
                    pool.offer(f);
                }
            }

            @Override
            public void fail(Throwable x) {
                inFlight.release();
                sendFailures.incrementAndGet();
            }
        });
    }

    /**
     * One DATA of {@code length} payload bytes, {@link LoopbackTargets#pattern} from offset 0, sent the way browser
     * clients send an upload: one WebSocket message, here streamed in 64 KiB fragments, each awaited before the next
     * (so the server's backpressure reaches this sender, and nothing large is held). Takes one credit. Returns false
     * when the stream had no credit, or a fragment was not written, by {@code deadline}.
     */
    boolean sendUpload(Stream s, long length, long deadline) throws Exception {
        if (!s.takeCredit(deadline)) {
            return false;
        }
        byte[] f = new byte[64 * 1024];
        header(f, DATA, s.id);
        long offset = 0;
        int headerLeft = HEADER;
        while (offset < length || headerLeft > 0) {
            int n = (int) Math.min(f.length - headerLeft, length - offset);
            for (int i = 0; i < n; i++) {
                f[headerLeft + i] = LoopbackTargets.pattern(offset + i);
            }
            offset += n;
            Callback.Completable sent = new Callback.Completable();
            session.sendPartialBinary(ByteBuffer.wrap(f, 0, headerLeft + n), offset == length, sent);
            long left = deadline - System.nanoTime();
            try {
                sent.get(Math.max(1, left), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                return false;
            }
            if (headerLeft > 0) {
                headerLeft = 0;
            }
            s.sentBytes = offset;
        }
        return true;
    }

    private static void header(byte[] f, int type, int id) {
        f[0] = (byte) type;
        f[1] = (byte) id;
        f[2] = (byte) (id >>> 8);
        f[3] = (byte) (id >>> 16);
        f[4] = (byte) (id >>> 24);
    }

    @Override
    public void close() throws Exception {
        try {
            Session ws = session;
            if (ws != null && ws.isOpen()) {
                ws.disconnect();
            }
        } finally {
            closeAllStreams();
            if (ownsClient) {
                jetty.stop();
            }
        }
    }
}
