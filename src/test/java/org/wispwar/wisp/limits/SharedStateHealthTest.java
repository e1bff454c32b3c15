package org.wispwar.wisp.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SharedStateHealthTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final List<String> reports = new ArrayList<>();
    private final SharedStateHealth health = new SharedStateHealth(now::get, 1_000_000_000L,
            new SharedStateHealth.Reporter() {
                @Override
                public void down(String detail) {
                    reports.add("down " + detail);
                }

                @Override
                public void up(long downNanos) {
                    reports.add("up after " + downNanos);
                }
            });

    @Test
    void oneWarningPerOutageAndOneRecovery() {
        assertTrue(health.up());
        assertTrue(health.shouldTry());
        health.succeeded();
        assertEquals(List.of(), reports, "a success while up says nothing");

        health.failed(new TimeoutException());
        health.failed(new IOException("refused"));
        health.failed(new IOException("refused"));
        assertFalse(health.up());
        assertEquals(List.of("down no answer in time"), reports, "one report per outage");
        assertEquals(3, health.failures());

        now.addAndGet(2_500_000_000L);
        health.succeeded();
        health.succeeded();
        assertTrue(health.up());
        assertEquals(List.of("down no answer in time", "up after 2500000000"), reports);

        health.failed(new java.util.concurrent.CompletionException(new IOException("reset")));
        assertEquals("down IOException: reset", reports.get(2), "a second outage is reported again");
    }

    @Test
    void whileDownTheStoreIsTriedOncePerInterval() {
        health.failed(new TimeoutException());
        assertFalse(health.shouldTry(), "right after the failure");
        now.addAndGet(999_999_999L);
        assertFalse(health.shouldTry(), "just before the interval");
        now.addAndGet(1);
        assertTrue(health.shouldTry(), "the probe");
        assertFalse(health.shouldTry(), "only one caller probes");
        now.addAndGet(1_000_000_000L);
        assertTrue(health.shouldTry(), "the next interval's probe");
        health.succeeded();
        assertTrue(health.shouldTry());
        assertTrue(health.shouldTry(), "every call goes to the store while up");
    }
}
