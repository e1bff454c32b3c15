package org.wispwar.wisp.protocol;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * DATA (0x02), both directions: raw stream bytes, possibly empty. The payload is the bytes between position and limit.
 * A decoded payload is a read-only slice of the received message, which the session owns (the endpoint receives a
 * fresh array per message), so queueing it copies nothing. Equality compares the remaining bytes.
 */
public record Data(int streamId, ByteBuffer payload) implements WispPacket {
    public Data {
        Objects.requireNonNull(payload, "payload");
    }

    public static Data of(int streamId, byte[] bytes) {
        return new Data(streamId, ByteBuffer.wrap(bytes));
    }

    @Override
    public String toString() {
        return "Data[streamId=" + Integer.toUnsignedString(streamId) + ", length=" + payload.remaining() + "]";
    }
}
