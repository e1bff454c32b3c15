package org.wispwar.wisp.limits;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Whether the shared store answers: UP until a call fails or times out, then DOWN until one succeeds again. The first
 * failure of an outage is reported once (a WARNING), the first success after it once (an INFO). While DOWN, callers
 * skip the store for {@code retryNanos} between attempts, so an outage costs one timed-out call per interval, not one
 * per connection; any call after the interval is the probe that may bring it back. Thread-safe (atomics only).
 */
public final class SharedStateHealth {
    /** Where the up/down changes are reported; the registry's is the logger, tests record them. */
    public interface Reporter {
        void down(String detail);

        void up(long downNanos);
    }

    private final LongSupplier clock;
    private final long retryNanos;
    private final Reporter reporter;
    private final AtomicBoolean up = new AtomicBoolean(true);
    private final AtomicLong downSince = new AtomicLong();
    private final AtomicLong nextTry = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    public SharedStateHealth(LongSupplier clock, long retryNanos, Reporter reporter) {
        this.clock = clock;
        this.retryNanos = retryNanos;
        this.reporter = reporter;
    }

    /** Whether a call should go to the store now: always while UP, once per retry interval while DOWN. */
    public boolean shouldTry() {
        if (up.get()) {
            return true;
        }
        long now = clock.getAsLong();
        long next = nextTry.get();
        return now - next >= 0 && nextTry.compareAndSet(next, now + retryNanos);
    }

    /** A call answered in time. */
    public void succeeded() {
        if (!up.get() && up.compareAndSet(false, true)) {
            reporter.up(clock.getAsLong() - downSince.get());
        }
    }

    /** A call failed or timed out. */
    public void failed(Throwable cause) {
        failures.incrementAndGet();
        if (up.get()) {
            long now = clock.getAsLong();
            downSince.set(now);
            nextTry.set(now + retryNanos);
            if (up.compareAndSet(true, false)) {
                reporter.down(describe(cause));
            }
        }
    }

    public boolean up() {
        return up.get();
    }

    /** Calls that failed or timed out since deploy. */
    public long failures() {
        return failures.get();
    }

    static String describe(Throwable cause) {
        Throwable t = cause;
        while ((t instanceof java.util.concurrent.CompletionException
                || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof java.util.concurrent.TimeoutException) {
            return "no answer in time";
        }
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
