package org.wispwar.wisp.protocol;

import java.util.Objects;

/**
 * CLOSE (0x04), both directions: the stream ends at once. The codec emits exactly one reason byte and accepts longer
 * payloads (wisp-server-node sends 4 bytes), using the first; an unknown reason byte decodes to
 * {@link CloseReason#UNKNOWN}, and {@link #rawReason()} keeps the byte for logs.
 */
public record Close(int streamId, CloseReason reason, int rawReason) implements WispPacket {
    public Close {
        Objects.requireNonNull(reason, "reason");
        if (rawReason < 0 || rawReason > 0xFF) {
            throw new IllegalArgumentException("reason " + rawReason + " does not fit a byte");
        }
    }

    public Close(int streamId, CloseReason reason) {
        this(streamId, reason, reason.code());
    }
}
