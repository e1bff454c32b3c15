package org.wispwar.wisp.endpoint;

import java.util.List;
import java.util.Map;
import org.wispwar.wisp.stream.ConnectionRecord;

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

    // ------------------------------------------------------------------ operations on connections (README "Statistics
    // and JMX"): kept together here

    /**
     * One open connection, as {@link #listConnections()} shows it (an MXBean maps it to CompositeData). Immutable.
     *
     * @param id          the connection id, as in every log line about it
     * @param clientIp    the client (what a trusted proxy said, or the peer)
     * @param kind        v1, v2 or wsproxy
     * @param openedAt    when it opened, ISO-8601 UTC
     * @param streamsOpen streams open now (a wsproxy connection is one stream)
     * @param bytesUp     bytes sent on to destinations so far
     * @param bytesDown   bytes from destinations to the client so far
     */
    record OpenConnection(String id, String clientIp, String kind, String openedAt, int streamsOpen, long bytesUp,
            long bytesDown) {
        static OpenConnection of(ConnectionRecord c, int streamsOpen) {
            return new OpenConnection(c.id(), c.clientIp(), c.kind().label(), c.openedAt().toString(), streamsOpen,
                    c.bytesUp(), c.bytesDown());
        }
    }

    /** The open connections (Wisp and wsproxy), oldest first. */
    List<OpenConnection> listConnections();

    /**
     * Closes the connection with this id: each of its streams gets CLOSE 0x02 (VOLUNTARY), then its WebSocket closes
     * with 1008 {@code closed by the operator}. Returns whether such a connection was open.
     */
    boolean closeConnection(String id);
}
