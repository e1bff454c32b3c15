package org.wispwar.wisp.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.wispwar.wisp.stream.ConnectionRecord;
import org.wispwar.wisp.testing.LogCapture;

/** Refusal lines are bounded: a burst, then one a second, and one summary of the rest. */
class RefusalLogTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final RefusalLog log = new RefusalLog(now::get);
    private final LogCapture lines = LogCapture.of(ConnectionRecord.LOGGER);

    @AfterEach
    void stop() {
        lines.close();
    }

    @Test
    void aFloodCostsABurstThenOneLineASecondAndOneSummary() {
        for (int i = 0; i < 10_000; i++) {
            log.refused(i % 2 == 0 ? "401" : "1013", () -> "refused");
        }
        assertEquals(RefusalLog.BURST, lines.lines().size(), "the burst only");

        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(2_500));
        assertTrue(log.refused("403", () -> "later"));
        assertTrue(log.refused("403", () -> "later"));
        assertFalse(log.refused("403", () -> "later"), "2.5 s refill two lines");

        String summary = log.flush();
        assertEquals("refusals not logged (over 20 at once or one per 1 s): total=9981 1013=4990 401=4990 403=1",
                summary);
        assertEquals(summary, lines.lines().get(lines.lines().size() - 1));
        assertNull(log.flush(), "nothing new to sum up");
        assertEquals(RefusalLog.BURST + 3, lines.lines().size());
    }

    @Test
    void theBurstComesBackAfterAQuietSpell() {
        for (int i = 0; i < RefusalLog.BURST + 5; i++) {
            log.refused("401", () -> "refused");
        }
        now.addAndGet(TimeUnit.SECONDS.toNanos(60));
        for (int i = 0; i < RefusalLog.BURST; i++) {
            assertTrue(log.refused("401", () -> "refused"), "line " + i + " after a quiet minute");
        }
        assertFalse(log.refused("401", () -> "refused"), "the bucket holds no more than the burst");
    }
}
