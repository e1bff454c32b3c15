package org.wispwar.wisp.session;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.wispwar.wisp.config.WispConfig;
import org.wispwar.wisp.protocol.Close;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.Continue;
import org.wispwar.wisp.protocol.Data;
import org.wispwar.wisp.protocol.Info;
import org.wispwar.wisp.protocol.PacketType;
import org.wispwar.wisp.protocol.Role;
import org.wispwar.wisp.protocol.StreamType;
import org.wispwar.wisp.protocol.WispCodec;
import org.wispwar.wisp.protocol.WispPacket;
import org.wispwar.wisp.protocol.WispProtocolException;
import org.wispwar.wisp.transport.TcpDialer;

/**
 * One Wisp connection (one WebSocket): its streams, their credit, and how they end.
 *
 * <p>Threading contract, as the container gives it: {@link #onMessage} is never called concurrently for one session
 * (Jakarta delivers a session's messages one at a time) and never blocks: it decodes, routes and queues. All socket I/O
 * and every blocking send run on this session's virtual threads, two per TCP stream. {@link #shutdown} may be called
 * from any thread, any number of times; the first call releases every stream, socket and thread.
 */
public final class WispSession {
    private static final System.Logger LOG = System.getLogger(WispSession.class.getName());

    private final String id;
    private final WispConfig config;
    private final PacketSender sender;
    private final TcpDialer dialer;
    private final WispMetrics metrics;
    private final ConcurrentHashMap<Integer, StreamHandle> streams = new ConcurrentHashMap<>();
    private final ExecutorService threads;
    private final AtomicBoolean closed = new AtomicBoolean();

