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
import org.wispwar.wisp.session.ClientLimits;
import org.wispwar.wisp.session.ConnectionLimits;
import org.wispwar.wisp.session.WispSession;

/**
 * The Wisp endpoint, {@code ws://host:port/<context>/}: thin. It sets the limits, hands each binary message to the
 * connection's {@link WispSession}, and maps connection-level failures to WebSocket close codes:
 * a text frame → 1003, a malformed packet → 1002 with the reason, an oversized message → 1009 (by the container).
 * One instance per WebSocket; the container calls it one event at a time.
 */
@ServerEndpoint(value = "/", configurator = EndpointConfigurator.class)
public final class WispEndpoint {
    private static final System.Logger LOG = System.getLogger(WispEndpoint.class.getName());
    static final String TEXT_REFUSED = "text frames are not part of the Wisp protocol";
    /** RFC 6455 registry: "Try Again Later", for connections refused by a per-IP limit. */
    static final int TRY_AGAIN_LATER = 1013;

    private final WispRegistry registry;
    private volatile WispSession wisp;

    public WispEndpoint() {
        throw new IllegalStateException("WispEndpoint is built by EndpointConfigurator");
    }

    WispEndpoint(WispRegistry registry) {
        this.registry = registry;
    }

    @OnOpen
    public void onOpen(Session ws) {
        WispConfig config = registry.config();
        ws.setMaxBinaryMessageBufferSize(config.maxMessageSize());
        ws.setMaxTextMessageBufferSize(1024);
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
        String subprotocol = ws.getNegotiatedSubprotocol();
        WispSession session = registry.open(sender, subprotocol != null && !subprotocol.isEmpty(), limits);
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

    @OnMessage
    public void onBinary(byte[] message, Session ws) {
        WispSession session = wisp;
        if (session == null) {
            return;
        }
        try {
            session.onMessage(ByteBuffer.wrap(message));
        } catch (WispProtocolException e) {
            LOG.log(System.Logger.Level.DEBUG, "[{0}] protocol error: {1}", session.id(), e.getMessage());
            end();
            JakartaPacketSender.close(ws, CloseReason.CloseCodes.PROTOCOL_ERROR.getCode(), e.getMessage());
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
        end();
        JakartaPacketSender.close(ws, CloseReason.CloseCodes.CANNOT_ACCEPT.getCode(), TEXT_REFUSED);
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

    private void end() {
        WispSession session = wisp;
        if (session != null) {
            registry.close(session);
        }
    }
}
