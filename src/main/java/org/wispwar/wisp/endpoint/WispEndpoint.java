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
        Object ip = ws.getUserProperties().get(EndpointConfigurator.CLIENT_IP);
        ClientLimits.Admission admission = registry.admit(ip == null ? "unknown" : ip.toString());
        if (admission instanceof ClientLimits.Refused r) {
            LOG.log(System.Logger.Level.DEBUG, "[{0}] connection from {1} refused: {2}", ws.getId(), ip, r.limit());
            JakartaPacketSender.close(ws, TRY_AGAIN_LATER, r.reason());
            return;
        }
        ConnectionLimits limits = ((ClientLimits.Admitted) admission).limits();
        JakartaPacketSender sender = new JakartaPacketSender(ws, config.sendTimeout(), this::end);
        this.sender = sender;
        String subprotocol = ws.getNegotiatedSubprotocol();
        reads = ReadControls.of(ws);
        WispSession session = registry.open(sender, subprotocol != null && !subprotocol.isEmpty(), limits, reads);
        LOG.log(System.Logger.Level.DEBUG, "[{0}] Wisp connection from {1}", session.id(), ip);
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
            LOG.log(System.Logger.Level.DEBUG, "[{0}] protocol error: {1}", wisp.id(), e.getMessage());
            end();
            close(ws, e.closeCode(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "[" + wisp.id() + "] internal error", e);
            end();
            close(ws, CloseReason.CloseCodes.UNEXPECTED_CONDITION.getCode(), "internal error");
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
            end();
            close(ws, CloseReason.CloseCodes.CANNOT_ACCEPT.getCode(), TEXT_REFUSED);
        } finally {
            reads.textDone();
        }
    }

    @OnClose
    public void onClose(Session ws, CloseReason reason) {
        end();
    }

    @OnError
    public void onError(Session ws, Throwable failure) {
        WispSession session = wisp;
        LOG.log(System.Logger.Level.DEBUG, "[{0}] WebSocket error: {1}", session == null ? ws.getId() : session.id(),
                failure.toString());
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
