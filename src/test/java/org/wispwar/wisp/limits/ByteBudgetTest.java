package org.wispwar.wisp.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Nested byte budgets: every level counts, the innermost full level is named, and drain listeners run once at half. */
class ByteBudgetTest {
    final ByteBudget server = new ByteBudget("server", 1000, null);
    final ByteBudget connection = server.child("connection", 400);
    final ByteBudget stream = connection.child("stream", 100);

    @Test
    void chargesAndReleasesCountAtEveryLevel() {
        stream.charge(60);
        connection.charge(40);
        assertEquals(60, stream.used());
        assertEquals(100, connection.used());
        assertEquals(100, server.used());
        stream.release(60);
        assertEquals(0, stream.used());
        assertEquals(40, connection.used());
        assertEquals(100, server.peak());
    }

    @Test
    void theInnermostFullLevelIsNamed() {
        assertNull(stream.exhaustedLevel());
        stream.charge(100);
        assertSame(stream, stream.exhaustedLevel(), "at the limit is full");
        ByteBudget other = connection.child("stream", 1000);
        other.charge(300);
        assertSame(connection, other.exhaustedLevel());
        assertTrue(connection.exhausted());
        assertFalse(server.exhausted());
    }

    @Test
    void aDrainListenerRunsOnceWhenTheLevelIsBackToHalf() {
        stream.charge(100);
        AtomicInteger runs = new AtomicInteger();
        stream.whenDrained(runs::incrementAndGet);
        stream.release(49);
        assertEquals(0, runs.get(), "51 held: not yet half");
        stream.release(1);
        assertEquals(1, runs.get(), "50 held: half");
        stream.release(50);
        stream.charge(100);
        stream.release(100);
        assertEquals(1, runs.get(), "once only");
    }

    @Test
    void aListenerRegisteredWhenAlreadyDrainedRunsAtOnce() {
        AtomicInteger runs = new AtomicInteger();
        stream.whenDrained(runs::incrementAndGet);
        assertEquals(1, runs.get());
    }

    /**
     * A listener that finds the level full again (others refilled it) registers again: it must wait for the next
     * drain, not run again at once. Running re-registered listeners in the same loop spun the releasing thread (a
     * stream's writer) for as long as the level stayed full, which stalled 200 uploads behind a full server budget.
     */
    @Test
    void aListenerThatRegistersAgainWaitsForTheNextDrain() {
        server.charge(1000);
        AtomicInteger runs = new AtomicInteger();
        Runnable[] again = new Runnable[1];
        again[0] = () -> {
            runs.incrementAndGet();
            server.charge(600);   // another connection refills the server at once
            server.whenDrained(again[0]);
        };
        server.whenDrained(again[0]);
        // 500 of 1000: half; the listener runs, refills to 1100, registers again (bounded: the old loop never ended)
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> server.release(500));
        assertEquals(1, runs.get(), "ran once, then waits");
        assertEquals(1100, server.used());
        server.release(600);   // 500 again: the next drain
        assertEquals(2, runs.get());
    }

    @Test
    void releasesInAChildWakeTheParentsListeners() {
        stream.charge(100);
        connection.charge(300);
        AtomicInteger runs = new AtomicInteger();
        connection.whenDrained(runs::incrementAndGet);
        stream.release(100);
        assertEquals(0, runs.get(), "300 of 400");
        connection.release(100);
        assertEquals(1, runs.get(), "200 of 400");
    }
}
