package org.wispwar.wisp.session;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.wispwar.wisp.limits.ByteBudget;
import org.wispwar.wisp.metrics.WispMetrics;
import org.wispwar.wisp.protocol.Close;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.stream.AccessLog;
import org.wispwar.wisp.stream.SocketStream;

/**
 * A Wisp stream: the socket-owning core plus what every Wisp stream adds, its id, how its DATA packets are queued, and
 * how it ends (a CLOSE with a reason, counted by reason). {@link TcpStream} and {@link UdpStream} add their framing.
 *
 * <p>The receive thread feeds it {@link #dataStart}, {@link #dataPart} and {@link #dataEnd} for each DATA packet; these
 * never block. Thread-safe.
 */
abstract sealed class WispStream extends SocketStream<CloseReason> permits TcpStream, UdpStream {
    private static final System.Logger LOG = System.getLogger(WispStream.class.getName());

    final WispStreamContext wisp;
    final Connect request;
    final int id;

    WispStream(WispStreamContext wisp, Connect request) {
        super(wisp.stream(), "wisp-" + wisp.stream().connectionId() + "-" + Integer.toUnsignedString(request.streamId()));
        this.wisp = wisp;
        this.request = request;
        this.id = request.streamId();
    }

    final int id() {
        return id;
    }

    /** What the stream carries, for the per-type metrics. */
    abstract WispMetrics.StreamKind kind();

    /**
     * A DATA packet for this stream begins. False when its bytes are not taken (the stream overran its credit and is
     * finishing, or a datagram is dropped); the caller then ignores the packet's parts.
     */
    abstract boolean dataStart();

    /** The next bytes of the packet begun by {@link #dataStart}; copied before this returns. */
    abstract void dataPart(ByteBuffer part);

    abstract void dataEnd();

    /**
     * The budget whose exhaustion stops the WebSocket's reading after this stream took bytes, or null when a full
     * stream drops instead (UDP).
     */
    abstract ByteBudget readBudget();

    @Override
    protected final CloseReason failureReason(Throwable failure) {
        return CloseReasons.from(failure);
    }

    @Override
    protected final CloseReason stalledReason() {
        return CloseReason.SERVER_STREAM_TIMED_OUT;
    }

    @Override
    protected final void closed(CloseReason reason, boolean notifyPeer) {
        context.metrics().streamEnded(reason);
        wisp.closed().accept(this);
        LOG.log(System.Logger.Level.DEBUG, "[{0}] stream {1} closed: {2}", context.connectionId(),
                Integer.toUnsignedString(id), reason);
        EndedBy by = endedBy();
        java.net.InetAddress address = dialed();
        AccessLog.log(context.connection(), new AccessLog.Entry(context.connectionId(), Integer.toUnsignedString(id),
                kind().name().toLowerCase(java.util.Locale.ROOT), AccessLog.hostPort(request.hostname(),
                request.port()), address == null ? null : address.getHostAddress(), bytesUp(), bytesDown(),
                ageMillis(), reason.toString(), by == null ? null : by.label()));
        if (notifyPeer) {
            notifyClose(reason);
        }
    }

    /** Sends CLOSE. Blocking sends belong on virtual threads: from the receive thread, a new one sends it. */
    private void notifyClose(CloseReason reason) {
        Close packet = new Close(id, reason);
        if (Thread.currentThread().isVirtual()) {
            sendQuietly(packet);
        } else if (!context.threads().spawn(name() + "-close", () -> sendQuietly(packet))) {
            LOG.log(System.Logger.Level.DEBUG, "[{0}] CLOSE for stream {1} not sent: connection ending",
                    context.connectionId(), Integer.toUnsignedString(id));
        }
    }

    private void sendQuietly(Close packet) {
        try {
            sendLast(() -> context.sender().send(packet));   // after any DATA -down is sending
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "[{0}] could not send {1}: {2}", context.connectionId(), packet,
                    e.toString());
        }
    }
}
