package org.wispwar.wisp.protocol;

import java.util.Objects;

/**
 * CONNECT (0x01), client to server: open a stream. The stream type is kept as the raw byte so that the session, not the
 * codec, answers an unknown type (CLOSE 0x41). The hostname may be empty on the wire; the session rejects that too.
 */
public record Connect(int streamId, int type, int port, String hostname) implements WispPacket {
    public Connect {
        if (type < 0 || type > 0xFF) {
            throw new IllegalArgumentException("stream type " + type + " does not fit a byte");
        }
        if (port < 0 || port > 0xFFFF) {
            throw new IllegalArgumentException("port " + port);
        }
        Objects.requireNonNull(hostname, "hostname");
    }

    public Connect(int streamId, StreamType type, int port, String hostname) {
        this(streamId, type.code(), port, hostname);
    }
}
