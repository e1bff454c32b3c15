package org.wispwar.wisp.limits;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A token bucket: {@code capacity} tokens, refilled continuously (Bucket4j's greedy refill) at {@code amount} per
 * period, starting full, so a limit of N lets exactly N through at once and then N per refill period. {@link #tryAcquire}
 * never waits (counting limits); {@link #reserve} takes tokens even into debt and says how long to wait (throttling:
 * nothing is dropped, the caller sleeps off the debt, which keeps a throttled byte rate exact over time). The same
 * library's buckets hold the shared limits in Redis ({@link RedisSharedLimits}), so there is one way to rate-limit; its
 * local bucket timed as fast as the hand-written one it replaced (README "Shared limits across instances"). Bucket4j
 * refills at most one token per nanosecond, so above that rate a token stands for 1024 (or 1024², ...) units. The
 * clock is injectable. Thread-safe (Bucket4j's lock-free bucket).
 */
final class TokenBucket {
    private final Bucket bucket;
    /** In tokens. */
    private final long capacity;
    /** Units (bytes, packets) per token. */
    private final long unit;
    private final double nanosPerToken;

    TokenBucket(double capacity, double perSecond, LongSupplier clock) {
        this(capacity, perSecond, 1_000_000_000L, clock);
    }

    TokenBucket(double capacity, double amount, long periodNanos, LongSupplier clock) {
        long u = 1;
        while (amount / u > periodNanos) {
            u *= 1024;
        }
        this.unit = u;
        this.capacity = Math.max(1, (long) Math.ceil(capacity / u));
        long refill = Math.max(1, Math.round(amount / u));
        this.nanosPerToken = (double) periodNanos / refill;
        TimeMeter time = new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                return clock.getAsLong();
            }

            @Override
            public boolean isWallClockBased() {
                return false;
            }
        };
        this.bucket = Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(this.capacity).refillGreedy(refill, Duration.ofNanos(periodNanos))
                        .build())
                .withCustomTimePrecision(time)
                .build();
    }

    /** A bucket for "N per minute": N at once, refilled at N/60 per second. */
    static TokenBucket perMinute(int n, LongSupplier clock) {
        return new TokenBucket(n, n, 60_000_000_000L, clock);
    }

    /** A bucket for bytes per second, allowing a burst of a tenth of a second (at least 16 KiB). */
    static TokenBucket bytesPerSecond(long rate, LongSupplier clock) {
        return new TokenBucket(Math.max(rate / 10.0, 16 * 1024), rate, clock);
    }

    private long tokens(long n) {
        return (n + unit - 1) / unit;
    }

    boolean tryAcquire(long n) {
        return bucket.tryConsume(tokens(n));
    }

    /** Takes {@code n} tokens now, possibly into debt; returns the nanoseconds to wait until the debt is paid. */
    long reserve(long n) {
        if (n <= 0) {
            long available = bucket.getAvailableTokens();
            return available >= 0 ? 0 : (long) Math.ceil(-available * nanosPerToken);
        }
        return bucket.consumeIgnoringRateLimits(tokens(n));
    }

    /** Whether the bucket is full again (its owner is idle and may be forgotten). */
    boolean isFull() {
        return bucket.getAvailableTokens() >= capacity;
    }
}
