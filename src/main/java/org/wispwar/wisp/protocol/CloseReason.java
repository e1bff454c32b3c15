package org.wispwar.wisp.protocol;

/**
 * CLOSE reasons (wisp-protocol.md §6), named after the domain's variants so code, logs and spec grep together.
 * Immutable; thread-safe.
 */
public enum CloseReason {
    UNKNOWN(0x01),
    VOLUNTARY(0x02),
    UNEXPECTED(0x03),
    EXTENSIONS_INCOMPATIBLE(0x04),
    SERVER_STREAM_INVALID_INFO(0x41),
    SERVER_STREAM_UNREACHABLE(0x42),
    SERVER_STREAM_CONNECTION_TIMED_OUT(0x43),
    SERVER_STREAM_CONNECTION_REFUSED(0x44),
    SERVER_STREAM_TIMED_OUT(0x47),
    SERVER_STREAM_BLOCKED_ADDRESS(0x48),
    SERVER_STREAM_THROTTLED(0x49),
    CLIENT_UNEXPECTED(0x81),
    EXTENSIONS_PASSWORD_AUTH_FAILED(0xc0),
    EXTENSIONS_CERT_AUTH_FAILED(0xc1),
    EXTENSIONS_AUTH_REQUIRED(0xc2);

    private static final CloseReason[] BY_CODE = new CloseReason[256];

    static {
        for (CloseReason r : values()) {
            BY_CODE[r.code] = r;
        }
    }

    private final int code;

    CloseReason(int code) {
        this.code = code;
    }

    /** The wire byte, 0..255. */
    public int code() {
        return code;
    }

    /** Whether {@code code} is a reason this server knows; {@link #of(int)} maps the others to {@link #UNKNOWN}. */
    public static boolean isKnown(int code) {
        return code >= 0 && code < BY_CODE.length && BY_CODE[code] != null;
    }

    /** The reason for a wire byte; an unknown byte still closes the stream, so it maps to {@link #UNKNOWN}. */
    public static CloseReason of(int code) {
        return isKnown(code) ? BY_CODE[code] : UNKNOWN;
    }

    @Override
    public String toString() {
        return String.format("%s(0x%02x)", name(), code);
    }
}
