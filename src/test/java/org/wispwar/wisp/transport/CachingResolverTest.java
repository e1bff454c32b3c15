package org.wispwar.wisp.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.wispwar.wisp.config.PolicyConfig.DnsPreference;

/** DNS: cache and negative cache with TTLs (a fake clock, no sleeps), timeout, family preference, bounded size. */
class CachingResolverTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final AtomicInteger lookups = new AtomicInteger();

    private static InetAddress ip(String literal) throws UnknownHostException {
        return InetAddress.getByName(literal);
    }

    private HostResolver counting(List<InetAddress> answer) {
        return host -> {
            lookups.incrementAndGet();
            if (host.endsWith(".invalid")) {
                throw new UnknownHostException(host);
            }
            return answer;
        };
    }

    private CachingResolver resolver(HostResolver delegate, Duration ttl, Duration negative, DnsPreference pref, int max) {
        return new CachingResolver(delegate, Duration.ofSeconds(2), ttl, negative, pref, now::get, max);
    }

    @Test
    void answersAreReusedUntilTheirTtlRunsOut() throws Exception {
        try (CachingResolver r = resolver(counting(List.of(ip("93.184.216.34"))), Duration.ofSeconds(30),
                Duration.ofSeconds(5), DnsPreference.SYSTEM, 100)) {
            assertEquals(List.of(ip("93.184.216.34")), r.resolve("Example.com"));
            now.addAndGet(Duration.ofSeconds(29).toNanos());
            r.resolve("example.COM");
            assertEquals(1, lookups.get(), "one lookup within the TTL, whatever the case of the name");
            now.addAndGet(Duration.ofSeconds(1).toNanos());
            r.resolve("example.com");
            assertEquals(2, lookups.get(), "looked up again once 30 s passed");
        }
    }

    @Test
    void failuresAreRememberedForTheNegativeTtl() throws Exception {
        try (CachingResolver r = resolver(counting(List.of()), Duration.ofSeconds(30), Duration.ofSeconds(5),
                DnsPreference.SYSTEM, 100)) {
            assertThrows(UnknownHostException.class, () -> r.resolve("gone.invalid"));
            now.addAndGet(Duration.ofMillis(4999).toNanos());
            assertThrows(UnknownHostException.class, () -> r.resolve("gone.invalid"));
            assertEquals(1, lookups.get());
            now.addAndGet(Duration.ofMillis(1).toNanos());
            assertThrows(UnknownHostException.class, () -> r.resolve("gone.invalid"));
            assertEquals(2, lookups.get());
        }
    }

    @Test
    void zeroTtlsDisableTheCache() throws Exception {
        try (CachingResolver r = resolver(counting(List.of(ip("93.184.216.34"))), Duration.ZERO, Duration.ZERO,
                DnsPreference.SYSTEM, 100)) {
            r.resolve("a.example");
            r.resolve("a.example");
            assertThrows(UnknownHostException.class, () -> r.resolve("b.invalid"));
            assertThrows(UnknownHostException.class, () -> r.resolve("b.invalid"));
            assertEquals(4, lookups.get());
            assertEquals(0, r.cachedNames());
        }
    }

    @Test
    void aLookupThatHangsTimesOutAndIsNotCached() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        HostResolver hanging = host -> {
            lookups.incrementAndGet();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return List.of(InetAddress.getByName("93.184.216.34"));
        };
        try (CachingResolver r = new CachingResolver(hanging, Duration.ofMillis(200), Duration.ofSeconds(30),
                Duration.ofSeconds(30), DnsPreference.SYSTEM, System::nanoTime, 100)) {
            long start = System.nanoTime();
            var e = assertThrows(DnsTimeoutException.class, () -> r.resolve("slow.example"));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals("DNS lookup timed out after 200 ms", e.getMessage());
            assertEquals(true, ms >= 200 && ms < 2000, "gave up after the timeout, took " + ms + " ms");
            assertEquals(0, r.cachedNames(), "a timeout says nothing about the name");
        } finally {
            release.countDown();
        }
    }

    @Test
    void preferenceOrdersFamiliesAndKeepsOrderWithinOne() throws Exception {
        List<InetAddress> mixed = List.of(ip("2001:db8::1"), ip("192.0.2.1"), ip("2001:db8::2"), ip("192.0.2.2"));
        try (CachingResolver v4 = resolver(counting(mixed), Duration.ZERO, Duration.ZERO, DnsPreference.IPV4, 10);
                CachingResolver v6 = resolver(counting(mixed), Duration.ZERO, Duration.ZERO, DnsPreference.IPV6, 10);
                CachingResolver sys = resolver(counting(mixed), Duration.ZERO, Duration.ZERO, DnsPreference.SYSTEM, 10)) {
            assertEquals(List.of(ip("192.0.2.1"), ip("192.0.2.2"), ip("2001:db8::1"), ip("2001:db8::2")),
                    v4.resolve("dual.example"));
            assertEquals(List.of(ip("2001:db8::1"), ip("2001:db8::2"), ip("192.0.2.1"), ip("192.0.2.2")),
                    v6.resolve("dual.example"));
            assertEquals(mixed, sys.resolve("dual.example"));
        }
    }

    @Test
    void onlyLookupsThatReachTheResolverAreTimed() throws Exception {
        List<Long> times = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (CachingResolver r = new CachingResolver(counting(List.of(ip("93.184.216.34"))), Duration.ofSeconds(2),
                Duration.ofSeconds(30), Duration.ofSeconds(5), DnsPreference.SYSTEM, now::get, 100, times::add)) {
            r.resolve("example.com");
            assertEquals(1, times.size(), "the first lookup is timed");
            r.resolve("example.com");
            r.resolve("127.0.0.1");
            assertEquals(1, times.size(), "a cache hit and a literal are not");
            assertThrows(UnknownHostException.class, () -> r.resolve("gone.invalid"));
            assertEquals(2, times.size(), "a failed lookup is timed too");
            assertThrows(UnknownHostException.class, () -> r.resolve("gone.invalid"));
            assertEquals(2, times.size(), "a negative cache hit is not");
            assertTrue(times.stream().allMatch(t -> t > 0), "real durations: " + times);
        }
    }

    @Test
    void aLookupThatTimesOutIsTimedAtTheTimeout() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<Long> times = new java.util.concurrent.CopyOnWriteArrayList<>();
        HostResolver hanging = host -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return List.of(InetAddress.getByName("93.184.216.34"));
        };
        try (CachingResolver r = new CachingResolver(hanging, Duration.ofMillis(200), Duration.ofSeconds(30),
                Duration.ofSeconds(30), DnsPreference.SYSTEM, System::nanoTime, 100, times::add)) {
            assertThrows(DnsTimeoutException.class, () -> r.resolve("slow.example"));
            assertEquals(1, times.size());
            long ms = times.get(0) / 1_000_000;
            assertTrue(ms >= 200 && ms < 2000, "timed until the timeout: " + ms + " ms");
        } finally {
            release.countDown();
        }
    }

    @Test
    void literalsBypassTheCache() throws Exception {
        try (CachingResolver r = resolver(HostResolver.JDK, Duration.ofSeconds(30), Duration.ofSeconds(5),
                DnsPreference.SYSTEM, 10)) {
            assertEquals(List.of(ip("127.0.0.1")), r.resolve("127.0.0.1"));
            assertEquals(List.of(ip("::1")), r.resolve("::1"));
            assertEquals(0, r.cachedNames());
        }
    }

    @Test
    void theCacheNeverGrowsPastItsBound() throws Exception {
        try (CachingResolver r = resolver(counting(List.of(ip("93.184.216.34"))), Duration.ofSeconds(30),
                Duration.ofSeconds(5), DnsPreference.SYSTEM, 3)) {
            for (int i = 0; i < 10; i++) {
                r.resolve("host" + i + ".example");
            }
            assertEquals(3, r.cachedNames());
            now.addAndGet(Duration.ofSeconds(31).toNanos());
            r.resolve("late.example");
            assertEquals(1, r.cachedNames(), "expired entries make room");
        }
    }
}
