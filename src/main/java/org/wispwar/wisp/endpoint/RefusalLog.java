package org.wispwar.wisp.endpoint;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.wispwar.wisp.stream.ConnectionRecord;

/**
 * The INFO lines of refused upgrades and connections (401, 403, 1013, a refused wsproxy target), bounded so that a
 * client cannot make log lines cheaper than it can make connections: a token bucket lets {@value #BURST} lines through
 * at once and then one per second; every refusal over that is only counted, by kind, and the counts go out as one
 * summary line when {@link #flush()} runs (every minute from the registry's housekeeping, and at undeploy). So a
 * flood of any size costs at most {@value #BURST} lines, then one a second plus one a minute. One per deployment,
 * shared by {@link AccessFilter} and the endpoints through a servlet context attribute. Thread-safe: the bucket and
 * counts are guarded by {@code lock}; lines are logged outside it.
 */
final class RefusalLog {
    private static final System.Logger LOG = System.getLogger(ConnectionRecord.LOGGER);
    /** The servlet context attribute holding the deployment's instance. */
    static final String ATTRIBUTE = "org.wispwar.wisp.refusalLog";
    /** Lines logged at once before the rate applies. */
    static final int BURST = 20;
    /** After the burst, one line per this. */
    static final Duration PER_LINE = Duration.ofSeconds(1);

    private final LongSupplier nanoClock;
    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by lock. */
    private double tokens = BURST;
    /** Guarded by lock. */
    private long refilledAt;
    /** Guarded by lock: refusals not logged since the last summary, by kind. */
    private final Map<String, Long> suppressed = new TreeMap<>();

    RefusalLog(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.refilledAt = nanoClock.getAsLong();
    }

    /** The deployment's instance, made by whichever of the filter and the registry asks first. */
    static RefusalLog of(jakarta.servlet.ServletContext context) {
        synchronized (context) {   // deploy time only, on the deploying thread: no I/O under it
            Object existing = context.getAttribute(ATTRIBUTE);
            if (existing instanceof RefusalLog r) {
                return r;
            }
            RefusalLog r = new RefusalLog(System::nanoTime);
            context.setAttribute(ATTRIBUTE, r);
            return r;
        }
    }

    /**
     * A refusal of {@code kind} (e.g. {@code 401}, {@code 1013}): logs {@code line} at INFO when the rate allows,
     * otherwise counts it for the next summary. Returns whether it was logged.
     */
    boolean refused(String kind, java.util.function.Supplier<String> line) {
        if (!LOG.isLoggable(System.Logger.Level.INFO)) {
            return false;
        }
        lock.lock();
        try {
            long now = nanoClock.getAsLong();
            tokens = Math.min(BURST, tokens + (double) (now - refilledAt) / PER_LINE.toNanos());
            refilledAt = now;
            if (tokens < 1) {
                suppressed.merge(kind, 1L, Long::sum);
                return false;
            }
            tokens -= 1;
        } finally {
            lock.unlock();
        }
        LOG.log(System.Logger.Level.INFO, line.get());
        return true;
    }

    /** Logs one summary of the refusals not logged since the last one, if there were any. Returns it, or null. */
    String flush() {
        Map<String, Long> counts;
        lock.lock();
        try {
            if (suppressed.isEmpty()) {
                return null;
            }
            counts = new TreeMap<>(suppressed);
            suppressed.clear();
        } finally {
            lock.unlock();
        }
        long total = counts.values().stream().mapToLong(Long::longValue).sum();
        StringBuilder b = new StringBuilder("refusals not logged (over ").append(BURST).append(" at once or one per ")
                .append(PER_LINE.toSeconds()).append(" s): total=").append(total);
        counts.forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
        String summary = b.toString();
        LOG.log(System.Logger.Level.INFO, summary);
        return summary;
    }
}
