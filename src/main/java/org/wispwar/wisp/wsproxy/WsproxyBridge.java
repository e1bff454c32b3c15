package org.wispwar.wisp.wsproxy;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.wispwar.wisp.config.WispConfig;
import org.wispwar.wisp.limits.ByteBudget;
import org.wispwar.wisp.limits.ConnectionLimits;
import org.wispwar.wisp.metrics.WispMetrics;
import org.wispwar.wisp.stream.AccessLog;
import org.wispwar.wisp.stream.BufferPool;
import org.wispwar.wisp.stream.ConnectionRecord;
import org.wispwar.wisp.stream.PacketSender;
import org.wispwar.wisp.stream.ReadControl;
import org.wispwar.wisp.stream.ReadGate;
import org.wispwar.wisp.stream.SocketStream;
import org.wispwar.wisp.stream.StreamContext;
import org.wispwar.wisp.transport.TcpDialer;

/**
 * One wsproxy connection (wisp-protocol.md §10): one WebSocket bridged raw to one TCP socket, on the same stream core
 * as Wisp's TCP streams, with no framing at all: every client message is written to the socket as it is, every chunk
 * read from the socket is sent back as one binary message. No stream ids, no credit.
 *
 * <p>Threads, as for Wisp: {@code wsproxy-<id>-up} connects (resolve, policy, connect with a timeout) and then writes
 * the client's bytes to the socket; {@code wsproxy-<id>-down} reads the socket into the connection's one serialized
 * {@link PacketSender}, whose blocking send (bounded by wisp.sendTimeout) is the backpressure towards the destination.
 * Messages that arrive while connecting wait in the queue.
 *
 * <p>Client → destination: {@link #acceptPart} runs on the container's receive thread, copies the part into the queue
 * and never blocks. The bytes count against the bridge's stream budget (and its connection's and the server's); when
 * one is full, the WebSocket's reading pauses until they drain, which pushes TCP backpressure back to the client. A
 * destination that takes no byte for wisp.destinationTimeout closes the WebSocket with 1008
 * {@code "destination not reading"}.
 *
 * <p>Ending: the destination's EOF closes the WebSocket with 1000, a failure with the code of {@link WsproxyClose#from}.
 * A clean close by the client ({@link #finish()}) writes what is still queued and then closes the socket, so the
 * destination sees EOF after the client's last byte. A broken WebSocket, an error or undeploy ({@link #shutdown()})
 * releases everything at once.
 *
 * <p>Metrics: a wsproxy connection counts as one session and one stream while it lives, plus its threads and, once
 * connected, its socket, so the deployment's counters fall back to 0 exactly as for Wisp. Thread-safe.
 */
public final class WsproxyBridge extends SocketStream<WsproxyClose> {
    private static final System.Logger LOG = System.getLogger(WsproxyBridge.class.getName());

    private final String id;
    private final WsproxyTarget target;
    private final long maxMessageSize;
    private final ExecutorService threads;
    private final ReadGate gate;
    /** When the metrics counted this connection (System.nanoTime), for its duration. */
    private final long openedAt;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    /** Receive thread only: bytes of the current client message so far, or -1 between messages. */
    private long messageLength = -1;

    /**
     * Everything a bridge draws on besides its config, as for a Wisp connection; {@code connection} null: a client from
     * nowhere in particular, with the access log on.
     */
    public record Resources(PacketSender sender, TcpDialer dialer, WispMetrics metrics, BufferPool buffers,
            ByteBudget serverBudget, ReadControl reads, ConnectionLimits limits, ConnectionRecord connection) {
        /** Without a connection record (tests). */
        public Resources(PacketSender sender, TcpDialer dialer, WispMetrics metrics, BufferPool buffers,
                ByteBudget serverBudget, ReadControl reads, ConnectionLimits limits) {
            this(sender, dialer, metrics, buffers, serverBudget, reads, limits, null);
        }
    }

