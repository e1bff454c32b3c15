package org.wispwar.wisp.endpoint;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.wispwar.wisp.session.WispMetrics;

/** The MXBean over {@link WispMetrics}. Thread-safe (reads atomics). */
public final class WispStats implements WispStatsMBean {
    private final WispMetrics metrics;

    WispStats(WispMetrics metrics) {
        this.metrics = metrics;
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
