package org.wispwar.wisp.endpoint;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.wispwar.wisp.config.ServerVersion;
import org.wispwar.wisp.metrics.WispMetrics;

/** The MXBean over {@link WispMetrics}, and the drain switch of {@link HealthState}. Thread-safe (reads atomics). */
public final class WispStats implements WispStatsMBean {
    private final WispMetrics metrics;
    private final Supplier<MemoryStats> memory;
    private final HealthState health;

    /** Counters only, with a drain switch of its own (tests). */
    WispStats(WispMetrics metrics, Supplier<MemoryStats> memory) {
        this(metrics, memory, new HealthState(""));
    }

    WispStats(WispMetrics metrics, Supplier<MemoryStats> memory, HealthState health) {
        this.metrics = metrics;
        this.memory = memory;
        this.health = health;
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

    /** Type names as shown in JMX and JSON: tcp, udp, wsproxy, other. */
    static Map<String, Long> byTypeName(Map<WispMetrics.StreamKind, Long> byKind) {
        Map<String, Long> out = new LinkedHashMap<>();
        byKind.forEach((k, v) -> out.put(k.name().toLowerCase(Locale.ROOT), v));
        return out;
    }
}
