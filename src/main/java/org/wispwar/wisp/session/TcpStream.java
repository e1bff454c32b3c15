package org.wispwar.wisp.session;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.Continue;
import org.wispwar.wisp.protocol.StreamType;
import org.wispwar.wisp.protocol.WispCodec;

/**
 * One TCP stream: a destination socket and the two virtual threads that own its directions.
 *
 * <p>{@code -up} first connects (resolve, policy, connect with a timeout), then drains the client's DATA queue into the
 * socket and refills the client's credit. {@code -down} reads the socket into DATA packets through the session's one
 * serialized sender, whose blocking send is the backpressure. DATA that arrives while connecting waits in the queue.
 *
 * <p>Credit (design.md §5): the window B is advertised on stream 0; once B/2 packets have been written since the last
 * refill, {@code -up} sends {@code CONTINUE(B - queued)}. The queue is hard-capped at 2B packets; DATA that finds it full
 * is a violation: nothing more is accepted, everything queued before it is still written in order, then the stream
 * closes with 0x49 (or after the send timeout, if the destination does not take the bytes).
 *
 * <p>Thread-safe: the queue and state flags are guarded by {@code lock}; {@link #close} is idempotent and the only
 * place the socket is closed.
 */
final class TcpStream implements StreamHandle {
    private static final System.Logger LOG = System.getLogger(TcpStream.class.getName());
    /** First read size; doubles while reads fill the buffer, up to wisp.readBufferSize (idle streams stay small). */
    static final int INITIAL_READ_SIZE = 4096;

    private final WispSession session;
    private final Connect request;
    private final int id;
    private final int window;
    private final int queueCap;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Guarded by lock. Payloads the client sent that are not yet written to the socket. */
    private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();
    /** Guarded by lock. A DATA found the queue full: accept nothing more; -up drains, then closes with 0x49. */
    private boolean overflowed;
    /** Guarded by lock. */
    private boolean closed;
    /** Guarded by lock. The socket connected and is counted in the metrics. */
    private boolean connected;
    private final CountDownLatch closedLatch = new CountDownLatch(1);
    private volatile SocketChannel socket;

    TcpStream(WispSession session, Connect request) {
        this.session = session;
        this.request = request;
        this.id = request.streamId();
        this.window = session.config().bufferSize();
        this.queueCap = 2 * window;
    }

    @Override
    public int id() {
        return id;
    }

    String threadName(String role) {
        return session.threadName(id, role);
    }

    @Override
    public void acceptData(ByteBuffer payload) {
        boolean overflowNow = false;
        lock.lock();
        try {
            if (closed || overflowed) {
                return;   // the stream is ending; its CLOSE is on the way
            }
            if (queue.size() >= queueCap) {
                overflowed = true;
                overflowNow = true;
            } else {
                queue.addLast(payload);
            }
            changed.signal();
        } finally {
            lock.unlock();
        }
        if (overflowNow) {
            LOG.log(System.Logger.Level.DEBUG, "[{0}] stream {1} overran its credit: {2} packets queued",
                    session.id(), WispSession.unsigned(id), queueCap);
            session.spawn(threadName("throttle"), this::closeIfStillDraining);
        }
    }

