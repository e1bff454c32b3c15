package org.wispwar.wisp.endpoint;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.wispwar.wisp.config.ServerVersion;
import org.wispwar.wisp.metrics.WispMetrics;

/**
 * The MXBean over {@link WispMetrics}, with the drain switch of {@link HealthState} and the operator's list and close of
 * connections. Thread-safe (reads atomics; the operations go to the registry and the health state, both thread-safe).
 */
public final class WispStats implements WispStatsMBean {
    private final WispMetrics metrics;
    private final Supplier<MemoryStats> memory;
    private final HealthState health;
    private final Supplier<List<OpenConnection>> connections;
    private final Predicate<String> close;

    /** Counters only, with a drain switch of its own and no connections to list or close (tests). */
    WispStats(WispMetrics metrics, Supplier<MemoryStats> memory) {
        this(metrics, memory, new HealthState(""), List::of, id -> false);
    }

    /**
     * @param health      readiness and the drain switch
     * @param connections the open connections, for {@link #listConnections()}
     * @param close       closes one by id, true when it was open (for {@link #closeConnection})
     */
    WispStats(WispMetrics metrics, Supplier<MemoryStats> memory, HealthState health,
            Supplier<List<OpenConnection>> connections, Predicate<String> close) {
        this.metrics = metrics;
        this.memory = memory;
        this.health = health;
        this.connections = connections;
        this.close = close;
    }

    @Override
    public boolean isDraining() {
        return health.draining();
    }

    @Override
    public void drain() {
        health.drain();
    }

    @Override
    public void resume() {
        health.resume();
    }

    @Override
    public String getVersion() {
        return ServerVersion.get();
    }

    @Override
    public long getBufferedBytes() {
        return memory.get().bufferedBytes();
    }

    @Override
    public long getBufferedBytesPeak() {
        return memory.get().bufferedBytesPeak();
    }

    @Override
    public long getServerByteBudget() {
        return memory.get().serverByteBudget();
    }

    @Override
    public long getConnectionByteBudget() {
        return memory.get().connectionByteBudget();
    }

    @Override
    public long getStreamByteBudget() {
        return memory.get().streamByteBudget();
    }

    @Override
    public long getPooledBytes() {
        return memory.get().pooledBytes();
    }

    @Override
    public long getReadsPaused() {
        return metrics.readsPaused();
    }

    @Override
    public Map<String, Long> getReadPauses() {
        return metrics.readPauses();
    }

    @Override
    public long getSessions() {
        return metrics.sessions();
    }

    @Override
    public long getStreams() {
        return metrics.streams();
    }

    @Override
    public long getThreads() {
        return metrics.threads();
    }

    @Override
    public long getSockets() {
        return metrics.sockets();
    }

    @Override
    public long getStreamsOpened() {
        return metrics.streamsOpened();
    }

    @Override
    public long getBytesFromClients() {
        return metrics.bytesFromClients();
    }

    @Override
    public long getBytesToClients() {
        return metrics.bytesToClients();
    }

    @Override
    public long getUdpDatagramsDropped() {
        return metrics.udpDatagramsDropped();
    }

    @Override
    public Map<String, Long> getStreamsByType() {
        return byTypeName(metrics.streamsByType());
    }

    @Override
    public Map<String, Long> getStreamsOpenedByType() {
        return byTypeName(metrics.streamsOpenedByType());
    }

    @Override
    public Map<String, Long> getClosesByReason() {
        return metrics.closesByReason();
    }

    @Override
    public Map<String, Long> getLimitsTripped() {
        return metrics.limitsTripped();
    }

    @Override
    public List<OpenConnection> listConnections() {
        return connections.get();
    }

    @Override
    public boolean closeConnection(String id) {
        return id != null && close.test(id);
    }

    /** Type names as shown in JMX and JSON: tcp, udp, wsproxy, other. */
    static Map<String, Long> byTypeName(Map<WispMetrics.StreamKind, Long> byKind) {
        Map<String, Long> out = new LinkedHashMap<>();
        byKind.forEach((k, v) -> out.put(k.name().toLowerCase(Locale.ROOT), v));
        return out;
    }
}
