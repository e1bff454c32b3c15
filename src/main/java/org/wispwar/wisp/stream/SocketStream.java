package org.wispwar.wisp.stream;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.wispwar.wisp.limits.ByteBudget;

/**
 * The socket-owning core every stream is built on: Wisp TCP and UDP streams and wsproxy connections add only their
 * framing. It owns one destination socket and the client bytes queued for it, runs the two directions on the
 * connection's virtual threads, and ends exactly once.
 *
 * <ul>
 *   <li>{@code -up} connects ({@link #connect}, which calls {@link #attach} first, so a close from another thread aborts
 *       the attempt), then runs {@link #pump}: it starts {@code -down} and writes the queue to the socket.</li>
 *   <li>The WebSocket's receive thread queues client bytes with {@link #beginPacket}, {@link #append} and
 *       {@link #endPacket}; it never blocks. The bytes count against the stream's {@link ByteBudget} (whose parents are
 *       the connection's and the server's) from the moment they are copied in until they are written.</li>
 *   <li>{@link #finish} takes no more input: what is queued is still written, then the stream closes with the reason
 *       given. A destination that takes no byte for the destination timeout ends the stream
 *       ({@link #closeIfStalled}), whatever it was doing, and so releases what it held.</li>
 *   <li>{@link #close} is the only place the socket is closed; its first call wins, later calls do nothing.</li>
 * </ul>
 *
 * <p>Thread-safe: state flags are guarded by {@code lock}, the queue has its own lock, and nothing blocking ever runs
 * under either.
 *
 * @param <R> how a stream of this kind says why it ended (a Wisp CLOSE reason, a WebSocket close for wsproxy)
 */
public abstract class SocketStream<R> {
    private static final System.Logger LOG = System.getLogger(SocketStream.class.getName());
    /**
     * First read size; idle streams stay small. 512, not 4096: the read buffer was the largest part of an idle stream's
     * heap (README "Performance").
     */
    public static final int INITIAL_READ_SIZE = 512;
    /**
     * The first read that fills the buffer jumps to at least this, then reads double while they fill, up to the read
     * buffer size. Without the jump, echo traffic (reads that rarely fill) stayed in small packets: wispmark_10 lost
     * about 25 %.
     */
    public static final int BUSY_READ_SIZE = 4096;

    protected final StreamContext context;
    private final String name;
    private final ByteBudget budget;
    private final InboundQueue inbound;
    private final ReentrantLock lock = new ReentrantLock();
    /**
     * Written under lock; volatile so that {@link #isClosed}, asked before every frame {@code -down} sends, takes no
     * lock of its own.
     */
    private volatile boolean closed;
    /** Guarded by lock. The socket connected and is counted in the metrics. */
    private boolean connected;
    /** Guarded by lock. Set by {@link #finish}: the reason the stream closes with once the queue is written. */
    private R finishReason;
    /** Guarded by lock. */
    private boolean finishNotifies;
    /** Guarded by lock. */
    private boolean finishing;
    private final CountDownLatch closedLatch = new CountDownLatch(1);
    /**
     * Puts the destination's data before the stream's last word: {@code -down} sends a frame under it only while the
     * stream is open, and the close notice is sent under it once the stream has closed. Without it, a frame read just
     * before another thread (the stall sweep, an undeploy) closed the stream could go out after its CLOSE.
     */
    private final ReentrantLock sendOrder = new ReentrantLock();
    private volatile Closeable socket;
    /** Held by {@code -up} while it writes to the socket (see {@link #writeFailedAtEof}). */
    private final ReentrantLock writing = new ReentrantLock();
    /** Set by {@code -up}, under {@code writing}, when a write to the socket failed. */
    private volatile IOException writeFailure;
    /** How long {@code -down}, at EOF, waits for a write in progress to succeed or fail. */
    static final long EOF_WRITE_WAIT_MILLIS = 200;
    /** When the stream was asked for (its CONNECT arrived), System.nanoTime: the start of its open time. */
    private final long requestedAt = System.nanoTime();
    /** When a byte last moved either way (System.nanoTime), for idle timeouts. */
    private volatile long lastActivity = System.nanoTime();
    private final long openedNanos = System.nanoTime();
    /**
     * Bytes handed to the destination's socket; written by {@code -up} only (one writer, so a volatile add needs no lock), read
     * by anyone.
     */
    private volatile long bytesUp;
    /** Bytes read from the destination for the client; written by {@code -down} only. */
    private volatile long bytesDown;
    /** The address last dialed (or being dialed), or null before any. */
    private volatile java.net.InetAddress dialed;
    /** Guarded by lock: who ended the stream, set by the close that won. */
    private EndedBy endedBy;
    /** Guarded by lock: who asked to finish, for {@link #closeFinished}. */
    private EndedBy finishBy = EndedBy.SERVER;