    /** Counts one session and one stream until it closes; call {@link #start()} next. */
    public static WsproxyBridge create(String id, WsproxyTarget target, WispConfig config, Resources r) {
        ExecutorService threads = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("wsproxy-" + id + "-", 0).factory());
        ByteBudget connection = r.serverBudget().child(WispConfig.CONNECTION_BYTE_BUDGET, config.connectionByteBudget());
        ConnectionRecord record = r.connection() != null ? r.connection() : new ConnectionRecord(id, null, null, null,
                ConnectionRecord.Kind.WSPROXY, target.toString(), true);
        StreamContext context = new StreamContext(id, r.sender(), (name, task) -> r.metrics().spawn(threads, name, task),
                r.metrics(), r.dialer(), r.buffers(), connection, config.streamByteBudget(), r.limits(),
                config.readBufferSize(), record);
        return new WsproxyBridge(id, target, config, context, threads, new ReadGate(r.reads(), connection, r.metrics()));
    }

    private WsproxyBridge(String id, WsproxyTarget target, WispConfig config, StreamContext context,
            ExecutorService threads, ReadGate gate) {
        super(context, "wsproxy-" + id);
        this.id = id;
        this.target = target;
        this.maxMessageSize = config.maxMessageSize();
        this.threads = threads;
        this.gate = gate;
        this.openedAt = context.metrics().sessionOpened(WispMetrics.ConnectionKind.WSPROXY);
        context.metrics().streamOpened(WispMetrics.StreamKind.WSPROXY);
        context.connection().streamOpened();
        context.connection().logOpened();
    }

    /** Who the client is and what the connection moved (for JMX and the logs). */
    public ConnectionRecord connection() {
        return context.connection();
    }

    public String id() {
        return id;
    }

    public WsproxyTarget target() {
        return target;
    }

    /**
     * Queues one part of a client message (binary, or a text message's UTF-8 bytes as one part); copied before this
     * returns. Runs on the container's receive thread and never blocks; afterwards reading pauses if a budget is full.
     * A message over wisp.maxMessageSize closes the WebSocket with 1009.
     */
    public void acceptPart(ByteBuffer part, boolean last) {
        int n = part.remaining();
        if (messageLength < 0) {
            messageLength = 0;
            if (!beginPacket()) {
                messageLength = last ? -1 : 0;
                return;   // closed or finishing: nothing more is taken
            }
        }
        messageLength += n;
        if (messageLength > maxMessageSize) {
            // INFO: it ends the client's own connection, so a client cannot flood the log with it
            LOG.log(System.Logger.Level.INFO, "[{0}] message over {1} bytes (wisp.maxMessageSize), closing with 1009",
                    id, Long.toString(maxMessageSize));
            close(new WsproxyClose(WsproxyClose.MESSAGE_TOO_BIG, WsproxyClose.TOO_BIG), true);
            return;
        }
        context.metrics().fromClient(n);
        append(part);
        if (last) {
            endPacket();
            messageLength = -1;
        }
        gate.afterPart(budget());
    }

    /**
     * The client closed the WebSocket cleanly: write what it sent, then close the socket (the destination sees EOF). A
     * destination that takes none of it within wisp.destinationTimeout is cut off.
     */
    public void finish() {
        finish(null, false, EndedBy.CLIENT);
    }

    /**
     * Releases everything without sending (the WebSocket is gone or going): the socket closes and blocked threads are
     * interrupted. Idempotent; may be called from any thread.
     */
    public void shutdown() {
        shutdown(EndedBy.CONNECTION);
    }

    /** As {@link #shutdown()}, saying who ended the connection (for the access log). */
    public void shutdown(EndedBy by) {
        close(null, false, by);
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

    /** Whether this connection's reading is paused now (a byte budget is full). */
    public boolean readPaused() {
        return gate.paused();
    }

    // ------------------------------------------------------------------------------------------------ the core

    @Override
    protected Closeable connect() throws Exception {
        return context.dialer().connect(target.host(), target.port(), this::attach, this::dialing);
    }

    @Override
    protected void pump(Closeable socket) throws Exception {
        SocketChannel s = (SocketChannel) socket;
        LOG.log(System.Logger.Level.DEBUG, "[{0}] wsproxy connected to {1}", id, target);
        if (startDown(() -> readLoop(s, 0))) {
            writeLoop(s);
        }
    }

    @Override
    protected WsproxyClose failureReason(Throwable failure) {
        return WsproxyClose.from(failure);
    }

    @Override
    protected WsproxyClose stalledReason() {
        return new WsproxyClose(WsproxyClose.POLICY_VIOLATION, WsproxyClose.DESTINATION_NOT_READING);
    }

    @Override
    protected void onEof() {
        if (!isFinishing()) {
            close(WsproxyClose.from(new EOFException("destination EOF")), true, EndedBy.DESTINATION);
        }
        // finishing: -up still writes the client's last bytes, then closes
    }

    @Override
    protected void onSendFailed(IOException e) {
        // The WebSocket is gone, or the send timed out and the sender has closed it (1001).
        LOG.log(System.Logger.Level.DEBUG, "[{0}] send to the client failed: {1}", id, e.toString());
        if (!isFinishing()) {
            close(null, false, EndedBy.CONNECTION);
        }
    }

    /**
     * Once: counts the connection down, and closes the WebSocket with {@code how} unless it is null (the WebSocket is
     * gone or closing by itself) or the client need not be told.
     */
    @Override
    protected void closed(WsproxyClose how, boolean notifyPeer) {
        gate.close();
        context.metrics().streamClosed(WispMetrics.StreamKind.WSPROXY);
        context.metrics().sessionClosed(WispMetrics.ConnectionKind.WSPROXY, openedAt);
        threads.shutdown();   // no new threads; the running ones end on their own now that the socket is closed
        LOG.log(System.Logger.Level.DEBUG, "[{0}] wsproxy to {1} closed: {2}", id, target,
                how == null ? "WebSocket gone" : how);
        if (how != null && notifyPeer) {
            context.connection().closing(how.code(), how.reason(), "server");
            context.sender().closeConnection(how.code(), how.reason());
        }
        EndedBy by = endedBy();
        java.net.InetAddress address = dialed();
        AccessLog.log(context.connection(), new AccessLog.Entry(id, null, "wsproxy",
                AccessLog.hostPort(target.host(), target.port()), address == null ? null : address.getHostAddress(),
                bytesUp(), bytesDown(), ageMillis(), how == null ? null : Integer.toString(how.code()),
                by == null ? null : by.label()));
        context.connection().logClosed();
        done.complete(null);
    }
}
