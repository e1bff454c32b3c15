package org.wispwar.wisp.endpoint;

import java.util.Map;

/**
 * The JMX view of a deployment's live counters (see {@link org.wispwar.wisp.metrics.WispMetrics}), registered as an
 * MXBean so that the maps are open types (TabularData of key/value rows) any JMX console can show. The JSON statistics
 * endpoint shows the same numbers under the same names. Also the drain switch: {@link #drain()} and {@link #resume()}.
 * Every attribute and operation has a description any JMX console shows ({@link WispStatsDescriptions}).
 */
public interface WispStatsMBean {
    /** The WAR's version (its MANIFEST's Implementation-Version). */
    String getVersion();

    long getSessions();

    long getStreams();

    long getThreads();

    long getSockets();

    long getStreamsOpened();

    long getBytesFromClients();

    long getBytesToClients();

    long getUdpDatagramsDropped();

    /** Streams open now by type: tcp, udp, wsproxy, other (unknown CONNECT types, refused with 0x41). */
    Map<String, Long> getStreamsByType();

    /** Streams opened so far by type. */
    Map<String, Long> getStreamsOpenedByType();

    /** Streams ended so far by CLOSE reason name (refusals included, e.g. SERVER_STREAM_BLOCKED_ADDRESS). */
    Map<String, Long> getClosesByReason();

    /** Times each limit refused or throttled something, by param name. */
    Map<String, Long> getLimitsTripped();

    /** Bytes accepted from clients and not yet written to their destinations (queue memory held), now. */
    long getBufferedBytes();

    /** The most {@link #getBufferedBytes()} has been since deploy. */
    long getBufferedBytesPeak();

    /** wisp.serverByteBudget: the cap on {@link #getBufferedBytes()}. */
    long getServerByteBudget();

    /** wisp.connectionByteBudget. */
    long getConnectionByteBudget();

    /** wisp.streamByteBudget. */
    long getStreamByteBudget();

    /** Free buffers kept for reuse, not held for anyone (not counted in the budgets). */
    long getPooledBytes();

    /** WebSockets whose reading is paused now because a byte budget is full. */
    long getReadsPaused();

    /** Times reading paused so far, by the budget that was full (its param name). */
    Map<String, Long> getReadPauses();

    /** Whether the deployment is draining: readiness DOWN, new WebSocket upgrades refused with 503. */
    boolean isDraining();

    /**
     * Stops taking new connections: {@code /health/ready} answers 503 DOWN and new WebSocket upgrades (Wisp and
     * wsproxy) get 503 with {@code Retry-After}, while open connections go on and may still open streams. Idempotent.
     */
    void drain();

    /** Takes new connections again after {@link #drain()}. Idempotent. */
    void resume();
}
