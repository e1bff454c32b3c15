package org.wispwar.wisp.limits;

/**
 * The per-client-IP limits as one store shared by every instance (wisp.sharedState): the concurrent-connection count,
 * the connection and stream rates, and the bandwidth each way. The local limits of {@link ClientLimits} are checked
 * first and still apply; this adds the totals over all instances. Every call is bounded by the configured timeout and
 * answers by {@code wisp.sharedState.onFailure} when the store does not answer in time. Implementations are
 * thread-safe.
 */
public interface SharedLimits extends AutoCloseable {
    /** What {@link #admit} decided. */
    enum Admission {
        /** Counted in the store: call {@link #release} when the connection ends. */
        COUNTED,
        /** The store could not be asked; admitted by onFailure=allow, nothing to release. */
        UNCOUNTED,
        /** Over {@code wisp.maxConnectionsPerIp} over all instances. */
        TOO_MANY,
        /** Over {@code wisp.connectionRateLimit} over all instances. */
        TOO_FAST,
        /** The store could not be asked and onFailure=deny. */
        UNAVAILABLE
    }

    /** A new WebSocket from {@code ip}, already admitted by the local limits. */
    Admission admit(String ip);

    /** A connection that {@link #admit} counted has ended. Never blocks the caller. */
    void release(String ip);

    /** One more stream from {@code ip}; false when over the shared stream rate, or unavailable and onFailure=deny. */
    boolean allowNewStream(String ip);

    /**
     * Charges {@code bytes} (a batch) to the client's shared bandwidth, {@code up} towards destinations; returns the
     * nanoseconds to wait so the client stays within {@code wisp.bandwidthPerIp} over all instances (0 when the store
     * cannot be asked: the local caps still hold).
     */
    long chargeBytes(String ip, boolean up, long bytes);

    /** Whether the store answered the last call (for the metrics). */
    boolean up();

    /** Calls that failed or timed out since deploy. */
    long failures();

    /** Stops the store's threads and connection; bounded in time. */
    @Override
    void close();
}
