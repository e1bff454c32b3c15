package org.wispwar.wisp.endpoint;

import jakarta.websocket.CloseReason;
import jakarta.websocket.OnClose;
import jakarta.websocket.OnError;
import jakarta.websocket.OnMessage;
import jakarta.websocket.OnOpen;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpoint;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.wispwar.wisp.config.WispConfig;
import org.wispwar.wisp.protocol.WispProtocolException;
import org.wispwar.wisp.limits.ClientLimits;
import org.wispwar.wisp.limits.ConnectionLimits;
import org.wispwar.wisp.session.WispSession;
import org.wispwar.wisp.stream.AccessLog;
import org.wispwar.wisp.stream.ConnectionRecord;
import org.wispwar.wisp.stream.ReadControl;

/**
 * The Wisp endpoint, {@code ws://host:port/<context>/}: thin. It takes binary messages in parts as the container reads
 * them (so no message is ever held whole, whatever its size), hands each part to the connection's {@link WispSession},
 * and maps connection-level failures to WebSocket close codes: a text frame → 1003, a malformed packet → 1002 with the
 * reason, a message over wisp.maxMessageSize → 1009. The session pauses and resumes the WebSocket's reading through
 * the container's own mechanism ({@link ReadControls}). One instance per WebSocket; the container calls it one event at
 * a time.
 */
@ServerEndpoint(value = "/", configurator = EndpointConfigurator.class)
public final class WispEndpoint {
    private static final System.Logger LOG = System.getLogger(WispEndpoint.class.getName());
    static final String TEXT_REFUSED = "text frames are not part of the Wisp protocol";
    /** RFC 6455 registry: "Try Again Later", for connections refused by a per-IP limit. */
    static final int TRY_AGAIN_LATER = 1013;
    /** Text frames are refused anyway; a small buffer is enough to read one and answer 1003. */
    static final int TEXT_BUFFER_BYTES = 1024;

    private final WispRegistry registry;
    private volatile WispSession wisp;
    /** The connection's one writer, once it is admitted; a close after that goes through it (see closeConnection). */
    private volatile JakartaPacketSender sender;
    private volatile ReadControl reads = ReadControl.NONE;
    /** Who the connection is; null until it is admitted. */
    private volatile ConnectionRecord connection;

    public WispEndpoint() {
        throw new IllegalStateException("WispEndpoint is built by EndpointConfigurator");
    }

    WispEndpoint(WispRegistry registry) {
        this.registry = registry;
    }

