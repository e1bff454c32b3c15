package org.wispwar.wisp.session;

import java.nio.ByteBuffer;
import org.wispwar.wisp.protocol.CloseReason;

/** One stream of a session, as the session's packet dispatch sees it. Implementations are thread-safe. */
interface StreamHandle {
    int id();

    /** What the stream carries, for the per-type metrics. */
    WispMetrics.StreamKind kind();

    /** Queues a DATA payload from the client; never blocks (called on the WebSocket's receive thread). */
    void acceptData(ByteBuffer payload);

    /**
     * Ends the stream once: releases its socket and wakes its threads. Sends CLOSE with {@code reason} when
     * {@code notifyPeer}. Later calls do nothing.
     */
    void close(CloseReason reason, boolean notifyPeer);
}
