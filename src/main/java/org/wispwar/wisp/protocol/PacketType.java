package org.wispwar.wisp.protocol;

/**
 * Wisp packet type bytes (wisp-protocol.md §2). Stateless constants; thread-safe.
 */
public final class PacketType {
    public static final int CONNECT = 0x01;
    public static final int DATA = 0x02;
    public static final int CONTINUE = 0x03;
    public static final int CLOSE = 0x04;
    /** v2 only, stream 0, handshake only. */
    public static final int INFO = 0x05;

    private PacketType() {
    }

    /** The spec's name of a type byte, or {@code 0xNN} for an unknown one (for logs and exception messages). */
    public static String name(int type) {
        return switch (type) {
            case CONNECT -> "CONNECT";
            case DATA -> "DATA";
            case CONTINUE -> "CONTINUE";
            case CLOSE -> "CLOSE";
            case INFO -> "INFO";
            default -> String.format("0x%02x", type);
        };
    }
}
