package org.wispwar.wisp.wsproxy;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import org.wispwar.wisp.transport.ConnectTimeoutException;
import org.wispwar.wisp.transport.DestinationBlockedException;
import org.wispwar.wisp.transport.InvalidDestinationException;

/**
 * How a wsproxy WebSocket ends: a WebSocket close code (RFC 6455 §7.4) and a short reason. {@link #from(Throwable)} is
 * the single mapping from a failure to what the client sees, the wsproxy counterpart of Wisp's {@code CloseReasons.from}:
 * the client asked for this destination, so the reasons say what happened to it, never more (no addresses, no
 * exception text from the destination). Immutable; thread-safe.
 *
 * @param code   the WebSocket close code
 * @param reason the close reason phrase (short: a close frame carries at most 123 bytes of it)
 */
public record WsproxyClose(int code, String reason) {
    /** 1000: the destination closed its end (EOF). */
    public static final int NORMAL_CLOSURE = 1000;
    /** 1001: undeploy, or the client stopped reading for wisp.sendTimeout. */
    public static final int GOING_AWAY = 1001;
    /** 1008: refused by the server's rules (target syntax, wsproxy disabled, address policy, client overrun). */
    public static final int POLICY_VIOLATION = 1008;
    /** 1009: a client message over wisp.maxMessageSize. */
    public static final int MESSAGE_TOO_BIG = 1009;
    /** 1011: a defect of ours. */
    public static final int INTERNAL_ERROR = 1011;
    /** 1014 (IANA "Bad Gateway"): the destination could not be reached or failed. */
    public static final int BAD_GATEWAY = 1014;

    public static final String DESTINATION_CLOSED = "destination closed the connection";
    public static final String DESTINATION_BLOCKED = "destination blocked";
    public static final String HOST_NOT_FOUND = "host not found";
    public static final String NO_ROUTE = "no route to host";
    public static final String CONNECTION_REFUSED = "connection refused";
    public static final String CONNECT_TIMED_OUT = "connect timed out";
    public static final String DESTINATION_TIMED_OUT = "destination timed out";
    public static final String DESTINATION_FAILED = "destination connection failed";
    public static final String DESTINATION_NOT_READING = "destination not reading";
    public static final String INTERNAL = "internal error";
    public static final String TOO_BIG = "message too big";

    public WsproxyClose {
        if (code < 1000 || code > 4999 || reason == null) {
            throw new IllegalArgumentException("close " + code + " " + reason);
        }
    }

    /** The one failure → close table (README, "wsproxy mode"); unit-tested row by row. */
    public static WsproxyClose from(Throwable failure) {
        return switch (failure) {
            case WsproxyException e -> new WsproxyClose(e.code(), e.getMessage());
            case InvalidDestinationException e ->
                    new WsproxyClose(POLICY_VIOLATION, WsproxyTarget.INVALID + e.getMessage());
            case DestinationBlockedException e -> new WsproxyClose(POLICY_VIOLATION, DESTINATION_BLOCKED);
            case UnknownHostException e -> new WsproxyClose(BAD_GATEWAY, HOST_NOT_FOUND);
            case NoRouteToHostException e -> new WsproxyClose(BAD_GATEWAY, NO_ROUTE);
            case ConnectTimeoutException e -> new WsproxyClose(BAD_GATEWAY, CONNECT_TIMED_OUT);
            case SocketTimeoutException e -> new WsproxyClose(BAD_GATEWAY, DESTINATION_TIMED_OUT);
            case ConnectException e -> new WsproxyClose(BAD_GATEWAY, CONNECTION_REFUSED);
            case EOFException e -> new WsproxyClose(NORMAL_CLOSURE, DESTINATION_CLOSED);
            case IOException e -> new WsproxyClose(BAD_GATEWAY, DESTINATION_FAILED);
            default -> new WsproxyClose(INTERNAL_ERROR, INTERNAL);
        };
    }
}
