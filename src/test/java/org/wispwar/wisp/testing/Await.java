package org.wispwar.wisp.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.wispwar.wisp.metrics.WispMetrics;

/** A bounded poll for conditions no latch can signal (counters in {@link WispMetrics}). Stateless. */
public final class Await {
    public static final long TIMEOUT_SECONDS = 5;

    private Await() {
    }

    /** Polls {@code condition} every millisecond for up to 5 s, then fails naming {@code what}. */
    public static void until(String what, BooleanSupplier condition) {
        until(() -> what, condition);
    }

    public static void until(Supplier<String> what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("not true within " + TIMEOUT_SECONDS + " s: " + what.get());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }
}
