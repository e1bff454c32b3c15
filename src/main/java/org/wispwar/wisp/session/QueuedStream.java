package org.wispwar.wisp.session;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Connect;

/**
 * What every stream has: the client's DATA queue (bounded), the socket it owns, and one idempotent close. The session's
 * receive thread queues payloads without blocking; the stream's {@code -up} virtual thread connects, then drains the
 * queue into the socket; {@code -down} turns socket reads into DATA. Subclasses say what a full queue means and how to
 * connect and pump.
 *
 * <p>Thread-safe: the queue and the state flags are guarded by {@code lock}; {@link #close} is the only place the
 * socket is closed, and only its first call does anything.
 */
abstract sealed class QueuedStream implements StreamHandle permits TcpStream, UdpStream {
    private static final System.Logger LOG = System.getLogger(QueuedStream.class.getName());

    /** What {@link #takeInto} found. */
    enum Take {
        /** Payloads were moved into the batch; more may follow. */
        MORE,
        /** Payloads (possibly none) were moved, and nothing will ever be queued again: the queue overflowed. */
        LAST,
        /** The stream is closed. */
        CLOSED
    }

    final WispSession session;
    final Connect request;
    final int id;
    private final int queueCap;

    final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Guarded by lock. Payloads the client sent that {@code -up} has not taken yet. */
    private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();
    /**
     * Guarded by lock. Payloads accepted and not yet written: the queue plus the batch {@code -up} is writing. The cap
     * applies to this, so a batch in progress still counts against it.
     */
    private int unwritten;
    /** Guarded by lock. Payloads accepted since the stream opened (the credit rule counts arrivals). */
    private long arrived;
    /** Guarded by lock. Once set, nothing more is queued (see {@link #queueFullLocked()}). */
    boolean overflowed;
    /** Guarded by lock. */
    private boolean closed;
    /** Guarded by lock. The socket connected and is counted in the metrics. */
    private boolean connected;
    final CountDownLatch closedLatch = new CountDownLatch(1);
    private volatile Closeable socket;
    /** When a byte last moved either way (System.nanoTime), for the idle timeouts. */
    private volatile long lastActivity = System.nanoTime();

    QueuedStream(WispSession session, Connect request, int queueCap) {
        this.session = session;
        this.request = request;
        this.id = request.streamId();
        this.queueCap = queueCap;
    }

    @Override
    public final int id() {
        return id;
    }

    final String threadName(String role) {
        return session.threadName(id, role);
    }

    @Override
    public final void acceptData(ByteBuffer payload) {
        boolean full;
        lock.lock();
        try {
            if (closed || overflowed) {
                return;   // the stream is ending; its CLOSE is on the way
            }
            full = unwritten >= queueCap;
            if (full) {
                full = queueFullLocked();
            } else {
                queue.addLast(payload);
                unwritten++;
                arrived++;
            }
            changed.signal();
        } finally {
            lock.unlock();
        }
        if (full) {
            afterOverflow();
        }
    }

    /**
     * A DATA found the queue at its cap; called with the lock held. Returns true when {@link #afterOverflow()} should
     * run once the lock is released.
     */
    abstract boolean queueFullLocked();

    /** Follow-up work for an overflow, outside the lock; never blocks. */
    void afterOverflow() {
    }

    /** The {@code -up} thread: connect, then pump. Any failure closes the stream with its mapped reason. */
    final void run() {
        try {
            connectAndPump();
        } catch (Exception e) {
            if (!isClosed()) {
                LOG.log(System.Logger.Level.DEBUG, "[{0}] stream {1} failed: {2}", session.id(),
                        WispSession.unsigned(id), e.toString());
            }
            close(CloseReasons.from(e), true);
        }
    }

    abstract void connectAndPump() throws Exception;

    /**
     * Waits until something is queued or the stream ends, then moves every queued payload into {@code batch}. They keep
     * counting against the cap until {@link #written} says they are gone.
     */
    final Take takeInto(List<ByteBuffer> batch) throws InterruptedException {
        lock.lock();
        try {
            while (queue.isEmpty() && !overflowed && !closed) {
                changed.await();
            }
            if (closed) {
                return Take.CLOSED;
            }
            batch.addAll(queue);
            queue.clear();
            return overflowed ? Take.LAST : Take.MORE;
        } finally {
            lock.unlock();
        }
    }

    /** Something moved: the stream is not idle. */
    final void touch() {
        lastActivity = System.nanoTime();
    }

    /** Nanoseconds since a byte last moved. */
    final long idleFor(long now) {
        return now - lastActivity;
    }

    /**
     * {@code -up} has written (or dropped) {@code n} payloads it took: they no longer count against the cap. Returns
     * the backlog afterwards, read under the same lock.
     */
    final Backlog written(int n) {
        lock.lock();
        try {
            unwritten -= n;
            return new Backlog(unwritten, arrived);
        } finally {
            lock.unlock();
        }
    }

    /** Payloads accepted and not yet written, and payloads accepted in all; one consistent reading. */
    record Backlog(int unwritten, long arrived) {
    }

    final Backlog backlog() {
        lock.lock();
        try {
            return new Backlog(unwritten, arrived);
        } finally {
            lock.unlock();
        }
    }

    /** Records the socket before it connects, so a close from another thread aborts the attempt. */
    final void attach(Closeable s) {
        socket = s;
        if (isClosed()) {
            closeQuietly(s);   // closed while resolving: abort the connect
        }
    }

    /** Marks the socket connected and counts it; false (and the caller closes it) when the stream already ended. */
    final boolean markConnected() {
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            connected = true;
        } finally {
            lock.unlock();
        }
        session.metrics().socketOpened();
        return true;
    }

    final boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public final void close(CloseReason reason, boolean notifyPeer) {
        boolean wasConnected;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            wasConnected = connected;
            queue.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        session.removeStream(id, this);
        Closeable s = socket;
        if (s != null) {
            closeQuietly(s);
        }
        if (wasConnected) {
            session.metrics().socketClosed();
        }
        closedLatch.countDown();
        session.metrics().streamEnded(reason);
        LOG.log(System.Logger.Level.DEBUG, "[{0}] stream {1} closed: {2}", session.id(), WispSession.unsigned(id),
                reason);
        if (notifyPeer) {
            session.notifyClose(id, reason);
        }
    }

    static void closeQuietly(Closeable s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing more to release
        }
    }
}
