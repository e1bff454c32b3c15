package org.wispwar.wisp.limits;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * A token bucket: {@code capacity} tokens, refilled continuously at {@code perSecond}, starting full, so a limit of N
 * lets exactly N through at once and then N per refill period. {@link #tryAcquire} never waits (counting limits);
 * {@link #reserve} takes tokens even into debt and says how long to wait (throttling: nothing is dropped, the caller
 * sleeps off the debt, which keeps a throttled byte rate exact over time). The clock is injectable. Thread-safe (a short
 * lock, never held while waiting).
 */
final class TokenBucket {
    private final double capacity;
    /** The refill rate as an exact pair, {@code amount} per {@code periodNanos}: no rounding at period boundaries. */
    private final double amount;
    private final double periodNanos;
    private final LongSupplier clock;
    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by lock. */
    private double tokens;
    /** Guarded by lock. */
    private long last;

    TokenBucket(double capacity, double perSecond, LongSupplier clock) {
        this(capacity, perSecond, 1_000_000_000L, clock);
    }

    TokenBucket(double capacity, double amount, long periodNanos, LongSupplier clock) {
        this.capacity = capacity;
        this.amount = amount;
        this.periodNanos = periodNanos;
        this.clock = clock;
        this.tokens = capacity;
        this.last = clock.getAsLong();
    }

    /** A bucket for "N per minute": N at once, refilled at N/60 per second. */
    static TokenBucket perMinute(int n, LongSupplier clock) {
        return new TokenBucket(n, n, 60_000_000_000L, clock);
    }

    /** A bucket for bytes per second, allowing a burst of a tenth of a second (at least 16 KiB). */
    static TokenBucket bytesPerSecond(long rate, LongSupplier clock) {
        return new TokenBucket(Math.max(rate / 10.0, 16 * 1024), rate, clock);
    }

    boolean tryAcquire(long n) {
        lock.lock();
        try {
            refillLocked();
            if (tokens < n) {
                return false;
            }
            tokens -= n;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Takes {@code n} tokens now, possibly into debt; returns the nanoseconds to wait until the debt is paid. */
    long reserve(long n) {
        lock.lock();
        try {
            refillLocked();
            tokens -= n;
            return tokens >= 0 ? 0 : (long) Math.ceil(-tokens * periodNanos / amount);
        } finally {
            lock.unlock();
        }
    }

    /** Whether the bucket is full again (its owner is idle and may be forgotten). */
    boolean isFull() {
        lock.lock();
        try {
            refillLocked();
            return tokens >= capacity;
        } finally {
            lock.unlock();
        }
    }

    private void refillLocked() {
        long now = clock.getAsLong();
        tokens = Math.min(capacity, tokens + (now - last) * amount / periodNanos);
        last = now;
    }
}
