package org.wispwar.wisp.protocol;

/**
 * A message that breaks the protocol's syntax or a connection-level rule. It ends the whole WebSocket, after every
 * stream of the connection has been released, with {@link #closeCode()}: 1002 (protocol error) for bad bytes, 1009
 * (message too big) for a message over a size limit. The message is precise and stable: tests assert it.
 */
public final class WispProtocolException extends Exception {
    /** RFC 6455 close code: protocol error. */
    public static final int PROTOCOL_ERROR = 1002;
    /** RFC 6455 close code: message too big. */
    public static final int MESSAGE_TOO_BIG = 1009;

    private final int closeCode;

    public WispProtocolException(String message) {
        this(PROTOCOL_ERROR, message);
    }

    public WispProtocolException(int closeCode, String message) {
        super(message);
        this.closeCode = closeCode;
    }

    /** The WebSocket close code the connection ends with. */
    public int closeCode() {
        return closeCode;
    }
}