    /** Who ended a stream, for the access log ({@link #label()} is what it shows). Immutable. */
    public enum EndedBy {
        /** The client closed it (a CLOSE, or a clean WebSocket close for wsproxy). */
        CLIENT,
        /** The server: a refusal, a limit, a timeout, undeploy. */
        SERVER,
        /** The destination: EOF, reset, or it refused the connection. */
        DESTINATION,
        /** The WebSocket ended (closed, broken, or a send to the client failed), taking the stream with it. */
        CONNECTION,
        /** An operator, through JMX. */
        OPERATOR;

        /** Lower case, as logged. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * @param name the prefix of its threads' names and its log label, e.g. {@code wisp-1a-3}
     */
    protected SocketStream(StreamContext context, String name) {
        this.context = context;
        this.name = name;
        this.budget = context.connectionBudget().child(BUDGET_NAME, context.streamByteBudget());
        this.inbound = new InboundQueue(context.buffers(), budget);
    }

    /** The param that sets a stream's byte budget. */
    public static final String BUDGET_NAME = "wisp.streamByteBudget";

    public final String name() {
        return name;
    }

    /** This stream's byte budget (its parent is the connection's). */
    public final ByteBudget budget() {
        return budget;
    }

    // ------------------------------------------------------------------------------------------------- lifecycle

    /** Starts {@code -up}, which connects and then pumps. False when the connection is shutting down. */
    public final boolean start() {
        return context.threads().spawn(name + "-up", this::run);
    }

    private void run() {
        try {
            Closeable s;
            try {
                s = connect();
            } catch (Exception e) {
                context.metrics().streamOpenTook(System.nanoTime() - requestedAt, false);
                throw e;
            }
            context.metrics().streamOpenTook(System.nanoTime() - requestedAt, true);
            if (!markConnected()) {
                closeQuietly(s);
                return;
            }
            pump(s);
        } catch (Exception e) {
            failed(e);
        } finally {
            inbound.releaseTaken();
        }
    }

    /**
     * Resolves, checks and connects, on {@code -up}. Must call {@link #attach} with the socket before connecting it.
     *
     * @throws Exception whatever failed; {@link #failureReason} maps it to how the stream ends
     */
    protected abstract Closeable connect() throws Exception;

    /**
     * Runs on {@code -up} once connected: starts {@code -down} ({@link #startDown}) and writes the queue to the socket,
     * usually with {@link #writeLoop}, until the stream ends.
     */
    protected abstract void pump(Closeable socket) throws Exception;

    /** How a failure on either thread ends the stream. */
    protected abstract R failureReason(Throwable failure);

    /** How a stream that stalled (see {@link #closeIfStalled}) ends, unless it was finishing. */
    protected abstract R stalledReason();

    /**
     * Runs once, after the socket is closed and the stream's memory released: count it, forget it, and tell the client
     * when {@code notifyPeer}. Must not block for long (it may run on the WebSocket's receive thread).
     */
    protected abstract void closed(R reason, boolean notifyPeer);

    /** Records the socket before it connects, so a close from another thread aborts the attempt. */
    protected final void attach(Closeable s) {
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
        context.metrics().socketOpened();
        return true;
    }

    /** Starts {@code -down}; false (and the stream is released) when the connection is shutting down. */
    protected final boolean startDown(Runnable down) {
        if (context.threads().spawn(name + "-down", down)) {
            return true;
        }
        close(failureReason(new InterruptedIOException("connection shutting down")), false);
        return false;
    }

    /**
     * Ends the stream once: the queue's memory goes back, the socket closes (waking both threads), then
     * {@link #closed} runs. Later calls do nothing.
     */
    public final void close(R reason, boolean notifyPeer) {
        close(reason, notifyPeer, EndedBy.SERVER);
    }

    /** As {@link #close(Object, boolean)}, saying who ended the stream (for the access log). */
    public final void close(R reason, boolean notifyPeer, EndedBy by) {
        boolean wasConnected;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            endedBy = by;
            wasConnected = connected;
        } finally {
            lock.unlock();
        }
        inbound.close();
        Closeable s = socket;
        if (s != null) {
            closeQuietly(s);
        }
        if (wasConnected) {
            context.metrics().socketClosed();
        }
        closedLatch.countDown();
        closed(reason, notifyPeer);
    }

