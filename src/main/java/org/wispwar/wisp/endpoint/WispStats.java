package org.wispwar.wisp.endpoint;

import org.wispwar.wisp.session.WispMetrics;

/** Standard MBean over {@link WispMetrics}. Thread-safe (reads atomics). */
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
}
