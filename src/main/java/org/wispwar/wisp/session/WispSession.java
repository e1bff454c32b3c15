package org.wispwar.wisp.session;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.wispwar.wisp.config.WispConfig;
import org.wispwar.wisp.limits.ByteBudget;
import org.wispwar.wisp.limits.ConnectionLimits;
import org.wispwar.wisp.metrics.WispMetrics;
import org.wispwar.wisp.protocol.Close;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.Continue;
import org.wispwar.wisp.protocol.Data;
import org.wispwar.wisp.protocol.Info;
import org.wispwar.wisp.protocol.PacketReader;
import org.wispwar.wisp.protocol.PacketType;
import org.wispwar.wisp.protocol.Role;
import org.wispwar.wisp.protocol.StreamType;
import org.wispwar.wisp.protocol.WispCodec;
import org.wispwar.wisp.protocol.WispPacket;
import org.wispwar.wisp.protocol.WispProtocolException;
import org.wispwar.wisp.stream.AccessLog;
import org.wispwar.wisp.stream.BufferPool;
import org.wispwar.wisp.stream.ConnectionRecord;
import org.wispwar.wisp.stream.PacketSender;
import org.wispwar.wisp.stream.ReadControl;
import org.wispwar.wisp.stream.ReadGate;
import org.wispwar.wisp.stream.SocketStream.EndedBy;
import org.wispwar.wisp.stream.StreamContext;
import org.wispwar.wisp.transport.TcpDialer;

/**
 * One Wisp connection (one WebSocket): its streams, their credit, and how they end.
 *
 * <p>Threading contract, as the container gives it: {@link #onMessagePart} is never called concurrently for one session
 * (Jakarta delivers a session's message parts one at a time) and never blocks: it decodes, routes and queues, copying
 * each DATA payload part once into its stream's queue. When a byte budget fills (the stream's, this connection's or the
 * server's), it pauses the WebSocket's reading through its {@link ReadGate}; the streams' writers resume it as the
 * bytes drain. All socket I/O and every blocking send run on this session's virtual threads, two per TCP stream.
 * {@link #shutdown} may be called from any thread, any number of times; the first call releases every stream, socket,
 * buffer and thread.
 */
public final class WispSession implements PacketReader.Handler {
    private static final System.Logger LOG = System.getLogger(WispSession.class.getName());
    /** WebSocket close code after a refused v2 handshake (the Wisp reason went on stream 0 just before). */
    public static final int HANDSHAKE_REFUSED_CODE = 1008;

    private final String id;
    private final WispConfig config;
    private final PacketSender sender;
    private final WispMetrics metrics;
    /** v1 or v2, for the per-kind counters and the session duration. */
    private final WispMetrics.ConnectionKind kind;
    /** When the metrics counted this connection (System.nanoTime), for its duration. */
    private final long openedAt;
    private final ConcurrentHashMap<Integer, WispStream> streams = new ConcurrentHashMap<>();
    private final ExecutorService threads;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final PacketReader reader;
    private final ByteBudget budget;
    private final ReadGate gate;
    /** What every stream of this connection gets; built once the connection is open (the handshake decides it). */
    private volatile WispStreamContext streamContext;
    private final StreamContext coreContext;
    /** Receive thread only: the stream the current DATA packet feeds, or null when its bytes are ignored. */
    private WispStream current;
    /** Receive thread only: the stream the last part fed, whose budget may pause reading. */
    private WispStream fed;

    /** Where the connection is: v1 starts OPEN; v2 goes HANDSHAKE → VERIFYING → OPEN. */
    private enum Phase {
        HANDSHAKE,
        VERIFYING,
        OPEN
    }

    /** Null: no limits (tests). */
    private final ConnectionLimits limits;
    private final ConnectionRecord connection;
    /** Runs once, when the session has shut down (the registry forgets it); may be null. */
    private final Runnable ended;
    /** When the oldest unanswered ping went out (System.nanoTime), or 0 when every ping was answered. */
    private final java.util.concurrent.atomic.AtomicLong pingOutstandingSince = new java.util.concurrent.atomic.AtomicLong();

    /** Null for v1. */
    private final V2Handshake handshake;
    private final V2Settings v2;
    private final CountDownLatch handshakeDone = new CountDownLatch(1);
    private volatile Phase phase;
    /** What both sides agreed on: v1 takes the config (UDP is mandatory in v1.2); v2 the extensions both listed. */
    private volatile boolean udpAllowed;
    private volatile boolean streamConfirm;

