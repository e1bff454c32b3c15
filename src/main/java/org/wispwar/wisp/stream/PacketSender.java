package org.wispwar.wisp.stream;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.wispwar.wisp.protocol.WispCodec;
import org.wispwar.wisp.protocol.WispPacket;

/**
 * The one serialized path from a session onto its WebSocket. Implementations are thread-safe: any stream thread may
 * send, and sends never interleave. A send blocks until the transport has taken the frame (so a slow client slows the
 * destinations down instead of filling memory) or fails with an {@link IOException} after the send timeout, in which
 * case the implementation has already closed the WebSocket.
 */
public interface PacketSender {
    /** Sends one encoded packet (a whole WebSocket binary message). The buffer may be reused once this returns. */
    void sendFrame(ByteBuffer frame) throws IOException;

    default void send(WispPacket packet) throws IOException {
        sendFrame(WispCodec.encode(packet));
    }

    /**
     * Sends a WebSocket ping unless a send is in progress (then the connection is busy and needs no keepalive). Returns
     * whether a ping went out. Never blocks for long; never throws.
     */
    default boolean ping() {
        return false;
    }

    /** Closes the WebSocket with a close code (RFC 6455) and a short reason. Idempotent; never throws. */
    void closeConnection(int code, String reason);
}
