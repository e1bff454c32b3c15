package org.wispwar.wisp.limits;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.function.LongUnaryOperator;

/**
 * A JMH-free timing of the local rate limiter on the two hot paths (a counting {@code tryAcquire(1)} per DATA packet,
 * a throttling reserve per chunk of bytes): {@link TokenBucket} against Bucket4j's local lock-free bucket used
 * directly, on one thread and on two threads sharing a bucket (one client's streams). It decided that TokenBucket, once
 * hand-written, is now Bucket4j's bucket (README "Shared limits across instances" has the numbers of both); it now
 * shows the wrapper's cost. Prints nanoseconds per call; asserts nothing.
 * Run: {@code java -cp target/classes:target/bench-classes:<bucket4j-core jar> org.wispwar.wisp.limits.LocalBucketTiming}.
 */
public final class LocalBucketTiming {
    private static final int CALLS = 5_000_000;
    private static volatile long sink;

    public static void main(String[] args) throws Exception {
        for (int round = 1; round <= 3; round++) {
            System.out.println("round " + round);
            TokenBucket tb = new TokenBucket(1e9, 1e9, System::nanoTime);
            Bucket b4j = Bucket.builder().addLimit(Bandwidth.builder().capacity(1_000_000_000L)
                    .refillGreedy(1_000_000_000L, Duration.ofSeconds(1)).build()).build();
            report("TokenBucket.tryAcquire(1)", 1, n -> tb.tryAcquire(1) ? 1 : 0);
            report("Bucket4j tryConsume(1)", 1, n -> b4j.tryConsume(1) ? 1 : 0);
            report("TokenBucket.reserve(1500)", 1, n -> tb.reserve(1500));
            report("Bucket4j consumeIgnoringRateLimits(1500)", 1, n -> b4j.consumeIgnoringRateLimits(1500));
            report("TokenBucket.tryAcquire(1)", 2, n -> tb.tryAcquire(1) ? 1 : 0);
            report("Bucket4j tryConsume(1)", 2, n -> b4j.tryConsume(1) ? 1 : 0);
        }
    }

    private static void report(String what, int threads, LongUnaryOperator op) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            ts[t] = Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                long acc = 0;
                for (int i = 0; i < CALLS; i++) {
                    acc += op.applyAsLong(i);
                }
                sink += acc;
            });
        }
        long start = System.nanoTime();
        go.countDown();
        for (Thread t : ts) {
            t.join();
        }
        long took = System.nanoTime() - start;
        System.out.printf("  %-45s %d thread(s): %6.1f ns/call%n", what, threads, (double) took / CALLS);
    }
}
