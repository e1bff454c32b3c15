package org.wispwar.wisp.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.wispwar.wisp.protocol.CloseReason;

/** The throughput ring: deltas of the cumulative counters, oldest first, a fixed size, consistent snapshots. */
class ThroughputHistoryTest {
    static final Duration FIVE_SECONDS = Duration.ofSeconds(5);

    @Test
    void emptyRingHasNoSamples() {
        ThroughputHistory h = new ThroughputHistory(4, FIVE_SECONDS, 0, 0);
        ThroughputHistory.Snapshot s = h.snapshot();
        assertEquals(0, s.size());
        assertEquals(FIVE_SECONDS, s.interval());
        assertEquals(4, s.capacity());
        assertEquals(4, h.capacity());
    }

    @Test
    void samplesHoldTheBytesOfTheirIntervalFromTheBaseline() {
        ThroughputHistory h = new ThroughputHistory(4, FIVE_SECONDS, 100, 1000);   // deployed with traffic counted
        h.sample(5_000, 150, 1000, 1, 2);
        h.sample(10_000, 150, 1300, 2, 3);
        h.sample(15_000, 160, 1301, 0, 0);
        ThroughputHistory.Snapshot s = h.snapshot();
        assertArrayEquals(new long[] {5_000, 10_000, 15_000}, s.time());
        assertArrayEquals(new long[] {50, 0, 10}, s.bytesFromClients());
        assertArrayEquals(new long[] {0, 300, 1}, s.bytesToClients());
        assertArrayEquals(new long[] {1, 2, 0}, s.sessions());
        assertArrayEquals(new long[] {2, 3, 0}, s.streams());
    }

    @Test
    void fullRingDropsTheOldestAndKeepsOrder() {
        ThroughputHistory h = new ThroughputHistory(3, FIVE_SECONDS, 0, 0);
        for (int i = 1; i <= 7; i++) {
            h.sample(i * 5_000L, i * (i + 1) / 2 * 10L, i * 100L, i, 2L * i);   // i-th interval: 10*i bytes up
        }
        ThroughputHistory.Snapshot s = h.snapshot();
        assertEquals(3, s.size(), "never more than the capacity");
        assertArrayEquals(new long[] {25_000, 30_000, 35_000}, s.time(), "the newest three, oldest first");
        assertArrayEquals(new long[] {50, 60, 70}, s.bytesFromClients());
        assertArrayEquals(new long[] {100, 100, 100}, s.bytesToClients());
        assertArrayEquals(new long[] {5, 6, 7}, s.sessions());
        assertArrayEquals(new long[] {10, 12, 14}, s.streams());
    }

    @Test
    void aCounterThatWentDownCountsAsNoBytesAndRebases() {
        ThroughputHistory h = new ThroughputHistory(4, FIVE_SECONDS, 500, 500);
        h.sample(1, 400, 500, 0, 0);
        h.sample(2, 410, 520, 0, 0);
        assertArrayEquals(new long[] {0, 10}, h.snapshot().bytesFromClients());
        assertArrayEquals(new long[] {0, 20}, h.snapshot().bytesToClients());
    }

    @Test
    void snapshotIsACopy() {
        ThroughputHistory h = new ThroughputHistory(2, FIVE_SECONDS, 0, 0);
        h.sample(1, 1, 1, 1, 1);
        ThroughputHistory.Snapshot before = h.snapshot();
        h.sample(2, 3, 3, 3, 3);
        h.sample(3, 6, 6, 6, 6);
        assertArrayEquals(new long[] {1}, before.time());
        assertArrayEquals(new long[] {1}, before.bytesFromClients());
        assertEquals(new ThroughputHistory.Snapshot(FIVE_SECONDS, 2, new long[] {2, 3}, new long[] {2, 3},
                new long[] {2, 3}, new long[] {3, 6}, new long[] {3, 6}), h.snapshot());
    }

    @Test
    void samplesTheLiveCounters() {
        WispMetrics m = new WispMetrics();
        m.fromClient(7);
        ThroughputHistory h = ThroughputHistory.of(m);
        assertEquals(ThroughputHistory.DEFAULT_CAPACITY, h.capacity());
        assertEquals(ThroughputHistory.DEFAULT_INTERVAL, h.interval());
        m.sessionOpened(WispMetrics.ConnectionKind.WISP_V1);
        m.streamOpened(WispMetrics.StreamKind.TCP);
        m.fromClient(5);
        m.toClient(9);
        h.sample(42, m);
        m.streamClosed(WispMetrics.StreamKind.TCP);
        m.streamEnded(CloseReason.VOLUNTARY);
        h.sample(43, m);
        ThroughputHistory.Snapshot s = h.snapshot();
        assertArrayEquals(new long[] {5, 0}, s.bytesFromClients(), "the 7 bytes before the ring existed are not in it");
        assertArrayEquals(new long[] {9, 0}, s.bytesToClients());
        assertArrayEquals(new long[] {1, 1}, s.sessions());
        assertArrayEquals(new long[] {1, 0}, s.streams());
    }

    @Test
    void badSizesAreRefusedWithTheirValue() {
        assertEquals("capacity must be 1..100000, was 0", assertThrows(IllegalArgumentException.class,
                () -> new ThroughputHistory(0, FIVE_SECONDS, 0, 0)).getMessage());
        assertEquals("interval must be positive, was PT0S", assertThrows(IllegalArgumentException.class,
                () -> new ThroughputHistory(1, Duration.ZERO, 0, 0)).getMessage());
    }

    /** A reader never sees arrays of different lengths or a half-written sample while a writer keeps sampling. */
    @Test
    void snapshotsTakenWhileSamplingAreConsistent() throws Exception {
        ThroughputHistory h = new ThroughputHistory(16, FIVE_SECONDS, 0, 0);
        int samples = 20_000;
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<Throwable> writerFailure = new AtomicReference<>();
        Thread writer = Thread.ofPlatform().name("history-writer").start(() -> {
            try {
                for (long i = 1; i <= samples; i++) {   // every field of sample i derives from i
                    h.sample(i, i * (i + 1) / 2, i * (i + 1), i, i);
                }
            } catch (Throwable t) {
                writerFailure.set(t);
            } finally {
                done.countDown();
            }
        });
        int checked = 0;
        while (done.getCount() > 0 || checked == 0) {
            ThroughputHistory.Snapshot s = h.snapshot();
            for (int i = 0; i < s.size(); i++) {
                long n = s.time()[i];
                assertEquals(n, s.bytesFromClients()[i], () -> "sample " + n + " of " + Arrays.toString(s.time()));
                assertEquals(2 * n, s.bytesToClients()[i]);
                assertEquals(n, s.sessions()[i]);
                assertEquals(n, s.streams()[i]);
                if (i > 0) {
                    assertEquals(s.time()[i - 1] + 1, n, "consecutive, oldest first");
                }
            }
            checked++;
        }
        writer.join(TimeUnit.SECONDS.toMillis(10));
        assertEquals(null, writerFailure.get());
        assertEquals(samples, h.snapshot().time()[15], "the last sample is the newest");
    }
}