    /**
     * Everything a connection draws on besides its config: shared by the deployment, or made for the connection.
     * {@code connection} says who the client is, for the connection lines and the access log; null: a client from
     * nowhere in particular, with the access log on.
     */
    public record Resources(PacketSender sender, TcpDialer dialer, WispMetrics metrics, BufferPool buffers,
            ByteBudget serverBudget, ReadControl reads, ConnectionLimits limits, Runnable ended,
            ConnectionRecord connection) {
        /** Without a connection record (tests). */
        public Resources(PacketSender sender, TcpDialer dialer, WispMetrics metrics, BufferPool buffers,
                ByteBudget serverBudget, ReadControl reads, ConnectionLimits limits, Runnable ended) {
            this(sender, dialer, metrics, buffers, serverBudget, reads, limits, ended, null);
        }
    }

    /**
     * A v2 session when {@code v2} is not null (the client offered a subprotocol and v2 is enabled), else v1, with the
     * connection's rate limits and bandwidth caps in {@code resources} (null: none).
     */
    public WispSession(String id, WispConfig config, V2Settings v2, Resources resources) {
        this.connection = resources.connection() != null ? resources.connection()
                : ConnectionRecord.of(id, v2 == null ? ConnectionRecord.Kind.V1 : ConnectionRecord.Kind.V2);
        this.limits = resources.limits();
        this.ended = resources.ended();
        this.id = id;
        this.config = config;
        this.metrics = resources.metrics();
        this.sender = new SessionSender(resources.sender());
        this.v2 = v2;
        this.handshake = v2 == null ? null : new V2Handshake(v2);
        this.phase = v2 == null ? Phase.OPEN : Phase.HANDSHAKE;
        this.udpAllowed = v2 == null && config.allowUdp();
        this.threads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("wisp-" + id + "-", 0).factory());
        this.reader = new PacketReader(config.maxMessageSize(), Role.CLIENT);
        this.budget = resources.serverBudget().child(WispConfig.CONNECTION_BYTE_BUDGET, config.connectionByteBudget());
        this.gate = new ReadGate(resources.reads(), budget, metrics);
        this.coreContext = new StreamContext(id, sender, this::spawn, metrics, resources.dialer(),
                resources.buffers(), budget, config.streamByteBudget(), limits, config.readBufferSize(), connection);
        if (phase == Phase.OPEN) {
            openStreams();
        }
        this.kind = v2 == null ? WispMetrics.ConnectionKind.WISP_V1 : WispMetrics.ConnectionKind.WISP_V2;
        this.openedAt = metrics.sessionOpened(kind);
        connection.logOpened();
    }

    public String id() {
        return id;
    }

    /** Who the client is and what the connection moved (for JMX and the logs). */
    public ConnectionRecord connection() {
        return connection;
    }

    /**
     * Opens the connection. v1: the initial credit of every stream, on stream 0 (wisp-protocol.md §5 rule 1). v2: the
     * server INFO; the CONTINUE follows once the client's INFO is accepted, and a client that sends no INFO within
     * {@code wisp.handshakeTimeout} is disconnected.
     */
    public void start() throws IOException {
        if (handshake == null) {
            sendInitialContinue();
            return;
        }
        sender.send(handshake.serverInfo());
        spawn("wisp-" + id + "-handshake", this::enforceHandshakeTimeout);
    }

    /** Fixes what the streams get, now that the extensions are decided. */
    private void openStreams() {
        streamContext = new WispStreamContext(coreContext, config.bufferSize(), streamConfirm, udpAllowed,
                config.udpIdleTimeout(), this::removeStream);
    }

    private void sendInitialContinue() throws IOException {
        trace("<<", PacketType.CONTINUE, 0, WispCodec.HEADER_LENGTH + WispCodec.CONTINUE_LENGTH);
        sender.send(new Continue(0, config.bufferSize()));
    }

    /**
     * Handles one whole binary message from the client (a message that came in one part).
     *
     * @throws WispProtocolException as {@link #onMessagePart}
     */
    public void onMessage(ByteBuffer message) throws WispProtocolException {
        onMessagePart(message, true);
    }

    /**
     * Handles the next part of a binary message from the client; {@code last} ends the message. The part is a view of
     * the container's buffer: DATA bytes are copied into their stream's queue before this returns, nothing else is
     * kept. Afterwards, reading pauses if a byte budget is full.
     *
     * @throws WispProtocolException when the message breaks the protocol or a size limit; the caller closes the
     *                               WebSocket with its {@link WispProtocolException#closeCode()} after calling
     *                               {@link #shutdown()}
     */
    public void onMessagePart(ByteBuffer part, boolean last) throws WispProtocolException {
        if (closed.get()) {
            return;
        }
        fed = null;
        reader.accept(part, last, this);
        WispStream s = fed;
        gate.afterPart(s == null ? null : s.readBudget());
    }

    @Override
    public void packet(WispPacket packet) throws WispProtocolException {
        if (LOG.isLoggable(System.Logger.Level.TRACE)) {
            trace(">>", typeOf(packet), packet.streamId(), (int) reader.messageLength());
        }
        switch (phase) {
            case HANDSHAKE -> {
                if (packet instanceof Info info && info.streamId() == 0) {
                    phase = Phase.VERIFYING;
                    spawn("wisp-" + id + "-handshake-verify", () -> finishHandshake(info));
                    return;
                }
                if (downgradeToV1()) {
                    dispatch(packet);
                }
            }
            case VERIFYING -> throw new WispProtocolException(
                    PacketType.name(typeOf(packet)) + " before the v2 handshake completed");
            case OPEN -> dispatch(packet);
        }
    }

    @Override
    public void dataStart(int streamId) throws WispProtocolException {
        current = null;
        switch (phase) {
            case HANDSHAKE -> {
                if (!downgradeToV1()) {
                    return;
                }
            }
            case VERIFYING -> throw new WispProtocolException("DATA before the v2 handshake completed");
            case OPEN -> {
            }
        }
        WispStream stream = streams.get(streamId);
        if (stream == null) {
            // Unknown or already closed: the client may still have had DATA in flight (wisp-protocol.md §3.2).
            LOG.log(System.Logger.Level.TRACE, "[{0}] DATA for unknown stream {1} ignored", id, unsigned(streamId));
            return;
        }
        if (limits != null && !limits.allowPacket()) {
            LOG.log(System.Logger.Level.DEBUG, "[{0}] stream {1}: over the packet rate limit", id, unsigned(streamId));
            stream.close(CloseReason.SERVER_STREAM_THROTTLED, true);
            return;
        }
        if (stream.dataStart()) {
            current = stream;
        }
    }

    @Override
    public void dataPart(ByteBuffer part) {
        WispStream s = current;
        if (s != null) {
            metrics.fromClient(part.remaining());
            s.dataPart(part);
            fed = s;
        }
    }

    @Override
    public void dataEnd() {
        WispStream s = current;
        if (LOG.isLoggable(System.Logger.Level.TRACE)) {
            trace(">>", PacketType.DATA, s == null ? -1 : s.id(), (int) reader.messageLength());
        }
        if (s != null) {
            s.dataEnd();
            current = null;
        }
    }

    private void dispatch(WispPacket packet) throws WispProtocolException {
        switch (packet) {
            case Connect c -> open(c);
            case Data d -> throw new IllegalStateException("DATA is read part by part, never whole");
            case Continue c -> throw new WispProtocolException(
                    "CONTINUE from a client on stream " + Integer.toUnsignedString(c.streamId()));
            case Close c -> closeFromClient(c);
            case Info i -> LOG.log(System.Logger.Level.DEBUG, "[{0}] INFO outside the v2 handshake ignored", id);
        }
    }

    /**
     * The client offered a subprotocol but answered the server INFO with something else: it speaks v1. Without
     * required auth that is allowed (v2 draft 6 leaves it open; wisp-mux 6 downgrades too): send the v1 CONTINUE and
     * carry on; true when the packet that showed it is to be handled as v1. With required auth, downgrading would skip
     * authentication, so the connection is refused with 0xc2.
     */
    private boolean downgradeToV1() {
        handshakeDone.countDown();
        if (v2.authRequired()) {
            spawn("wisp-" + id + "-handshake-reject", () -> reject(new V2Handshake.Rejected(
                    CloseReason.EXTENSIONS_AUTH_REQUIRED, "authentication required, but the client sent no INFO")));
            phase = Phase.VERIFYING;   // nothing more is accepted while the rejection goes out
            return false;
        }
        LOG.log(System.Logger.Level.DEBUG, "[{0}] no client INFO: continuing as v1", id);
        connection.kind(ConnectionRecord.Kind.V1);
        udpAllowed = config.allowUdp();
        openStreams();
        phase = Phase.OPEN;
        try {
            sendInitialContinue();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "[{0}] could not send CONTINUE: {1}", id, e.toString());
            return false;
        }
        return true;
    }

    /** On a virtual thread: verify the client INFO (password hashing blocks), then open or refuse the connection. */
    private void finishHandshake(Info client) {
        V2Handshake.Verdict verdict = handshake.verify(client);
        handshakeDone.countDown();
        switch (verdict) {
            case V2Handshake.Accepted a -> {
                udpAllowed = a.udp();
                streamConfirm = a.streamConfirm();
                openStreams();
                phase = Phase.OPEN;   // before the CONTINUE: the client may send as soon as it arrives
                LOG.log(System.Logger.Level.DEBUG, "[{0}] v2 handshake accepted (udp={1}, confirm={2}, auth={3})", id,
                        a.udp(), a.streamConfirm(), a.user() != null);
                try {
                    sendInitialContinue();
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.DEBUG, "[{0}] could not send CONTINUE: {1}", id, e.toString());
                }
            }
            case V2Handshake.Rejected r -> reject(r);
        }
    }

    /** CLOSE on stream 0 with the reason, then the WebSocket closes (1008) and everything is released. */
    private void reject(V2Handshake.Rejected r) {
        // INFO: a refusal; it costs the client a whole connection, so it cannot flood the log
        LOG.log(System.Logger.Level.INFO, "[{0}] v2 handshake refused, closing with {1}: {2} {3}", id,
                Integer.toString(HANDSHAKE_REFUSED_CODE), r.reason(), AccessLog.value(r.detail()));
        sendQuietly(new Close(0, r.reason()));
        sender.closeConnection(HANDSHAKE_REFUSED_CODE, r.detail());
        shutdown();
    }

    private void enforceHandshakeTimeout() {
        try {
            if (!handshakeDone.await(v2.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.log(System.Logger.Level.DEBUG, "[{0}] no client INFO within {1}", id, v2.handshakeTimeout());
                sender.closeConnection(HANDSHAKE_REFUSED_CODE, "no INFO within the v2 handshake timeout");
                shutdown();
            }
        } catch (InterruptedException e) {
            // the session is shutting down
        }
    }

    /**
     * Sends a keepalive ping through {@code ping}, marked as outstanding <em>before</em> it goes out (on loopback the
     * pong can arrive before the send returns). Only the oldest unanswered ping counts; a ping that was not sent (the
     * connection was busy sending) is unmarked again.
     */
    public void ping(long now, java.util.function.BooleanSupplier ping) {
        boolean marked = pingOutstandingSince.compareAndSet(0, now);
        if (!ping.getAsBoolean() && marked) {
            pingOutstandingSince.compareAndSet(now, 0);
        }
    }

    /** The client answered (any pong answers every ping before it). */
    public void pongReceived() {
        pingOutstandingSince.set(0);
    }

    /** Whether a ping has gone unanswered for at least {@code interval} nanoseconds: the client is gone. */
    public boolean pingUnanswered(long now, long interval) {
        long since = pingOutstandingSince.get();
        return since != 0 && now - since >= interval;
    }

    /** Closes, with CLOSE 0x47, every TCP stream that moved no byte either way for {@code idleNanos}. */
    public void closeIdleStreams(long now, long idleNanos) {
        for (WispStream s : streams.values()) {
            if (s instanceof TcpStream t && t.idleFor(now) >= idleNanos) {
                t.close(CloseReason.SERVER_STREAM_TIMED_OUT, true);
            }
        }
    }

    /**
     * Closes every stream whose destination has taken no byte for {@code timeoutNanos} while bytes waited for it
     * (CLOSE 0x47, or 0x49 for a stream finishing after a credit overrun), which releases what it held.
     */
    public void closeStalledStreams(long now, long timeoutNanos) {
        for (WispStream s : streams.values()) {
            s.closeIfStalled(now, timeoutNanos);
        }
    }

    /** Whether this connection's reading is paused now (a byte budget is full). */
    public boolean readPaused() {
        return gate.paused();
    }

    /** Bytes this connection holds now, queued for its destinations. */
    public long bufferedBytes() {
        return budget.used();
    }

    private void open(Connect c) throws WispProtocolException {
        int streamId = c.streamId();
        if (streamId == 0) {
            throw new WispProtocolException("CONNECT on stream 0, which is reserved for the connection");
        }
        WispStream stream = StreamType.of(c.type()).orElse(null) == StreamType.UDP
                ? new UdpStream(streamContext, c)
                : new TcpStream(streamContext, c);   // TCP, and unknown types, which it answers with CLOSE 0x41
        WispStream existing = streams.putIfAbsent(streamId, stream);
        if (existing != null) {
            // The id is live: the client can no longer tell the two apart, so both end with one CLOSE 0x41.
            LOG.log(System.Logger.Level.DEBUG, "[{0}] CONNECT reuses live stream {1}", id, unsigned(streamId));
            existing.close(CloseReason.SERVER_STREAM_INVALID_INFO, true);
            return;
        }
        boolean overCap = streams.size() > config.maxStreamsPerConnection();
        if (overCap || (limits != null && !limits.allowNewStream())) {   // the rate is only charged when under the cap
            streams.remove(streamId, stream);
            if (overCap) {
                metrics.limitTripped(WispConfig.MAX_STREAMS_PER_CONNECTION);
            }
            LOG.log(System.Logger.Level.DEBUG, "[{0}] stream {1} refused: {2} of {3} streams open, or over the"
                    + " per-IP stream rate", id, unsigned(streamId), streams.size(), config.maxStreamsPerConnection());
            metrics.streamEnded(CloseReason.SERVER_STREAM_THROTTLED);   // a refusal counts with the closes
            AccessLog.log(connection, new AccessLog.Entry(id, unsigned(streamId),
                    stream.kind().name().toLowerCase(java.util.Locale.ROOT), AccessLog.hostPort(c.hostname(), c.port()),
                    null, 0, 0, 0, CloseReason.SERVER_STREAM_THROTTLED.toString(), EndedBy.SERVER.label()));
            notifyClose(streamId, CloseReason.SERVER_STREAM_THROTTLED);
            return;
        }
        connection.streamOpened();
        metrics.streamOpened(stream.kind());
        if (!stream.start()) {
            stream.close(CloseReason.UNKNOWN, false);
        }
    }

    private void closeFromClient(Close c) {
        WispStream stream = streams.get(c.streamId());
        if (stream != null) {
            stream.close(c.reason(), false, EndedBy.CLIENT);
        }
    }

    /**
     * For undeploy and server stop: ends every open stream with {@code reason} and tells the client, one CLOSE per
     * stream. On a virtual thread the CLOSEs are sent by the calling thread (each bounded by the send timeout), so they
     * are on the wire when this returns and the caller can close the WebSocket after them; call {@link #shutdown()}
     * next, which also releases any stream opened meanwhile.
     */
    public void closeAllStreams(CloseReason reason) {
        closeAllStreams(reason, EndedBy.SERVER);
    }

    /** As {@link #closeAllStreams(CloseReason)}, saying who ended them (for the access log). */
    public void closeAllStreams(CloseReason reason, EndedBy by) {
        for (WispStream s : streams.values()) {
            s.close(reason, true, by);
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
        gate.close();
        for (WispStream s : streams.values()) {
            s.close(CloseReason.UNKNOWN, false, EndedBy.CONNECTION);
        }
        threads.shutdownNow();
        if (limits != null) {
            limits.release();
        }
        metrics.sessionClosed(kind, openedAt);
        if (ended != null) {
            ended.run();
        }
        LOG.log(System.Logger.Level.DEBUG, "[{0}] session ended", id);
        connection.logClosed();
    }

    /** Whether every thread this session started has ended (after {@link #shutdown()}); for tests and diagnostics. */
    public boolean awaitThreads(long timeout, TimeUnit unit) throws InterruptedException {
        return threads.awaitTermination(timeout, unit);
    }

    public int streamCount() {
        return streams.size();
    }

    // ------------------------------------------------------------------------------------------- for the streams

    private void removeStream(WispStream stream) {
        if (streams.remove(stream.id(), stream)) {
            metrics.streamClosed(stream.kind());
        }
    }

    /**
     * The sender the streams get: nothing goes out once {@link #shutdown()} has begun (the WebSocket is gone or going),
     * and packets are traced.
     */
    private final class SessionSender implements PacketSender {
        private final PacketSender out;

        SessionSender(PacketSender out) {
            this.out = out;
        }

        @Override
        public void sendFrame(ByteBuffer frame) throws IOException {
            checkOpen();
            out.sendFrame(frame);
        }

        @Override
        public void send(WispPacket packet) throws IOException {
            checkOpen();
            if (LOG.isLoggable(System.Logger.Level.TRACE)) {
                trace("<<", typeOf(packet), packet.streamId(), -1);
            }
            out.send(packet);
        }

        @Override
        public boolean ping() {
            return out.ping();
        }

        @Override
        public void closeConnection(int code, String reason) {
            connection.closing(code, reason, "server");
            out.closeConnection(code, reason);
        }
    }

    /** Sends a packet of the session's own (handshake, CLOSE of a refused stream); blocks. */
    void send(WispPacket packet) throws IOException {
        sender.send(packet);
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
        return metrics.spawn(threads, name, task);
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
