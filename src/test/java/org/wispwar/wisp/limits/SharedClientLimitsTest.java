package org.wispwar.wisp.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.wispwar.wisp.config.WispConfig;
import org.wispwar.wisp.metrics.WispMetrics;

/**
 * How {@link ClientLimits} and {@link ConnectionLimits} use a {@link SharedLimits}: the local limits first, the shared
 * answer next, releases only of what the store counted, bytes charged in batches. A recording fake stands in for
 * Redis (SharedLimitsJettyIT runs the real one); the clock is fake.
 */
class SharedClientLimitsTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final WispMetrics metrics = new WispMetrics();
    private final Fake shared = new Fake();

    /** Answers what the test sets and records every call. */
    static final class Fake implements SharedLimits {
        Admission admission = Admission.COUNTED;
        boolean streams = true;
        long wait;
        final List<String> calls = new ArrayList<>();

        @Override
        public Admission admit(String ip) {
            calls.add("admit " + ip);
            return admission;
        }

        @Override
        public void release(String ip) {
            calls.add("release " + ip);
        }

        @Override
        public boolean allowNewStream(String ip) {
            calls.add("stream " + ip);
            return streams;
        }

        @Override
        public long chargeBytes(String ip, boolean up, long bytes) {
            calls.add((up ? "up " : "down ") + bytes);
            return wait;
        }

        @Override
        public boolean up() {
            return true;
        }

        @Override
        public long failures() {
            return 0;
        }

        @Override
        public void close() {
        }
    }

    private ClientLimits limits(Map<String, String> params) {
        return new ClientLimits(WispConfig.from(params).limits(), now::get, metrics, shared);
    }

    @Test
    void theLocalCapIsCheckedFirstAndCostsNoSharedCall() {
        ClientLimits l = limits(Map.of("wisp.maxConnectionsPerIp", "1"));
        assertInstanceOf(ClientLimits.Admitted.class, l.admit("198.51.100.1"));
        ClientLimits.Refused r = assertInstanceOf(ClientLimits.Refused.class, l.admit("198.51.100.1"));
        assertEquals("wisp.maxConnectionsPerIp", r.limit());
        assertEquals(List.of("admit 198.51.100.1"), shared.calls, "only the locally admitted one asked the store");
    }

    @Test
    void sharedRefusalsNameTheirLimitAndGiveTheLocalPlaceBack() {
        ClientLimits l = limits(Map.of("wisp.maxConnectionsPerIp", "1", "wisp.connectionRateLimit", "100"));
        shared.admission = SharedLimits.Admission.TOO_MANY;
        ClientLimits.Refused r = assertInstanceOf(ClientLimits.Refused.class, l.admit("198.51.100.2"));
        assertEquals("wisp.maxConnectionsPerIp", r.limit());
        assertEquals("too many connections from your address", r.reason());
        shared.admission = SharedLimits.Admission.TOO_FAST;
        r = assertInstanceOf(ClientLimits.Refused.class, l.admit("198.51.100.2"));
        assertEquals("wisp.connectionRateLimit", r.limit());
        assertEquals("too many new connections from your address", r.reason());
        shared.admission = SharedLimits.Admission.UNAVAILABLE;
        r = assertInstanceOf(ClientLimits.Refused.class, l.admit("198.51.100.2"));
        assertEquals("wisp.sharedState", r.limit());
        assertEquals("shared limits unavailable", r.reason());
        assertEquals(1L, metrics.limitsTripped().get("wisp.sharedState"));
        shared.admission = SharedLimits.Admission.COUNTED;
        assertInstanceOf(ClientLimits.Admitted.class, l.admit("198.51.100.2"),
                "the local cap of 1 is free: the refusals gave their place back");
    }

    @Test
    void onlyAConnectionTheStoreCountedIsReleasedThere() {
        ClientLimits l = limits(Map.of("wisp.maxConnectionsPerIp", "5"));
        ConnectionLimits counted = assertInstanceOf(ClientLimits.Admitted.class, l.admit("198.51.100.3")).limits();
        shared.admission = SharedLimits.Admission.UNCOUNTED;
        ConnectionLimits uncounted = assertInstanceOf(ClientLimits.Admitted.class, l.admit("198.51.100.3")).limits();
        shared.calls.clear();
        uncounted.release();
        counted.release();
        counted.release();
        assertEquals(List.of("release 198.51.100.3"), shared.calls, "once, and only the counted one");
    }

    @Test
    void aStreamNeedsTheLocalAndTheSharedRate() {
        ClientLimits l = limits(Map.of("wisp.streamRateLimit", "3"));
        ConnectionLimits c = assertInstanceOf(ClientLimits.Admitted.class, l.admit("198.51.100.4")).limits();
        assertTrue(c.allowNewStream());
        shared.streams = false;
        assertFalse(c.allowNewStream(), "the shared rate is used up by other instances (a local token is spent too)");
        shared.streams = true;
        assertTrue(c.allowNewStream(), "the 3rd local token");
        shared.calls.clear();
        assertFalse(c.allowNewStream(), "the local rate: no shared call");
        assertEquals(List.of(), shared.calls);
        assertEquals(2L, metrics.limitsTripped().get("wisp.streamRateLimit"));
    }

    @Test
    void bytesAreChargedEvery64KiBOrEvery100ms() throws InterruptedIOException {
        ClientLimits l = limits(Map.of("wisp.bandwidthPerIp", "100MiB"));
        ConnectionLimits c = assertInstanceOf(ClientLimits.Admitted.class, l.admit("198.51.100.5")).limits();
        shared.calls.clear();
        for (int i = 0; i < 15; i++) {
            c.throttleUp(4096);   // 60 KiB: below the batch
        }
        assertEquals(List.of(), shared.calls);
        c.throttleUp(4096);       // 64 KiB
        assertEquals(List.of("up 65536"), shared.calls);
        c.throttleDown(10);
        now.addAndGet(100_000_000L);
        c.throttleDown(20);       // 100 ms later: the batch goes out whatever its size
        assertEquals(List.of("up 65536", "down 30"), shared.calls);
    }

    @Test
    void withoutASharedBandwidthCapNoByteIsCharged() throws InterruptedIOException {
        ClientLimits l = limits(Map.of("wisp.bandwidthPerConnection", "100MiB"));
        ConnectionLimits c = assertInstanceOf(ClientLimits.Admitted.class, l.admit("198.51.100.6")).limits();
        shared.calls.clear();
        c.throttleUp(1 << 20);
        now.addAndGet(1_000_000_000L);
        c.throttleDown(1 << 20);
        assertEquals(List.of(), shared.calls);
    }
}
