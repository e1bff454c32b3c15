package org.wispwar.wisp.endpoint;

import org.wispwar.wisp.config.WispConfig;
import org.wispwar.wisp.limits.ByteBudget;
import org.wispwar.wisp.stream.BufferPool;

/**
 * What the deployment holds for destinations, against its byte budgets: a reading for the statistics endpoint and the
 * MBean. Reads atomics; thread-safe.
 *
 * @param server the server's budget (every connection's bytes count into it)
 * @param pool   the free buffers kept for reuse
 * @param config for the per-stream and per-connection limits
 */
record MemoryStats(ByteBudget server, BufferPool pool, WispConfig config) {
    /** Bytes accepted from clients and not yet written to their destinations, now. */
    long bufferedBytes() {
        return server == null ? 0 : server.used();
    }

    /** The most held at once since deploy. */
    long bufferedBytesPeak() {
        return server == null ? 0 : server.peak();
    }

    long serverByteBudget() {
        return config == null ? 0 : config.serverByteBudget();
    }

    long connectionByteBudget() {
        return config == null ? 0 : config.connectionByteBudget();
    }

    long streamByteBudget() {
        return config == null ? 0 : config.streamByteBudget();
    }

    /** Free buffers kept for reuse (not counted in the budgets). */
    long pooledBytes() {
        return pool == null ? 0 : pool.retainedBytes();
    }
}