    @OnOpen
    public void onOpen(Session ws) {
        WispConfig config = registry.config();
        ReadControls.limitMessages(ws, TEXT_BUFFER_BYTES);
        ws.setMaxIdleTimeout(config.idleTimeout().toMillis());
        String subprotocol = ws.getNegotiatedSubprotocol();
        ConnectionRecord record = registry.connection(registry.nextId(), ws.getUserProperties(),
                subprotocol != null && !subprotocol.isEmpty() ? ConnectionRecord.Kind.V2 : ConnectionRecord.Kind.V1,
                null);
        ClientLimits.Admission admission = registry.admit(record.clientIp());
        if (admission instanceof ClientLimits.Refused r) {
            refuseConnection(registry, ws, record, r);
            return;
        }
        ConnectionLimits limits = ((ClientLimits.Admitted) admission).limits();
        JakartaPacketSender sender = new JakartaPacketSender(ws, config.sendTimeout(), this::end, record);
        this.sender = sender;
        this.connection = record;
        reads = ReadControls.of(ws);
        WispSession session = registry.open(record, sender, subprotocol != null && !subprotocol.isEmpty(), limits,
                reads);
        wisp = session;
        try {
            session.start();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "[{0}] could not send the initial CONTINUE: {1}", session.id(),
                    e.toString());
            end();
        }
    }

    /** One part of a binary message: a view of the container's buffer, copied where needed before this returns. */
    @OnMessage
    public void onBinary(ByteBuffer part, boolean last, Session ws) {
        try {
            WispSession session = wisp;
            if (session != null) {
                session.onMessagePart(part, last);
            }
        } catch (WispProtocolException e) {
            // INFO: ending its own connection is all a client gets for it, so this cannot flood the log
            LOG.log(System.Logger.Level.INFO, "[{0}] protocol error, closing with {1}: {2}", wisp.id(), Integer.toString(e.closeCode()),
                    AccessLog.value(e.getMessage()));
            closeAndEnd(ws, e.closeCode(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "[" + wisp.id() + "] internal error", e);
            closeAndEnd(ws, CloseReason.CloseCodes.UNEXPECTED_CONDITION.getCode(), "internal error");
        } finally {
            reads.partDone();   // every call: on Jetty this asks for the next part (or the client's close)
        }
    }

    /** Any pong answers the keepalive pings. */
    @OnMessage
    public void onPong(PongMessage pong) {
        WispSession session = wisp;
        if (session != null) {
            session.pongReceived();
        }
    }

    @OnMessage
    public void onText(String text, Session ws) {
        try {
            WispSession session = wisp;
            if (session != null) {
                LOG.log(System.Logger.Level.INFO, "[{0}] text frame, closing with 1003", session.id());
            }
            closeAndEnd(ws, CloseReason.CloseCodes.CANNOT_ACCEPT.getCode(), TEXT_REFUSED);
        } finally {
            reads.textDone();
        }
    }

    @OnClose
    public void onClose(Session ws, CloseReason reason) {
        closedBy(connection, reason);
        end();
    }

    @OnError
    public void onError(Session ws, Throwable failure) {
        WispSession session = wisp;
        LOG.log(System.Logger.Level.DEBUG, "[{0}] WebSocket error: {1}", session == null ? ws.getId() : session.id(),
                failure.toString());
        ConnectionRecord c = connection;
        if (c != null) {
            c.closing(CloseReason.CloseCodes.CLOSED_ABNORMALLY.getCode(), failure.toString(), "network");
        }
        end();
    }

    /**
     * Records how the WebSocket ended, unless the server closed it first: the client's close code, or 1006 from the
     * container when the connection broke without a close frame.
     */
    static void closedBy(ConnectionRecord c, CloseReason reason) {
        if (c != null) {
            int code = reason.getCloseCode().getCode();
            c.closing(code, reason.getReasonPhrase(),
                    code == CloseReason.CloseCodes.CLOSED_ABNORMALLY.getCode() ? "network" : "client");
        }
    }

    /**
     * A connection over a per-IP limit: closed at once with 1013, and one INFO line, within {@link RefusalLog}'s rate
     * (a refused client costs the server little, so its lines must not cost more).
     */
    static void refuseConnection(WispRegistry registry, Session ws, ConnectionRecord c, ClientLimits.Refused r) {
        registry.metrics().upgradeRefused(TRY_AGAIN_LATER);
        registry.refusals().refused("1013", () -> "[" + c.id() + "] connection refused (1013, " + r.limit() + "): "
                + c.who());
        JakartaPacketSender.close(ws, TRY_AGAIN_LATER, r.reason());
    }

    /**
     * The server ends the connection with {@code code}: recorded first, so the closed line says so. The close frame
     * goes out before the session ends: ending it interrupts the streams' threads, and on Tomcat a blocking send that is
     * interrupted closes the WebSocket itself with 1001 and drops the socket, so the client saw 1001 or a broken
     * connection instead of {@code code} (one run in a few under load). The writer sends nothing else once the close has
     * begun, so the close waits for at most the one send in progress.
     */
    private void closeAndEnd(Session ws, int code, String reason) {
        ConnectionRecord c = connection;
        if (c != null) {
            c.closing(code, reason, "server");
        }
        close(ws, code, reason);
        end();
    }

    /** Closes the WebSocket after any send in progress (through the one writer once there is one). */
    private void close(Session ws, int code, String reason) {
        JakartaPacketSender s = sender;
        if (s != null) {
            s.closeConnection(code, reason);
        } else {
            JakartaPacketSender.close(ws, code, reason);
        }
    }

    /** Ends the session; never through the registry, which may already be gone when a late error arrives. */
    private void end() {
        WispSession session = wisp;
        if (session != null) {
            session.shutdown();
        }
    }
}
