package org.wispwar.wisp.session;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.wispwar.wisp.config.WispConfig;
import org.wispwar.wisp.transport.TcpDialer;

/**
 * One wsproxy connection (wisp-protocol.md §10): one WebSocket bridged raw to one TCP socket. No framing, no stream
 * ids, no credit: every client message is written to the socket as it is, every chunk read from the socket is sent back
 * as one binary message.
 *
 * <p>Threads, as in {@link TcpStream}: {@code wsproxy-<id>-up} connects (resolve, policy, connect with a timeout) and
 * then drains the client's queue into the socket; {@code wsproxy-<id>-down} reads the socket into the connection's one
 * serialized {@link PacketSender}, whose blocking send (bounded by wisp.sendTimeout) is the backpressure towards the
 * destination. Messages that arrive while connecting wait in the queue.
 *
 * <p>Client → destination: {@link #acceptFromClient} runs on the container's receive thread and never blocks without
 * bound. The queue holds at most {@value #QUEUE_MESSAGES} × wisp.maxMessageSize bytes (a message always fits an empty
 * queue). When it is full the receive thread waits up to wisp.sendTimeout for room, which stops this WebSocket's
 * reading and so pushes TCP backpressure back to the client; when no room comes, the WebSocket closes with 1008
 * {@code "destination not reading"}.
 *
 * <p>Ending: the destination's EOF closes the WebSocket with 1000, a failure with the code of
 * {@link WsproxyClose#from}. A clean close by the client ({@link #finish()}) writes what is still queued (within
 * wisp.sendTimeout) and then closes the socket, so the destination sees EOF after the client's last byte. A broken
 * WebSocket, an error or undeploy ({@link #shutdown()}) releases everything at once.
 *
 * <p>Metrics: a wsproxy connection counts as one session and one stream while it lives, plus its threads and, once
 * connected, its socket, so the deployment's counters fall back to 0 exactly as for Wisp.
 *
 * <p>Thread-safe: the queue and state flags are guarded by {@code lock}; {@link #close} is idempotent and the only place
 * the socket is closed.
 */
public final class WsproxyBridge {
    private static final System.Logger LOG = System.getLogger(WsproxyBridge.class.getName());
    /**
     * The queue's byte cap in max-size messages: enough that a client streaming full-size messages keeps the
     * destination busy while -up writes, small enough that a stalled destination costs a few messages of memory.
     */
    static final int QUEUE_MESSAGES = 4;
    /** First read size; doubles while reads fill the buffer, up to wisp.readBufferSize (idle bridges stay small). */
    static final int INITIAL_READ_SIZE = 4096;

    private final String id;
    private final WsproxyTarget target;
    private final WispConfig config;
    private final PacketSender sender;
    private final TcpDialer dialer;
    private final WispMetrics metrics;
    private final ExecutorService threads;
    private final long queueCap;
    private final long waitNanos;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when bytes are queued or the state changes; -up waits on it. */
    private final Condition queued = lock.newCondition();
    /** Signalled when bytes leave the queue or the state changes; the receive thread waits on it when full. */
    private final Condition room = lock.newCondition();
    /** Guarded by lock. Client messages not yet written to the socket; the head may be partly written. */
    private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();
    /** Guarded by lock. The bytes in {@code queue}. */
    private long queuedBytes;
    /** Guarded by lock. */
    private boolean closed;
    /** Guarded by lock. The socket connected and is counted in the metrics. */
    private boolean connected;
    /** Guarded by lock. The client closed cleanly: -up writes what is queued, then closes. */
    private boolean finishing;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile SocketChannel socket;