    public WispSession(String id, WispConfig config, PacketSender sender, TcpDialer dialer, WispMetrics metrics) {
        this.id = id;
        this.config = config;
        this.sender = sender;
        this.dialer = dialer;
        this.metrics = metrics;
        this.threads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("wisp-" + id + "-", 0).factory());
        metrics.sessionOpened();
    }

    public String id() {
        return id;
    }

    /** v1 start: the initial credit of every stream, on stream 0 (wisp-protocol.md §5 rule 1). */
    public void start() throws IOException {
        trace("<<", PacketType.CONTINUE, 0, WispCodec.HEADER_LENGTH + WispCodec.CONTINUE_LENGTH);
        sender.send(new Continue(0, config.bufferSize()));
    }

    /**
     * Handles one binary message from the client.
     *
     * @throws WispProtocolException when the message breaks the protocol; the caller closes the WebSocket (1002) after
     *                               calling {@link #shutdown()}
     */
    public void onMessage(ByteBuffer message) throws WispProtocolException {
        if (closed.get()) {
            return;
        }
        WispPacket packet = WispCodec.decode(message, Role.CLIENT);
        if (LOG.isLoggable(System.Logger.Level.TRACE)) {
            trace(">>", message.get(message.position()) & 0xFF, packet.streamId(), message.remaining());
        }
        switch (packet) {
            case Connect c -> open(c);
            case Data d -> route(d);
            case Continue c -> throw new WispProtocolException(
                    "CONTINUE from a client on stream " + Integer.toUnsignedString(c.streamId()));
            case Close c -> closeFromClient(c);
            case Info i -> LOG.log(System.Logger.Level.DEBUG, "[{0}] INFO from a v1 client ignored", id);
        }
    }

    private void open(Connect c) throws WispProtocolException {
        int streamId = c.streamId();
        if (streamId == 0) {
            throw new WispProtocolException("CONNECT on stream 0, which is reserved for the connection");
        }
        QueuedStream stream = StreamType.of(c.type()).orElse(null) == StreamType.UDP
                ? new UdpStream(this, c)
                : new TcpStream(this, c);   // TCP, and unknown types, which it answers with CLOSE 0x41
        StreamHandle existing = streams.putIfAbsent(streamId, stream);
        if (existing != null) {
            // The id is live: the client can no longer tell the two apart, so both end with one CLOSE 0x41.
            LOG.log(System.Logger.Level.DEBUG, "[{0}] CONNECT reuses live stream {1}", id, unsigned(streamId));
            existing.close(CloseReason.SERVER_STREAM_INVALID_INFO, true);
            return;
        }
        if (streams.size() > config.maxStreamsPerConnection()) {
            streams.remove(streamId, stream);
            LOG.log(System.Logger.Level.DEBUG, "[{0}] stream {1} refused: {2} streams open", id, unsigned(streamId),
                    config.maxStreamsPerConnection());
            notifyClose(streamId, CloseReason.SERVER_STREAM_THROTTLED);
            return;
        }
        metrics.streamOpened();
        if (!spawn(stream.threadName("up"), stream::run)) {
            stream.close(CloseReason.UNKNOWN, false);
        }
    }

    private void route(Data d) {
        StreamHandle stream = streams.get(d.streamId());
        if (stream == null) {
            // Unknown or already closed: the client may still have had DATA in flight (wisp-protocol.md §3.2).
            LOG.log(System.Logger.Level.TRACE, "[{0}] DATA for unknown stream {1} ignored", id, unsigned(d.streamId()));
            return;
        }
        metrics.fromClient(d.payload().remaining());
        stream.acceptData(d.payload());
    }

    private void closeFromClient(Close c) {
        StreamHandle stream = streams.get(c.streamId());
        if (stream != null) {
            stream.close(c.reason(), false);
        }
    }

    /**
     * Releases everything without sending (the WebSocket is gone or going): every stream closes, sockets close, and
     * blocked threads are interrupted. Idempotent.
     */
    public void shutdown() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (StreamHandle s : streams.values()) {
            s.close(CloseReason.UNKNOWN, false);
        }
        threads.shutdownNow();
        metrics.sessionClosed();
        LOG.log(System.Logger.Level.DEBUG, "[{0}] session ended", id);
    }

    /** Whether every thread this session started has ended (after {@link #shutdown()}); for tests and diagnostics. */
    public boolean awaitThreads(long timeout, TimeUnit unit) throws InterruptedException {
        return threads.awaitTermination(timeout, unit);
    }

    public int streamCount() {
        return streams.size();
    }

    // ------------------------------------------------------------------------------------------- for the streams

    WispConfig config() {
        return config;
    }

    TcpDialer dialer() {
        return dialer;
    }

    WispMetrics metrics() {
        return metrics;
    }

    void removeStream(int streamId, StreamHandle stream) {
        if (streams.remove(streamId, stream)) {
            metrics.streamClosed();
        }
    }

    /** Sends a packet from a stream thread; blocks (backpressure). */
    void send(WispPacket packet) throws IOException {
        checkOpen();
        if (LOG.isLoggable(System.Logger.Level.TRACE)) {
            trace("<<", typeOf(packet), packet.streamId(), -1);
        }
        sender.send(packet);
    }

    /** Sends an encoded DATA frame from a stream's -down thread; blocks (backpressure). */
    void sendData(ByteBuffer frame) throws IOException {
        checkOpen();
        metrics.toClient(frame.remaining() - WispCodec.HEADER_LENGTH);
        sender.sendFrame(frame);
    }

    /** Nothing is sent once {@link #shutdown()} has begun: the WebSocket is gone or going. */
    private void checkOpen() throws IOException {
        if (closed.get()) {
            throw new IOException("session " + id + " is shut down");
        }
    }

    /**
     * Tells the client a stream is closed. Blocking sends belong on virtual threads, so a call from the WebSocket's
     * receive thread hands the send to a new virtual thread.
     */
    void notifyClose(int streamId, CloseReason reason) {
        Close packet = new Close(streamId, reason);
        if (Thread.currentThread().isVirtual()) {
            sendQuietly(packet);
        } else {
            spawn("wisp-" + id + "-" + unsigned(streamId) + "-close", () -> sendQuietly(packet));
        }
    }

    private void sendQuietly(WispPacket packet) {
        try {
            send(packet);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "[{0}] could not send {1}: {2}", id, packet, e.toString());
        }
    }

    /** Starts a counted virtual thread; false when the session is already shut down. */
    boolean spawn(String name, Runnable task) {
        metrics.threadStarted();
        try {
            threads.execute(() -> {
                Thread.currentThread().setName(name);
                try {
                    task.run();
                } finally {
                    metrics.threadEnded();
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            metrics.threadEnded();
            return false;
        }
    }

    String threadName(int streamId, String role) {
        return "wisp-" + id + "-" + unsigned(streamId) + "-" + role;
    }

    static String unsigned(int streamId) {
        return Integer.toUnsignedString(streamId);
    }

    private void trace(String direction, int type, int streamId, int length) {
        if (LOG.isLoggable(System.Logger.Level.TRACE)) {
            LOG.log(System.Logger.Level.TRACE, "[" + id + "] " + traceLine(direction, type, streamId, length));
        }
    }

    /** The one packet-trace format: direction, type, stream id as 8 hex digits, message length (-1 when unknown). */
    static String traceLine(String direction, int type, int streamId, int length) {
        return String.format("%s %s 0x%08x %d", direction, PacketType.name(type), streamId, length);
    }

    private static int typeOf(WispPacket p) {
        return switch (p) {
            case Connect c -> PacketType.CONNECT;
            case Data d -> PacketType.DATA;
            case Continue c -> PacketType.CONTINUE;
            case Close c -> PacketType.CLOSE;
            case Info i -> PacketType.INFO;
        };
    }
}
