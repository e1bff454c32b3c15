package org.wispwar.wisp.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.wispwar.wisp.config.Cidr;
import org.wispwar.wisp.config.LimitsConfig;
import org.wispwar.wisp.config.WispConfig;
import org.wispwar.wisp.metrics.WispMetrics;

/** Token buckets, per-IP admission and the client-IP rules, with a fake clock: every limit trips exactly at N + 1. */
class LimitsTest {
    private final AtomicLong now = new AtomicLong(5_000_000_000L);
    private final WispMetrics metrics = new WispMetrics();

    private ClientLimits limits(Map<String, String> params) {
        return new ClientLimits(WispConfig.from(params).limits(), now::get, metrics);
    }

    @Test
    void perMinuteBucketLetsExactlyNThroughThenRefillsAtNPerMinute() {
        TokenBucket b = TokenBucket.perMinute(10, now::get);
        for (int i = 0; i < 10; i++) {
            assertTrue(b.tryAcquire(1), "packet " + (i + 1) + " of 10");
        }
        assertFalse(b.tryAcquire(1), "the 11th within the minute");
        now.addAndGet(Duration.ofSeconds(5).toNanos());   // 10/60 per second × 5 s = 0.83 tokens
        assertFalse(b.tryAcquire(1));
        now.addAndGet(Duration.ofSeconds(1).toNanos());   // 1.0 token
        assertTrue(b.tryAcquire(1));
        now.addAndGet(Duration.ofMinutes(5).toNanos());
        for (int i = 0; i < 10; i++) {
            assertTrue(b.tryAcquire(1), "refilled to capacity, not beyond");
        }
        assertFalse(b.tryAcquire(1));
    }

    @Test
    void reserveGoesIntoDebtAndSaysHowLongToWait() {
        TokenBucket b = new TokenBucket(1000, 1000, now::get);   // 1000 bytes/s, burst 1000
        assertEquals(0, b.reserve(1000));
        assertEquals(Duration.ofMillis(500).toNanos(), b.reserve(500), "500 bytes in debt at 1000/s: wait 0.5 s");
        now.addAndGet(Duration.ofMillis(500).toNanos());
        assertEquals(0, b.reserve(0));
    }

    @Test
    void bandwidthAboveOneTokenPerNanosecondIsCountedInKiB() {
        TokenBucket b = TokenBucket.bytesPerSecond(10L << 30, now::get);   // 10 GiB/s, burst 1 GiB
        assertEquals(0, b.reserve(1L << 30), "the burst");
        long wait = b.reserve(1L << 30);
        assertEquals(Duration.ofMillis(100).toNanos(), wait, Duration.ofMillis(1).toNanos(),
                "1 GiB in debt at 10 GiB/s: about 0.1 s");
        now.addAndGet(wait);
        assertEquals(0, b.reserve(0));
    }

    @Test
    void concurrentConnectionsPerIpTripAtExactlyTheCap() {
        ClientLimits l = limits(Map.of("wisp.maxConnectionsPerIp", "3"));
        ConnectionLimits[] open = new ConnectionLimits[3];
        for (int i = 0; i < 3; i++) {
            open[i] = assertInstanceOf(ClientLimits.Admitted.class, l.admit("198.51.100.7")).limits();
        }
        var refused = assertInstanceOf(ClientLimits.Refused.class, l.admit("198.51.100.7"));
        assertEquals("too many connections from your address", refused.reason());
        assertInstanceOf(ClientLimits.Admitted.class, l.admit("198.51.100.8"), "another IP has its own count");
        open[0].release();
        open[0].release();   // idempotent
        assertInstanceOf(ClientLimits.Admitted.class, l.admit("198.51.100.7"), "a slot freed up");
        assertInstanceOf(ClientLimits.Refused.class, l.admit("198.51.100.7"));
        assertEquals(Map.of(LimitsConfig.MAX_CONNECTIONS_PER_IP, 2L), metrics.limitsTripped());
    }

