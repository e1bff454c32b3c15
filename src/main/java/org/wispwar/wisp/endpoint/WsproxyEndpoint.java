package org.wispwar.wisp.endpoint;

import jakarta.websocket.CloseReason;
import jakarta.websocket.OnClose;
import jakarta.websocket.OnError;
import jakarta.websocket.OnMessage;
import jakarta.websocket.OnOpen;
import jakarta.websocket.Session;
import jakarta.websocket.server.PathParam;
import jakarta.websocket.server.ServerEndpoint;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.wispwar.wisp.config.WispConfig;
import org.wispwar.wisp.limits.ClientLimits;
import org.wispwar.wisp.limits.ConnectionLimits;
import org.wispwar.wisp.stream.AccessLog;
import org.wispwar.wisp.stream.ConnectionRecord;
import org.wispwar.wisp.stream.ReadControl;
import org.wispwar.wisp.wsproxy.WsproxyBridge;
import org.wispwar.wisp.wsproxy.WsproxyClose;
import org.wispwar.wisp.wsproxy.WsproxyException;
import org.wispwar.wisp.wsproxy.WsproxyTarget;
import org.wispwar.wisp.transport.InvalidDestinationException;

/**
 * The wsproxy endpoint, {@code ws://host:port/<context>/<target>} with no trailing slash (wisp-protocol.md §10): thin.
 * The one path segment is a fixed route name or {@code host:port} ({@link WsproxyTarget#parse}); the connection is a
 * {@link WsproxyBridge}. Binary messages are written to the socket as they are, text messages as their UTF-8 bytes
 * (wsproxy clients send either). A target that is refused before dialing closes the WebSocket at once with the code of
 * {@link WsproxyClose#from}. One instance per WebSocket; the container calls it one event at a time.
 */
@ServerEndpoint(value = "/{target}", configurator = EndpointConfigurator.class)
public final class WsproxyEndpoint {
    private static final System.Logger LOG = System.getLogger(WsproxyEndpoint.class.getName());

    /**
     * Text messages are taken whole (a text part could end inside a UTF-8 sequence); wsproxy clients that send text
     * send short lines. Larger text messages close with 1009.
     */
    static final int TEXT_BUFFER_BYTES = 64 * 1024;

    private final WispRegistry registry;
    private volatile WsproxyBridge bridge;
    private volatile ReadControl reads = ReadControl.NONE;
    /** Who the connection is; null until it is admitted. */
    private volatile ConnectionRecord connection;

    public WsproxyEndpoint() {
        throw new IllegalStateException("WsproxyEndpoint is built by EndpointConfigurator");
    }

    WsproxyEndpoint(WispRegistry registry) {
        this.registry = registry;
    }

    @OnOpen
    public void onOpen(Session ws, @PathParam("target") String segment) {
        WispConfig config = registry.config();
        ReadControls.limitMessages(ws, TEXT_BUFFER_BYTES);
        ws.setMaxIdleTimeout(config.idleTimeout().toMillis());
        String id = registry.nextId();
        WsproxyTarget target;
        try {
            target = WsproxyTarget.parse(segment, config);
        } catch (WsproxyException | InvalidDestinationException e) {
            WsproxyClose close = WsproxyClose.from(e);
            ConnectionRecord c = registry.connection(id, ws.getUserProperties(), ConnectionRecord.Kind.WSPROXY, segment);
            registry.refusals().refused(Integer.toString(close.code()), () -> "[" + id + "] wsproxy target refused ("
                    + close.code() + " " + AccessLog.value(close.reason()) + "): " + c.who());
            JakartaPacketSender.close(ws, close.code(), close.reason());
            return;
        }
        ConnectionRecord record = registry.connection(id, ws.getUserProperties(), ConnectionRecord.Kind.WSPROXY,
                AccessLog.hostPort(target.host(), target.port()));
        ClientLimits.Admission admission = registry.admit(record.clientIp());
        if (admission instanceof ClientLimits.Refused r) {   // the per-IP caps apply to wsproxy connections too
            WispEndpoint.refuseConnection(registry, ws, record, r);
            return;
        }
        ConnectionLimits limits = ((ClientLimits.Admitted) admission).limits();
        if (!limits.allowNewStream()) {   // a wsproxy connection is one stream: it counts against the stream rate
            limits.release();
            WispEndpoint.refuseConnection(registry, ws, record, new ClientLimits.Refused(
                    org.wispwar.wisp.config.LimitsConfig.STREAM_RATE_LIMIT, "too many new streams from your address"));
            return;
        }
        reads = ReadControls.of(ws);
        connection = record;
        WsproxyBridge b = registry.openWsproxy(record, new JakartaPacketSender(ws, config.sendTimeout(),
                this::brokenConnection, record), target, limits, reads);
        b.closed().thenRun(limits::release);
        bridge = b;
        b.start();
    }

    /** One part of a binary message: a view of the container's buffer, copied into the queue before this returns. */
    @OnMessage
    public void onBinary(ByteBuffer part, boolean last) {
        try {
            WsproxyBridge b = bridge;
            if (b != null) {
                b.acceptPart(part, last);
            }
        } finally {
            reads.partDone();   // every call: on Jetty this asks for the next part
        }
    }

    @OnMessage
    public void onText(String message) {
        try {
            WsproxyBridge b = bridge;
            if (b != null) {
                b.acceptPart(ByteBuffer.wrap(message.getBytes(StandardCharsets.UTF_8)), true);
            }
        } finally {
            reads.textDone();
        }
    }

    @OnClose
    public void onClose(Session ws, CloseReason reason) {
        WispEndpoint.closedBy(connection, reason);
        WsproxyBridge b = bridge;
        if (b == null) {
            return;
        }
        if (reason.getCloseCode().getCode() == CloseReason.CloseCodes.CLOSED_ABNORMALLY.getCode()) {
            b.shutdown();   // no close handshake: the connection broke, nothing the client sent is owed
        } else {
            b.finish();     // a clean close: the destination gets the client's last bytes, then EOF
        }
    }

    /** A send timed out or failed: the connection is unusable, so the destination is released now. */
    private void brokenConnection() {
        WsproxyBridge b = bridge;
        if (b != null) {
            b.shutdown();
        }
    }

    @OnError
    public void onError(Session ws, Throwable failure) {
        WsproxyBridge b = bridge;
        LOG.log(System.Logger.Level.DEBUG, "[{0}] WebSocket error: {1}", b == null ? ws.getId() : b.id(),
                failure.toString());
        ConnectionRecord c = connection;
        if (c != null) {
            c.closing(CloseReason.CloseCodes.CLOSED_ABNORMALLY.getCode(), failure.toString(), "network");
        }
        if (b != null) {
            b.shutdown();
        }
    }
}