    /**
     * Takes no more input: what is queued is still written, then the stream closes with {@code reason}. A destination
     * that stops taking bytes meanwhile is cut off by {@link #closeIfStalled} with the same reason.
     */
    public final void finish(R reason, boolean notifyPeer) {
        finish(reason, notifyPeer, EndedBy.SERVER);
    }

    /** As {@link #finish(Object, boolean)}, saying who ended the stream (for the access log). */
    public final void finish(R reason, boolean notifyPeer, EndedBy by) {
        lock.lock();
        try {
            if (closed || finishing) {
                return;
            }
            finishing = true;
            finishBy = by;
            finishReason = reason;
            finishNotifies = notifyPeer;
        } finally {
            lock.unlock();
        }
        inbound.finish();
    }

    /** A failure on one of the stream's threads; a failure caused by the stream closing is not reported again. */
    protected final void failed(Throwable failure) {
        if (isClosed()) {
            return;
        }
        LOG.log(System.Logger.Level.DEBUG, "[{0}] {1} failed: {2}", context.connectionId(), name, failure.toString());
        // once an address was dialed, the destination (or the path to it) ended the stream; before, the server did
        close(failureReason(failure), true, dialed != null ? EndedBy.DESTINATION : EndedBy.SERVER);
    }

    /**
     * Closes the stream when bytes have waited for its destination for {@code timeoutNanos} without one being written:
     * the destination takes nothing. A finishing stream closes with its finish reason, any other with
     * {@link #stalledReason}. Returns whether it closed the stream.
     */
    public final boolean closeIfStalled(long now, long timeoutNanos) {
        if (inbound.stalledFor(now) < timeoutNanos) {
            return false;
        }
        R reason;
        boolean notify;
        EndedBy by;
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            reason = finishing ? finishReason : stalledReason();
            notify = !finishing || finishNotifies;
            by = finishing ? finishBy : EndedBy.SERVER;
        } finally {
            lock.unlock();
        }
        LOG.log(System.Logger.Level.DEBUG, "[{0}] {1}: the destination took no byte for {2} ms", context.connectionId(),
                name, TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
        close(reason, notify, by);
        return true;
    }

    public final boolean isClosed() {
        return closed;
    }