    /** -up: connect, then pump the queue into the socket. */
    void run() {
        try {
            if (StreamType.of(request.type()).orElse(null) != StreamType.TCP) {
                throw new WispStreamException(id, CloseReason.SERVER_STREAM_INVALID_INFO,
                        String.format("unsupported stream type 0x%02x", request.type()));
            }
            SocketChannel s = session.dialer().connect(request.hostname(), request.port(), this::attach);
            if (!markConnected()) {
                closeQuietly(s);
                return;
            }
            if (!session.spawn(threadName("down"), () -> pumpDown(s))) {
                close(CloseReason.UNKNOWN, false);
                return;
            }
            pumpUp(s);
        } catch (Exception e) {
            if (!isClosed()) {
                LOG.log(System.Logger.Level.DEBUG, "[{0}] stream {1} failed: {2}", session.id(),
                        WispSession.unsigned(id), e.toString());
            }
            close(CloseReasons.from(e), true);
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
        session.metrics().socketOpened();
        return true;
    }

    private void pumpUp(SocketChannel out) throws IOException, InterruptedException {
        int refillAfter = Math.max(1, window / 2);
        int consumed = 0;
        List<ByteBuffer> batch = new ArrayList<>();
        while (true) {
            boolean throttled;
            int queuedAfter;
            lock.lock();
            try {
                while (queue.isEmpty() && !overflowed && !closed) {
                    changed.await();
                }
                if (closed) {
                    return;
                }
                batch.addAll(queue);
                queue.clear();
                throttled = overflowed;
            } finally {
                lock.unlock();
            }
            for (ByteBuffer b : batch) {
                write(out, b);
            }
            consumed += batch.size();
            batch.clear();
            if (throttled) {
                // acceptData queues nothing once overflowed, so this batch was the last of the client's bytes
                close(CloseReason.SERVER_STREAM_THROTTLED, true);
                return;
            }
            if (consumed >= refillAfter) {
                lock.lock();
                try {
                    queuedAfter = queue.size();
                } finally {
                    lock.unlock();
                }
                int free = window - queuedAfter;
                if (free > 0) {
                    session.send(new Continue(id, free));
                    consumed = 0;
                }
            }
        }
    }

    private static void write(SocketChannel out, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            out.write(b);   // blocking mode: returns once some bytes are taken; loop for the rest
        }
    }

    /**
     * -down: destination bytes to DATA packets until EOF (CLOSE 0x02) or failure. One array holds the DATA header
     * (written once: it never changes for this stream) and the payload read behind it, so a packet costs no copy and no
     * allocation; the array is reused because each send returns only once the WebSocket has taken the frame.
     */
    private void pumpDown(SocketChannel s) {
        int max = session.config().readBufferSize();
        int size = Math.min(INITIAL_READ_SIZE, max);
        byte[] buffer = newReadBuffer(size);
        ByteBuffer readView = ByteBuffer.wrap(buffer);
        ByteBuffer frameView = ByteBuffer.wrap(buffer);
        try {
            while (true) {
                readView.limit(WispCodec.HEADER_LENGTH + size).position(WispCodec.HEADER_LENGTH);
                int n = s.read(readView);
                if (n < 0) {
                    close(CloseReason.VOLUNTARY, true);
                    return;
                }
                frameView.limit(WispCodec.HEADER_LENGTH + n).position(0);
                try {
                    session.sendData(frameView);
                } catch (IOException e) {
                    // The WebSocket failed or timed out (the sender has closed it), or the session is shutting down.
                    close(CloseReason.UNEXPECTED, false);
                    return;
                }
                if (n == size && size < max) {
                    size = Math.min(max, size * 2);   // busy stream: read more per packet
                    buffer = newReadBuffer(size);
                    readView = ByteBuffer.wrap(buffer);
                    frameView = ByteBuffer.wrap(buffer);
                }
            }
        } catch (IOException e) {
            close(CloseReasons.from(e), true);
        }
    }

    private byte[] newReadBuffer(int size) {
        byte[] buffer = new byte[WispCodec.HEADER_LENGTH + size];
        WispCodec.writeDataHeader(buffer, 0, id);
        return buffer;
    }

    /** After a credit overrun: give -up the send timeout to write what was queued, then close regardless. */
    private void closeIfStillDraining() {
        try {
            if (!closedLatch.await(session.config().sendTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                close(CloseReason.SERVER_STREAM_THROTTLED, true);
            }
        } catch (InterruptedException e) {
            close(CloseReason.UNKNOWN, false);   // the session is shutting down
        }
    }

    private boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close(CloseReason reason, boolean notifyPeer) {
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
        SocketChannel s = socket;
        if (s != null) {
            closeQuietly(s);
        }
        if (wasConnected) {
            session.metrics().socketClosed();
        }
        closedLatch.countDown();
        LOG.log(System.Logger.Level.DEBUG, "[{0}] stream {1} closed: {2}", session.id(), WispSession.unsigned(id),
                reason);
        if (notifyPeer) {
            session.notifyClose(id, reason);
        }
    }

    private static void closeQuietly(SocketChannel s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing more to release
        }
    }
}
