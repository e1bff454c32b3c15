package org.wispwar.wisp.metrics;

import java.time.Duration;
import java.util.Arrays;

/**
 * The last minutes of traffic, kept on the server so the status page can draw them as soon as it opens: a fixed ring of
 * samples, one per {@link #interval()}, each with the payload bytes that came from clients and went to clients during
 * that interval and the connections and streams open at the sample. The oldest sample is overwritten once the ring is
 * full, so memory is bounded by the capacity (five {@code long}s per sample: 180 samples take about 7 KiB).
 *
 * <p>Bytes per interval are the differences of the cumulative counters ({@link WispMetrics#bytesFromClients()},
 * {@link WispMetrics#bytesToClients()}) between two samples, so the sum over the ring is exactly the traffic of its
 * window, and nothing sent between samples is lost or counted twice.
 *
 * <p>Thread-safe: {@link #sample} (the registry's housekeeping thread) and {@link #snapshot} (request threads) take the
 * object's monitor, and neither does any I/O while holding it.
 */
public final class ThroughputHistory {
    /** How often the registry samples: often enough for a useful chart, rarely enough to cost nothing. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
    /** Samples kept by default: 15 minutes at {@link #DEFAULT_INTERVAL}. */
    public static final int DEFAULT_CAPACITY = 180;

    private final Duration interval;
    private final long[] time;
    private final long[] fromClients;
    private final long[] toClients;
    private final long[] sessions;
    private final long[] streams;
    /** Where the next sample goes. */
    private int next;
    /** Samples held, at most the capacity. */
    private int count;
    private long lastFromClients;
    private long lastToClients;

    /**
     * An empty ring.
     *
     * @param capacity         samples kept, 1..100000
     * @param interval         the time between samples (for readers of the snapshot; the caller does the timing)
     * @param fromClientsTotal the cumulative bytes-from-clients counter now, the baseline of the first sample
     * @param toClientsTotal   the cumulative bytes-to-clients counter now
     */
    public ThroughputHistory(int capacity, Duration interval, long fromClientsTotal, long toClientsTotal) {
        if (capacity < 1 || capacity > 100_000) {
            throw new IllegalArgumentException("capacity must be 1..100000, was " + capacity);
        }
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive, was " + interval);
        }
        this.interval = interval;
        time = new long[capacity];
        fromClients = new long[capacity];
        toClients = new long[capacity];
        sessions = new long[capacity];
        streams = new long[capacity];
        lastFromClients = fromClientsTotal;
        lastToClients = toClientsTotal;
    }

    /** A ring of {@link #DEFAULT_CAPACITY} samples every {@link #DEFAULT_INTERVAL}, starting from the counters now. */
    public static ThroughputHistory of(WispMetrics metrics) {
        return new ThroughputHistory(DEFAULT_CAPACITY, DEFAULT_INTERVAL, metrics.bytesFromClients(),
                metrics.bytesToClients());
    }

    public Duration interval() {
        return interval;
    }

    public int capacity() {
        return time.length;
    }

    /** Takes a sample of {@code metrics} now, stamped {@code epochMillis}. */
    public void sample(long epochMillis, WispMetrics metrics) {
        sample(epochMillis, metrics.bytesFromClients(), metrics.bytesToClients(), metrics.sessions(),
                metrics.streams());
    }

    /**
     * Adds a sample: the bytes since the previous sample are the growth of the cumulative totals. A total that went
     * down (it never should: the counters only grow) counts as no bytes and becomes the new baseline.
     */
    public synchronized void sample(long epochMillis, long fromClientsTotal, long toClientsTotal, long sessionsNow,
                                    long streamsNow) {
        time[next] = epochMillis;
        fromClients[next] = Math.max(0, fromClientsTotal - lastFromClients);
        toClients[next] = Math.max(0, toClientsTotal - lastToClients);
        sessions[next] = sessionsNow;
        streams[next] = streamsNow;
        lastFromClients = fromClientsTotal;
        lastToClients = toClientsTotal;
        next = (next + 1) % time.length;
        count = Math.min(count + 1, time.length);
    }

    /** The samples held now, oldest first (a copy: later samples do not change it). */
    public synchronized Snapshot snapshot() {
        int start = (next - count + time.length) % time.length;
        return new Snapshot(interval, time.length, ordered(time, start), ordered(fromClients, start), ordered(toClients, start),
                ordered(sessions, start), ordered(streams, start));
    }

    private long[] ordered(long[] ring, int start) {
        long[] out = new long[count];
        for (int i = 0; i < count; i++) {
            out[i] = ring[(start + i) % ring.length];
        }
        return out;
    }

    /**
     * The samples, oldest first, as parallel arrays of equal length. Immutable once built (the accessors return the
     * arrays themselves: callers must not change them); thread-safe.
     *
     * @param interval         the time between samples
     * @param capacity         the most samples the ring holds
     * @param time             when each sample was taken, milliseconds since the epoch
     * @param bytesFromClients payload bytes from clients during the interval that ended at the sample
     * @param bytesToClients   payload bytes to clients during that interval
     * @param sessions         connections open at the sample
     * @param streams          streams open at the sample
     */
    public record Snapshot(Duration interval, int capacity, long[] time, long[] bytesFromClients, long[] bytesToClients,
                           long[] sessions, long[] streams) {
        public int size() {
            return time.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Snapshot s && interval.equals(s.interval) && capacity == s.capacity
                    && Arrays.equals(time, s.time)
                    && Arrays.equals(bytesFromClients, s.bytesFromClients)
                    && Arrays.equals(bytesToClients, s.bytesToClients) && Arrays.equals(sessions, s.sessions)
                    && Arrays.equals(streams, s.streams);
        }

        @Override
        public int hashCode() {
            return 31 * interval.hashCode() + Arrays.hashCode(time);
        }

        @Override
        public String toString() {
            return "Snapshot[interval=" + interval + ", capacity=" + capacity + ", time=" + Arrays.toString(time) + ", bytesFromClients="
                    + Arrays.toString(bytesFromClients) + ", bytesToClients=" + Arrays.toString(bytesToClients)
                    + ", sessions=" + Arrays.toString(sessions) + ", streams=" + Arrays.toString(streams) + "]";
        }
    }
}