    @Test
    void newConnectionsPerMinuteTripAtExactlyTheRate() {
        ClientLimits l = limits(Map.of("wisp.connectionRateLimit", "5"));
        for (int i = 0; i < 5; i++) {
            assertInstanceOf(ClientLimits.Admitted.class, l.admit("203.0.113.9")).limits().release();
        }
        var refused = assertInstanceOf(ClientLimits.Refused.class, l.admit("203.0.113.9"));
        assertEquals("too many new connections from your address", refused.reason());
        now.addAndGet(Duration.ofSeconds(12).toNanos());   // one more per 12 s
        assertInstanceOf(ClientLimits.Admitted.class, l.admit("203.0.113.9"));
    }

    @Test
    void streamsPerMinutePerIpAreSharedByTheIpsConnections() {
        ClientLimits l = limits(Map.of("wisp.streamRateLimit", "4"));
        ConnectionLimits a = ((ClientLimits.Admitted) l.admit("192.0.2.1")).limits();
        ConnectionLimits b = ((ClientLimits.Admitted) l.admit("192.0.2.1")).limits();
        assertTrue(a.allowNewStream());
        assertTrue(b.allowNewStream());
        assertTrue(a.allowNewStream());
        assertTrue(b.allowNewStream());
        assertFalse(a.allowNewStream(), "the 5th stream of the IP, whichever connection asks");
        assertFalse(b.allowNewStream());
    }

    @Test
    void packetRateIsPerConnection() {
        ClientLimits l = limits(Map.of("wisp.packetRateLimit", "3"));
        ConnectionLimits a = ((ClientLimits.Admitted) l.admit("192.0.2.1")).limits();
        ConnectionLimits b = ((ClientLimits.Admitted) l.admit("192.0.2.1")).limits();
        for (int i = 0; i < 3; i++) {
            assertTrue(a.allowPacket());
        }
        assertFalse(a.allowPacket());
        assertTrue(b.allowPacket(), "each WebSocket has its own packet budget");
    }

    @Test
    void idleClientsAreForgotten() {
        ClientLimits l = limits(Map.of("wisp.connectionRateLimit", "2", "wisp.maxConnectionsPerIp", "5"));
        ConnectionLimits c = ((ClientLimits.Admitted) l.admit("192.0.2.50")).limits();
        l.admit("192.0.2.51");
        assertEquals(2, l.sweep(), "open connections keep their IP");
        c.release();
        assertEquals(2, l.sweep(), "a bucket that is not full yet keeps its IP (the rate must still apply)");
        now.addAndGet(Duration.ofMinutes(1).toNanos());
        assertEquals(1, l.sweep(), "closed and refilled: forgotten");
    }

    @Test
    void forwardingHeadersCountOnlyFromTrustedProxies() {
        List<Cidr> trusted = List.of(Cidr.parse("127.0.0.1", "t"), Cidr.parse("10.0.0.0/8", "t"));
        assertEquals("198.51.100.7", ClientIp.resolve("198.51.100.7", List.of("1.2.3.4"), "5.6.7.8", trusted),
                "an untrusted peer's headers are ignored");
        assertEquals("1.2.3.4", ClientIp.resolve("127.0.0.1", List.of("1.2.3.4"), null, trusted));
        assertEquals("1.2.3.4", ClientIp.resolve("127.0.0.1", List.of("6.6.6.6, 1.2.3.4, 10.0.0.2"), null, trusted),
                "rightmost untrusted hop; what the client itself prepended is ignored");
        assertEquals("5.6.7.8", ClientIp.resolve("127.0.0.1", null, "5.6.7.8", trusted), "X-Real-IP without XFF");
        assertEquals("127.0.0.1", ClientIp.resolve("127.0.0.1", List.of("not-an-ip"), "nor this", trusted),
                "garbage headers: the peer");
        assertEquals("2001:db8:0:0:0:0:0:1", ClientIp.resolve("127.0.0.1", List.of("[2001:db8::1]"), null, trusted));
        assertEquals("unknown", ClientIp.resolve(null, List.of("1.2.3.4"), null, trusted));
    }
}
