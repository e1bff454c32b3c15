package org.wispwar.wisp.endpoint;

import org.wispwar.wisp.config.WispConfig;
import org.wispwar.wisp.limits.ByteBudget;
import org.wispwar.wisp.metrics.PrometheusMetrics;
import org.wispwar.wisp.stream.BufferPool;

/**
 * What the deployment holds for destinations, against its byte budgets: a reading for the statistics endpoint and the
 * MBean (and, as {@link PrometheusMetrics.Memory}, for the Prometheus gauges). Reads atomics; thread-safe.
 *
 * @param server the server's budget (every connection's bytes count into it)
 * @param pool   the free buffers kept for reuse
 * @param config for the per-stream and per-connection limits
 */
record MemoryStats(ByteBudget server, BufferPool pool, WispConfig config) implements PrometheusMetrics.Memory {
    /** Bytes accepted from clients and not yet written to their destinations, now. */
    @Override
    public long bufferedBytes() {
        return server == null ? 0 : server.used();
    }

    /** The most held at once since deploy. */
    @Override
    public long bufferedBytesPeak() {
        return server == null ? 0 : server.peak();
    }

    @Override
    public long serverByteBudget() {
        return config == null ? 0 : config.serverByteBudget();
    }

    @Override
    public long connectionByteBudget() {
        return config == null ? 0 : config.connectionByteBudget();
    }

    @Override
    public long streamByteBudget() {
        return config == null ? 0 : config.streamByteBudget();
    }

    /** Free buffers kept for reuse (not counted in the budgets). */
    @Override
    public long pooledBytes() {
        return pool == null ? 0 : pool.retainedBytes();
    }
}