    protected final boolean isFinishing() {
        lock.lock();
        try {
            return finishing;
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to {@code millis} for the stream to close; true when it has. */
    public final boolean awaitClosed(long millis) throws InterruptedException {
        return closedLatch.await(millis, TimeUnit.MILLISECONDS);
    }

    /** Something moved: the stream is not idle. */
    protected final void touch() {
        lastActivity = System.nanoTime();
    }

    /** Nanoseconds since a byte last moved either way. */
    public final long idleFor(long now) {
        return now - lastActivity;
    }

    // ------------------------------------------------------------------------------- client bytes (receive thread)

    /** Starts a packet (a WebSocket message, for wsproxy). False when the stream takes no more input. */
    protected final boolean beginPacket() {
        return inbound.beginPacket();
    }

    /** Queues one part of the open packet: copied now; {@code part} is the container's and is not kept. */
    protected final void append(ByteBuffer part) {
        inbound.append(part);
    }

    protected final void endPacket() {
        inbound.endPacket();
    }

    /** Drops the open packet with its bytes (only for streams that send whole packets, see {@link #datagramTake}). */
    protected final void abortPacket() {
        inbound.abortPacket();
    }

    /** Packets begun and not fully written yet. */
    protected final int unwrittenPackets() {
        return inbound.unwrittenPackets();
    }

    /** Packets not fully written and packets begun in all, read at once. */
    protected final InboundQueue.Progress backlog() {
        return inbound.backlog();
    }

    /** Bytes of queue memory this stream holds now. */
    public final long heldBytes() {
        return inbound.heldBytes();
    }

    // ------------------------------------------------------------------------------------------- the two pumps

    /**
     * {@code -up} for byte streams: writes everything queued to {@code out} in order, reporting each pass to
     * {@link #afterWrite}, until the stream closes, or until it finished and every byte is written (then it closes with
     * the finish reason).
     */
    protected final void writeLoop(WritableByteChannel out) throws IOException, InterruptedException {
        List<ByteBuffer> views = new ArrayList<>();
        while (true) {
            InboundQueue.Take take = inbound.take(views, false);
            if (take == InboundQueue.Take.CLOSED) {
                return;
            }
            if (take == InboundQueue.Take.FINISHED) {
                closeFinished();
                return;
            }
            for (ByteBuffer v : views) {
                throttleUp(v.remaining());
                countUp(v.remaining());   // before the write: a destination may answer before write() returns
                writing.lock();
                try {
                    while (v.hasRemaining()) {
                        out.write(v);   // blocking mode: returns once some bytes are taken; loop for the rest
                    }
                } catch (IOException e) {
                    writeFailure = e;   // under the lock, so that -down sees it at its EOF (readLoop)
                    throw e;
                } finally {
                    writing.unlock();
                }
            }
            if (!views.isEmpty()) {
                touch();
            }
            views.clear();
            afterWrite(inbound.consumed());
        }
    }

    /** After each write pass of {@link #writeLoop}: packets written, and the backlog. Used for credit. */
    protected void afterWrite(InboundQueue.Progress progress) throws IOException {
    }

    /**
     * {@code -up} for datagram streams, one step: waits for the next whole packet and puts views of its bytes in
     * {@code out}. Returns false when the stream has ended. The caller sends (or drops, see {@link #dropTaken}) and then
     * calls {@link #datagramDone}.
     */
    protected final boolean datagramTake(List<ByteBuffer> out) throws InterruptedException {
        InboundQueue.Take take = inbound.take(out, true);
        if (take == InboundQueue.Take.FINISHED) {
            closeFinished();
        }
        return take == InboundQueue.Take.MORE;
    }

    /** The packet taken by {@link #datagramTake} will not be sent: its bytes are done with. */
    protected final void dropTaken() {
        inbound.skipTaken();
    }

    protected final void datagramDone() {
        inbound.consumed();
    }

    private void closeFinished() {
        R reason;
        boolean notify;
        EndedBy by;
        lock.lock();
        try {
            reason = finishReason;
            notify = finishNotifies;
            by = finishBy;
        } finally {
            lock.unlock();
        }
        close(reason, notify, by);
    }

    /**
     * {@code -down} for byte streams: reads the destination and sends each chunk through the connection's sender, with
     * {@code headroom} bytes before the payload for the framing's header ({@link #writeHeader} fills them once per
     * buffer; 0 for none). One buffer holds header and payload, so a message costs no copy and no allocation; it is
     * reused because each send returns only once the WebSocket has taken the frame.
     *
     * <p>Reads start small ({@value #INITIAL_READ_SIZE} B, on the heap: idle streams stay cheap) and grow while they
     * fill, up to the read buffer size. A stream that grows gets a direct buffer from the connection's pool instead:
     * the JDK reads a socket into a direct buffer and writes one to the WebSocket's socket as they are, where a heap
     * buffer costs a copy through a temporary direct buffer each way (about a fifth of the send path's samples in a
     * source_1 profile, README "Performance"). The pooled buffer goes back when the loop ends, unless a send failed
     * (the container may still hold the frame).
     */
    protected final void readLoop(ReadableByteChannel in, int headroom) {
        int max = context.readBufferSize();
        ByteBuffer buffer = ByteBuffer.allocate(headroom + Math.min(INITIAL_READ_SIZE, max));
        writeHeader(buffer);
        boolean pooled = false;
        boolean keep = false;   // true once the container may still hold the buffer
        try {
            while (true) {
                int size = Math.min(max, buffer.capacity() - headroom);
                buffer.limit(headroom + size).position(headroom);
                int n = in.read(buffer);
                if (n < 0) {
                    IOException writeFailed = writeFailedAtEof();
                    if (writeFailed != null) {
                        failed(writeFailed);
                    } else {
                        onEof();
                    }
                    return;
                }
                touch();
                countDown(n);   // before the send: once the client has the bytes, they are counted
                throttleDown(n);
                context.metrics().toClient(n);
                buffer.limit(headroom + n).position(0);
                SendResult sent = sendWhileOpen(buffer);
                if (sent != SendResult.SENT) {
                    keep = sent == SendResult.FAILED;
                    return;
                }
                if (n == size && size < max) {   // busy stream: read more per message, into a direct buffer
                    int want = headroom + Math.min(max, Math.max(size * 2, BUSY_READ_SIZE));
                    ByteBuffer bigger = want <= BufferPool.MAX_CHUNK ? context.buffers().acquire(want)
                            : ByteBuffer.allocateDirect(want);
                    if (pooled) {
                        context.buffers().release(buffer);
                    }
                    pooled = bigger.capacity() <= BufferPool.MAX_CHUNK;
                    buffer = bigger;
                    writeHeader(buffer);
                }
            }
        } catch (IOException e) {
            failed(e);
        } finally {
            if (pooled && !keep) {
                context.buffers().release(buffer);
            }
        }
    }

    /** What {@link #sendWhileOpen} did. */
    protected enum SendResult {
        /** The WebSocket took the frame. */
        SENT,
        /** Nothing was sent: the stream had closed. */
        CLOSED,
        /** The send failed ({@link #onSendFailed} has run). */
        FAILED
    }

    /**
     * At {@code -down}'s EOF: the failure of {@code -up}'s write in progress, if it failed. A destination that resets
     * the connection while {@code -up} writes to it reports the reset once, to whichever call comes first; when that is
     * the write, the read that follows sees a plain EOF, and the stream ended as if the destination had closed cleanly
     * (CLOSE 0x02 instead of 0x03). So {@code -down} waits for the write in progress (at most
     * {@value #EOF_WRITE_WAIT_MILLIS} ms: a destination that closed cleanly and stopped reading may never take it).
     */
    private IOException writeFailedAtEof() {
        try {
            if (writing.tryLock(EOF_WRITE_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                writing.unlock();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return writeFailure;
    }

    /**
     * {@code -down}: sends one frame of the destination's data unless the stream has closed. Anything but
     * {@link SendResult#SENT}: the caller stops.
     */
    protected final SendResult sendWhileOpen(ByteBuffer frame) {
        IOException failure;
        sendOrder.lock();
        try {
            if (isClosed()) {
                return SendResult.CLOSED;   // its close notice is, or will be, the last frame of this stream
            }
            context.sender().sendFrame(frame);
            return SendResult.SENT;
        } catch (IOException e) {
            // The WebSocket failed or timed out (the sender has closed it), or the connection is shutting down.
            failure = e;
        } finally {
            sendOrder.unlock();
        }
        onSendFailed(failure);
        return SendResult.FAILED;
    }

    /** A blocking send of the stream's last word; see {@link #sendLast}. */
    @FunctionalInterface
    protected interface LastSend {
        void send() throws IOException;
    }

    /** Sends the stream's close notice after any data frame {@code -down} is sending; call once the stream is closed. */
    protected final void sendLast(LastSend send) throws IOException {
        sendOrder.lock();
        try {
            send.send();
        } finally {
            sendOrder.unlock();
        }
    }

    /** Writes the framing's header into a new read buffer (its first {@code headroom} bytes, absolute puts). */
    protected void writeHeader(ByteBuffer buffer) {
    }

    /** The destination closed its end (read returned EOF). */
    protected abstract void onEof();

    /** A send to the client failed: the WebSocket is gone or going. */
    protected abstract void onSendFailed(IOException e);

    /** Bandwidth cap towards destinations: sleeps the calling thread as needed. */
    protected final void throttleUp(long bytes) throws InterruptedIOException {
        if (context.limits() != null) {
            context.limits().throttleUp(bytes);
        }
    }

    /** Bandwidth cap towards the client: sleeps the calling thread as needed. */
    protected final void throttleDown(long bytes) throws InterruptedIOException {
        if (context.limits() != null) {
            context.limits().throttleDown(bytes);
        }
    }

    protected static void closeQuietly(Closeable s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing more to release
        }
    }

    // ------------------------------------------------------------------------------------ for the access log

    /**
     * Bytes handed to the destination's socket; call from {@code -up} only (the one writer of the count), just before
     * the write.
     */
    protected final void countUp(long n) {
        bytesUp += n;
        context.connection().addUp(n);
    }

    /** Bytes read from the destination for the client; call from {@code -down} only. */
    protected final void countDown(long n) {
        bytesDown += n;
        context.connection().addDown(n);
    }

    /** Bytes written to the destination so far. */
    public final long bytesUp() {
        return bytesUp;
    }

    /** Bytes read from the destination for the client so far. */
    public final long bytesDown() {
        return bytesDown;
    }

    /** The dialer is about to connect to {@code address} (pass to the dialer as its onDial). */
    protected final void dialing(java.net.InetAddress address) {
        dialed = address;
    }

    /** The address dialed last, or null when the stream never got as far as dialing. */
    public final java.net.InetAddress dialed() {
        return dialed;
    }

    /** Who ended the stream, once it has closed (null before). */
    public final EndedBy endedBy() {
        lock.lock();
        try {
            return endedBy;
        } finally {
            lock.unlock();
        }
    }

    /** Milliseconds since the stream was made. */
    public final long ageMillis() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - openedNanos);
    }

    @Override
    public String toString() {
        return name;
    }
}
