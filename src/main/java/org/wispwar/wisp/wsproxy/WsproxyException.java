package org.wispwar.wisp.wsproxy;

/**
 * A failure that ends a wsproxy WebSocket with a known WebSocket close code and reason (the message), e.g. 1008
 * {@code "wsproxy is disabled"}. Mapped by {@link WsproxyClose#from(Throwable)} as it is. Immutable once thrown.
 */
public final class WsproxyException extends Exception {
    private final int code;

    public WsproxyException(int code, String reason) {
        super(reason);
        this.code = code;
    }

    /** The WebSocket close code (RFC 6455 §7.4). */
    public int code() {
        return code;
    }
}
