package org.wispwar.wisp.protocol;

import java.util.Optional;

/**
 * Stream types a CONNECT may name (wisp-protocol.md §4). {@link Connect} keeps the raw byte, so an unknown type reaches
 * the session, which answers it with CLOSE 0x41 rather than a connection error. Immutable; thread-safe.
 */
public enum StreamType {
    TCP(0x01),
    UDP(0x02);

    private final int code;

    StreamType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The type for a wire byte, or empty for a type this server does not know (e.g. 0x03 TWisp). */
    public static Optional<StreamType> of(int code) {
        return switch (code) {
            case 0x01 -> Optional.of(TCP);
            case 0x02 -> Optional.of(UDP);
            default -> Optional.empty();
        };
    }
}
