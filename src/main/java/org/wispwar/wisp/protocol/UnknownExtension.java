package org.wispwar.wisp.protocol;

import java.util.Arrays;

/** An extension id this server does not know, skipped by its length and kept as raw bytes. */
public record UnknownExtension(int id, byte[] payload) implements Extension {
    public UnknownExtension {
        if (id < 0 || id > 0xFF) {
            throw new IllegalArgumentException("extension id " + id + " does not fit a byte");
        }
        payload = payload.clone();
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UnknownExtension u && u.id == id && Arrays.equals(u.payload, payload);
    }

    @Override
    public int hashCode() {
        return 31 * id + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return String.format("UnknownExtension[id=0x%02x, length=%d]", id, payload.length);
    }
}