    /** Counts one session and one stream until {@link #close}; call {@link #start()} next. */
    public WsproxyBridge(String id, WsproxyTarget target, WispConfig config, PacketSender sender, TcpDialer dialer,
            WispMetrics metrics) {
        this.id = id;
        this.target = target;
        this.config = config;
        this.sender = sender;
        this.dialer = dialer;
        this.metrics = metrics;
        this.queueCap = (long) QUEUE_MESSAGES * config.maxMessageSize();
        this.waitNanos = config.sendTimeout().toNanos();
        this.threads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("wsproxy-" + id + "-", 0).factory());
        metrics.sessionOpened();
        metrics.streamOpened(WispMetrics.StreamKind.WSPROXY);
    }

    public String id() {
        return id;
    }

    public WsproxyTarget target() {
        return target;
    }

    /** Starts {@code -up}, which connects. */
    public void start() {
        if (!spawn("up", this::run)) {
            close(null);
        }
    }

    /**
     * Queues one client message for the socket (the caller hands over the buffer). Runs on the container's receive
     * thread: returns at once unless the queue is full, then waits at most wisp.sendTimeout for room and closes the
     * WebSocket with 1008 when none comes.
     */
    public void acceptFromClient(ByteBuffer message) {
        int n = message.remaining();
        if (n == 0) {
            return;   // nothing to write; an empty message is not an EOF
        }
        Exception failure = null;
        lock.lock();
        try {
            long left = waitNanos;
            while (!closed && !finishing && queuedBytes > 0 && queuedBytes + n > queueCap) {
                if (left <= 0) {
                    failure = new WsproxyException(WsproxyClose.POLICY_VIOLATION, WsproxyClose.DESTINATION_NOT_READING);
                    break;
                }
                left = room.awaitNanos(left);
            }
            if (failure == null && !closed && !finishing) {
                queue.addLast(message);
                queuedBytes += n;
                queued.signal();
                metrics.fromClient(n);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = e;
        } finally {
            lock.unlock();
        }
        if (failure != null) {
            LOG.log(System.Logger.Level.DEBUG, "[{0}] {1} bytes queued for {2} ms without room: {3}", id, queueCap,
                    TimeUnit.NANOSECONDS.toMillis(waitNanos), failure.toString());
            close(WsproxyClose.from(failure));
        }
    }

    /**
     * The client closed the WebSocket cleanly: write what it sent, then close the socket (the destination sees EOF).
     * Bounded by wisp.sendTimeout; a destination that does not take the bytes by then is cut off.
     */
    public void finish() {
        boolean nothingQueued;
        lock.lock();
        try {
            if (closed || finishing) {
                return;
            }
            finishing = true;
            nothingQueued = queue.isEmpty();
            queued.signalAll();
            room.signalAll();
        } finally {
            lock.unlock();
        }
        if (nothingQueued || !spawn("drain", this::closeIfStillDraining)) {
            close(null);
        }
    }

    /**
     * Releases everything without sending (the WebSocket is gone or going): the socket closes and blocked threads are
     * interrupted. Idempotent; may be called from any thread.
     */
    public void shutdown() {
        close(null);
        threads.shutdownNow();
    }

    /** Completes once the bridge has closed (for the registry's bookkeeping and for tests). */
    public CompletionStage<Void> closed() {
        return done;
    }

    /** Whether every thread of this bridge has ended (after it closed); for tests and diagnostics. */
    public boolean awaitThreads(long timeout, TimeUnit unit) throws InterruptedException {
        return threads.awaitTermination(timeout, unit);
    }

    // -------------------------------------------------------------------------------------------------- threads

    /** -up: connect, then pump the queue into the socket. */
    private void run() {
        try {
            SocketChannel s = dialer.connect(target.host(), target.port(), this::attach);
            if (!markConnected()) {
                closeQuietly(s);
                return;
            }
            LOG.log(System.Logger.Level.DEBUG, "[{0}] wsproxy connected to {1}", id, target);
            if (!spawn("down", () -> pumpDown(s))) {
                close(null);
                return;
            }
            pumpUp(s);
        } catch (Exception e) {
            fail(e);
        }
    }

    private void attach(SocketChannel s) {
        socket = s;
        if (isClosed()) {
            closeQuietly(s);   // closed while resolving: abort the connect
        }
    }

    private boolean markConnected() {
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            connected = true;
        } finally {
            lock.unlock();
        }
        metrics.socketOpened();
        return true;
    }

    private void pumpUp(SocketChannel out) throws IOException, InterruptedException {
        while (true) {
            ByteBuffer head;
            lock.lock();
            try {
                while (queue.isEmpty() && !closed && !finishing) {
                    queued.await();
                }
                if (closed) {
                    return;
                }
                head = queue.peekFirst();
                if (head == null) {
                    break;   // finishing, and every byte the client sent is written
                }
            } finally {
                lock.unlock();
            }
            int n = head.remaining();
            while (head.hasRemaining()) {
                out.write(head);   // blocking mode: returns once some bytes are taken; loop for the rest
            }
            lock.lock();
            try {
                if (closed) {
                    return;
                }
                queue.removeFirst();   // only now: the queue's byte count bounds what is held, in flight included
                queuedBytes -= n;
                room.signalAll();
            } finally {
                lock.unlock();
            }
        }
        close(null);   // the client's clean close, after its last byte: the destination sees EOF
    }

    /** -down: destination bytes to binary messages until EOF (1000) or failure. */
    private void pumpDown(SocketChannel in) {
        int max = config.readBufferSize();
        int size = Math.min(INITIAL_READ_SIZE, max);
        byte[] buffer = new byte[size];
        try {
            while (true) {
                int n = in.read(ByteBuffer.wrap(buffer, 0, size));
                if (n < 0) {
                    if (!isFinishing()) {
                        fail(new EOFException("destination EOF"));
                    }
                    return;   // finishing: -up still writes the client's last bytes, then closes
                }
                metrics.toClient(n);
                try {
                    sender.sendFrame(ByteBuffer.wrap(buffer, 0, n));   // blocks: the backpressure; the buffer is ours after
                } catch (IOException e) {
                    // The WebSocket is gone, or the send timed out and the sender has closed it (1001).
                    LOG.log(System.Logger.Level.DEBUG, "[{0}] send to the client failed: {1}", id, e.toString());
                    if (!isFinishing()) {
                        close(null);
                    }
                    return;
                }
                if (n == size && size < max) {
                    size = Math.min(max, size * 2);   // busy connection: read more per message
                    buffer = new byte[size];
                }
            }
        } catch (IOException e) {
            fail(e);
        }
    }

    /** After a clean client close: give -up the send timeout to write what was queued, then close regardless. */
    private void closeIfStillDraining() {
        try {
            done.get(waitNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            LOG.log(System.Logger.Level.DEBUG, "[{0}] destination took no bytes for {1} ms after the client closed", id,
                    TimeUnit.NANOSECONDS.toMillis(waitNanos));
            close(null);
        } catch (InterruptedException | ExecutionException e) {
            close(null);   // shutting down
        }
    }

    // ------------------------------------------------------------------------------------------------- closing

    private void fail(Throwable failure) {
        if (isClosed()) {
            return;   // closing the socket woke this thread: not a failure of its own
        }
        LOG.log(System.Logger.Level.DEBUG, "[{0}] wsproxy to {1} failed: {2}", id, target, failure.toString());
        close(WsproxyClose.from(failure));
    }

    /**
     * Ends the bridge once: closes the socket, wakes the threads, counts down the metrics, and closes the WebSocket
     * with {@code how} unless it is null (the WebSocket is gone or closing by itself). Later calls do nothing.
     */
    private void close(WsproxyClose how) {
        boolean wasConnected;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            wasConnected = connected;
            queue.clear();
            queuedBytes = 0;
            queued.signalAll();
            room.signalAll();
        } finally {
            lock.unlock();
        }
        SocketChannel s = socket;
        if (s != null) {
            closeQuietly(s);
        }
        if (wasConnected) {
            metrics.socketClosed();
        }
        metrics.streamClosed(WispMetrics.StreamKind.WSPROXY);
        metrics.sessionClosed();
        threads.shutdown();   // no new threads; the running ones end on their own now that the socket is closed
        LOG.log(System.Logger.Level.DEBUG, "[{0}] wsproxy to {1} closed: {2}", id, target,
                how == null ? "WebSocket gone" : how);
        if (how != null) {
            sender.closeConnection(how.code(), how.reason());
        }
        done.complete(null);
    }

    private boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    private boolean isFinishing() {
        lock.lock();
        try {
            return finishing;
        } finally {
            lock.unlock();
        }
    }

    /** Starts a counted virtual thread; false when the bridge is already closed. */
    private boolean spawn(String role, Runnable task) {
        return metrics.spawn(threads, "wsproxy-" + id + "-" + role, task);
    }

    private static void closeQuietly(SocketChannel s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing more to release
        }
    }
}
