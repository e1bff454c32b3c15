package org.wispwar.wisp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.testing.LogCapture;

/**
 * Per-client limits shared by two instances through Debian's real redis-server (wisp.sharedState): on Jetty two
 * separate embedded servers, on Tomcat two sets of deployments of the WAR on one server, all pointing at one Redis on
 * 127.0.0.1. Each test is one client IP
 * (X-Forwarded-For from the trusted 127.0.0.1), so the tests' Redis keys never meet. The outage test stops and
 * restarts Redis, so it runs last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
abstract class SharedLimitsChecks {
    /** wisp.bandwidthPerIp of the -bw contexts, bytes per second. */
    static final long BANDWIDTH = 256 * 1024;
    /** Deployments, each with its own Redis connection: 5 contexts on each of 2 servers (/a-late comes and goes). */
    static final int DEPLOYMENTS = 10;
    RedisServer redis;
    WarContainer a;
    WarContainer b;
    Targets echo;
    LogCapture logs;

    @BeforeAll
    void start() throws Exception {
        redis = RedisServer.start();
        echo = Targets.echo();
        logs = LogCapture.of("org.wispwar.wisp");
        WarContainer[] pair = start(contexts("/a"), contexts("/b"));
        a = pair[0];
        b = pair[1];
        for (String prefix : List.of("/a", "/b")) {
            WarContainer j = prefix.equals("/a") ? a : b;
            for (String path : List.of("-caps", "-rate", "-allow", "-deny", "-bw")) {
                assertTrue(j.isAvailable(prefix + path), prefix + path + ": " + j.startupFailure(prefix + path));
            }
        }
    }

    /** The two instances, with these contexts each (the same container twice when both run on one server). */
    abstract WarContainer[] start(Map<String, Map<String, String>> a, Map<String, Map<String, String>> b)
            throws Exception;

    private void closeServers() throws Exception {
        try {
            if (a != null) {
                a.close();
            }
        } finally {
            if (b != null && b != a) {
                b.close();
            }
            a = null;
            b = null;
        }
    }

    /** Same params on both servers; the context paths differ only so that their MBeans do not clash. */
    private Map<String, Map<String, String>> contexts(String prefix) {
        Map<String, String> common = Map.of("wisp.sharedState", redis.uri(), "wisp.trustedProxies", "127.0.0.1, ::1",
                "wisp.allowPrivateAddresses", "true");
        Map<String, Map<String, String>> c = new LinkedHashMap<>();
        c.put(prefix + "-caps", with(common, "wisp.maxConnectionsPerIp", "3", "wisp.streamRateLimit", "3"));
        c.put(prefix + "-rate", with(common, "wisp.connectionRateLimit", "4"));
        c.put(prefix + "-allow", with(common, "wisp.maxConnectionsPerIp", "2", "wisp.sharedState.onFailure", "allow"));
        c.put(prefix + "-deny", with(common, "wisp.maxConnectionsPerIp", "2", "wisp.sharedState.onFailure", "deny"));
        c.put(prefix + "-bw", with(common, "wisp.bandwidthPerIp", Long.toString(BANDWIDTH)));
        return c;
    }

    private static Map<String, String> with(Map<String, String> base, String... kv) {
        Map<String, String> m = new LinkedHashMap<>(base);
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @AfterAll
    void stop() throws Exception {
        try {
            closeServers();
        } finally {
            if (logs != null) {
                logs.close();
            }
            if (echo != null) {
                echo.close();
            }
            if (redis != null) {
                redis.close();
            }
        }
    }

    private static WispClient client(WarContainer j, String path, String ip) throws Exception {
        return WispClient.connect(j.wispUri(path), Map.of("X-Forwarded-For", ip), List.of());
    }

    private static void assertAdmitted(WispClient c, String what) throws Exception {
        assertEquals(128, c.awaitInitialCredit(), what + " is served");
    }

    private static void assertRefused(WispClient c, String reason, String what) throws Exception {
        assertEquals(1013, c.awaitWebSocketClose(), what + " is refused");
        assertEquals(reason, c.webSocketCloseReason(), what);
    }

    @Test
    @Order(1)
    void theConcurrentCapHoldsOverBothInstances() throws Exception {
        String ip = "198.51.100.10";
        List<WispClient> open = new ArrayList<>();
        try {
            for (WarContainer j : List.of(a, b, a)) {
                WispClient c = client(j, j == a ? "/a-caps" : "/b-caps", ip);
                open.add(c);
                assertAdmitted(c, "connection " + open.size() + " of 3");
            }
            WispClient fourth = client(b, "/b-caps", ip);
            open.add(fourth);
            assertRefused(fourth, "too many connections from your address", "the 4th, on the instance holding 1");
            assertEquals("3", redis.command("GET wisp:{" + ip + "}:connections"),
                    "the count in Redis: the refused one is not counted");
            open.remove(0).close();   // one on A closes: a place is free on either instance
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (true) {
                WispClient again = client(b, "/b-caps", ip);
                open.add(again);
                try {
                    assertAdmitted(again, "after one closed");
                    break;
                } catch (AssertionError e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    open.remove(again);
                    again.close();
                    Thread.sleep(50);   // the release is on its way to Redis; polled with a deadline
                }
            }
        } finally {
            for (WispClient c : open) {
                c.close();
            }
        }
    }

    @Test
    @Order(2)
    void theConnectionRateHoldsOverBothInstances() throws Exception {
        String ip = "198.51.100.20";
        List<WispClient> open = new ArrayList<>();
        try {
            for (WarContainer j : List.of(a, b, a, b)) {
                WispClient c = client(j, j == a ? "/a-rate" : "/b-rate", ip);
                open.add(c);
                assertAdmitted(c, "new connection " + open.size() + " of 4 this minute");
            }
            WispClient fifth = client(a, "/a-rate", ip);
            open.add(fifth);
            assertRefused(fifth, "too many new connections from your address", "the 5th this minute");
            WispClient other = client(b, "/b-rate", "198.51.100.21");
            open.add(other);
            assertAdmitted(other, "another client");
        } finally {
            for (WispClient c : open) {
                c.close();
            }
        }
    }

    @Test
    @Order(3)
    void theStreamRateHoldsOverBothInstances() throws Exception {
        String ip = "198.51.100.30";
        try (WispClient onA = client(a, "/a-caps", ip); WispClient onB = client(b, "/b-caps", ip)) {
            assertAdmitted(onA, "on A");
            assertAdmitted(onB, "on B");
            onA.connectTcp(1, "127.0.0.1", echo.port());
            onA.connectTcp(2, "127.0.0.1", echo.port());
            onB.connectTcp(1, "127.0.0.1", echo.port());
            for (WispClient c : List.of(onA, onB)) {
                c.sendWithCredit(1, "ok".getBytes(), 64);
                assertEquals("ok", new String(c.awaitBytes(1, 2)), "stream 1 is served");
            }
            onB.connectTcp(2, "127.0.0.1", echo.port());
            onB.assertClosedWith(2, CloseReason.SERVER_STREAM_THROTTLED);
        }
    }

    @Test
    @Order(4)
    void wsproxyConnectionsCountAgainstTheSharedCapAndStreamRate() throws Exception {
        // wsproxy has no forwarding header here: the client is 127.0.0.1 itself, which no other test uses
        String counter = "GET wisp:{127.0.0.1}:connections";
        List<WsproxyClient> open = new ArrayList<>();
        try {
            for (WarContainer j : List.of(a, b, a)) {
                WsproxyClient w = WsproxyClient.connect(wsproxyUri(j));
                open.add(w);
                w.sendBinary("ping".getBytes());
                assertEquals("ping", new String(w.awaitBytes(4)), "wsproxy connection " + open.size() + " of 3");
            }
            assertEquals("3", redis.command(counter), "wsproxy connections are counted in Redis");
            WsproxyClient fourth = WsproxyClient.connect(wsproxyUri(b));
            open.add(fourth);
            assertEquals(1013, fourth.awaitClose());
            assertEquals("too many connections from your address", fourth.closeReason());

            open.remove(0).close();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!"2".equals(redis.command(counter))) {
                if (System.nanoTime() > deadline) {
                    fail("the closed wsproxy connection was not released in Redis: " + redis.command(counter));
                }
                Thread.sleep(20);
            }
            WispClient wispStream = WispClient.connect(a.wispUri("/a-caps"));   // a Wisp stream on the same budget
            try (wispStream) {
                assertAdmitted(wispStream, "a Wisp connection of the same client");
                wispStream.connectTcp(1, "127.0.0.1", echo.port());
                wispStream.assertClosedWith(1, CloseReason.SERVER_STREAM_THROTTLED);
            }
        } finally {
            for (WsproxyClient w : open) {
                w.close();
            }
        }
    }

    private URI wsproxyUri(WarContainer j) {
        return URI.create("ws://127.0.0.1:" + j.port() + (j == a ? "/a-caps/" : "/b-caps/") + "127.0.0.1:"
                + echo.port());
    }

    @Test
    @Order(5)
    void theBandwidthPerIpHoldsOverBothInstances() throws Exception {
        String ip = "198.51.100.60";
        try (Targets source = Targets.source(); WispClient onA = client(a, "/a-bw", ip);
                WispClient onB = client(b, "/b-bw", ip)) {
            assertAdmitted(onA, "on A");
            assertAdmitted(onB, "on B");
            onA.connectTcp(1, "127.0.0.1", source.port());
            onB.connectTcp(1, "127.0.0.1", source.port());
            long warm = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (onA.receivedCount(1) == 0 || onB.receivedCount(1) == 0) {   // both downloads are flowing
                if (System.nanoTime() > warm) {
                    fail("no bytes arrived: A " + onA.receivedCount(1) + ", B " + onB.receivedCount(1));
                }
                Thread.sleep(10);
            }
            long start = System.nanoTime();
            long a0 = onA.receivedCount(1);
            long b0 = onB.receivedCount(1);
            Thread.sleep(3000);   // a measured window, not a wait for a condition
            long seconds = System.nanoTime() - start;
            long got = onA.receivedCount(1) - a0 + onB.receivedCount(1) - b0;
            double rate = got * 1e9 / seconds;
            System.out.printf("shared bandwidth: %d bytes in %.2f s over both instances = %.0f B/s (cap %d B/s)%n",
                    got, seconds / 1e9, rate, BANDWIDTH);
            assertTrue(rate < BANDWIDTH * 1.3, "both instances together stay near the one cap: " + rate + " B/s");
            assertTrue(rate > BANDWIDTH * 0.5, "and the cap is used: " + rate + " B/s");
            assertTrue(onA.receivedCount(1) - a0 > 0 && onB.receivedCount(1) - b0 > 0, "both were served");
        }
    }

    /**
     * wsproxy connections are throttled by wisp.bandwidthPerIp like Wisp streams, and share it over both instances: two
     * wsproxy downloads of one client (127.0.0.1, no forwarding header), one on each instance, move about one cap.
     */
    @Test
    @Order(5)
    void wsproxyDownloadsShareTheBandwidthPerIpOverBothInstances() throws Exception {
        try (Targets source = Targets.source();
                WsproxyClient onA = WsproxyClient.connect(URI.create("ws://127.0.0.1:" + a.port() + "/a-bw/127.0.0.1:"
                        + source.port()));
                WsproxyClient onB = WsproxyClient.connect(URI.create("ws://127.0.0.1:" + b.port() + "/b-bw/127.0.0.1:"
                        + source.port()))) {
            long warm = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (onA.received().length == 0 || onB.received().length == 0) {   // both downloads are flowing
                if (System.nanoTime() > warm) {
                    fail("no bytes arrived: A " + onA.received().length + ", B " + onB.received().length);
                }
                Thread.sleep(10);
            }
            long start = System.nanoTime();
            long a0 = onA.received().length;
            long b0 = onB.received().length;
            Thread.sleep(3000);   // a measured window, not a wait for a condition
            long seconds = System.nanoTime() - start;
            long gotA = onA.received().length - a0;
            long gotB = onB.received().length - b0;
            double rate = (gotA + gotB) * 1e9 / seconds;
            System.out.printf("shared wsproxy bandwidth: %d bytes in %.2f s over both instances = %.0f B/s (cap %d"
                    + " B/s)%n", gotA + gotB, seconds / 1e9, rate, BANDWIDTH);
            assertTrue(rate < BANDWIDTH * 1.3, "both wsproxy downloads together stay near the one cap: " + rate);
            assertTrue(rate > BANDWIDTH * 0.5, "and the cap is used: " + rate + " B/s");
            assertTrue(gotA > 0 && gotB > 0, "both were served: A " + gotA + ", B " + gotB);
        }
    }

    @Test
    @Order(6)
    void aRedisThatDoesNotAnswerDelaysAnUpgradeByAtMostTheTimeout() throws Exception {
        int before = logs.lines().size();
        assertEquals("+OK", redis.command("CLIENT PAUSE 4000 ALL"), "Redis holds every command for 4 s");
        long start = System.nanoTime();
        try (WispClient c = client(b, "/b-allow", "198.51.100.50")) {
            assertAdmitted(c, "onFailure=allow while Redis is paused");
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(ms < 2000, "the upgrade waited " + ms + " ms for a Redis paused for 4 s (timeout 200 ms)");
            System.out.println("upgrade to initial credit with Redis paused: " + ms + " ms");
        }
        logs.await("WARNING for /b-allow/", 10, l -> l.contains("/b-allow/") && l.contains("no answer in time"));
        assertEquals(1, warnings(before, "/b-allow/"));
        // the pause ends by itself (CLIENT UNPAUSE would wait too); the INCR sent before the timeout is carried out
        // then, and the shared limits' background task takes it back
        String counter = "GET wisp:{198.51.100.50}:connections";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
        while (!"0".equals(redis.command(counter))) {
            if (System.nanoTime() > deadline) {
                fail("the late INCR was not undone: " + redis.command(counter));
            }
            Thread.sleep(100);
        }
    }

    @Test
    @Order(7)
    void anOutageIsAnsweredByOnFailureReportedOnceAndHealsWithoutARedeploy() throws Exception {
        List<WispClient> open = new ArrayList<>();
        try {
            int before = logs.lines().size();
            redis.stop();
            WispClient denied = client(a, "/a-deny", "198.51.100.40");
            open.add(denied);
            assertRefused(denied, "shared limits unavailable", "onFailure=deny while Redis is down");

            for (int i = 1; i <= 2; i++) {
                WispClient c = client(a, "/a-allow", "198.51.100.41");
                open.add(c);
                assertAdmitted(c, "onFailure=allow: connection " + i + " of the local cap 2");
            }
            WispClient third = client(a, "/a-allow", "198.51.100.41");
            open.add(third);
            assertRefused(third, "too many connections from your address", "the local cap still holds");
            String down = logs.await("WARNING for /a-allow/", 10, l -> l.contains("/a-allow/")
                    && l.contains("does not answer"));
            assertEquals(1, warnings(before, "/a-allow/"), "one WARNING for the outage: " + down);

            a.deploy("/a-late", Map.of("wisp.sharedState", redis.uri(), "wisp.sharedState.onFailure", "deny",
                    "wisp.trustedProxies", "127.0.0.1, ::1", "wisp.maxConnectionsPerIp", "5"));
            assertTrue(a.isAvailable("/a-late"), "Redis down at deploy does not fail it: " + a.startupFailure("/a-late"));
            WispClient late = client(a, "/a-late", "198.51.100.44");
            open.add(late);
            assertRefused(late, "shared limits unavailable", "a deployment that never reached Redis, onFailure=deny");

            redis.restart();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {   // the deny context admits again once a probe reaches Redis (at most each second)
                WispClient c = client(a, "/a-deny", "198.51.100.42");
                open.add(c);
                try {
                    assertAdmitted(c, "onFailure=deny after Redis is back");
                    break;
                } catch (AssertionError e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    open.remove(c);
                    c.close();
                    Thread.sleep(100);
                }
            }
            logs.await("INFO for /a-deny/ back", 10, l -> l.contains("/a-deny/") && l.contains("answers again"));
            logs.await("INFO for /a-late/, first connected", 10, l -> l.contains("/a-late/")
                    && l.contains("answers again"));
            WispClient lateBack = client(a, "/a-late", "198.51.100.44");
            open.add(lateBack);
            assertAdmitted(lateBack, "the late deployment once Redis is up");
            lateBack.close();
            a.undeploy("/a-late");   // and its Redis client goes with it (checked in the last test)
            assertEquals(1, warnings(before, "/a-allow/"), "still one WARNING for /a-allow/");

            // every deployment's client has reconnected by itself (+ 1: this query)
            long reconnected = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (redis.connectedClients() < DEPLOYMENTS + 1) {
                if (System.nanoTime() > reconnected) {
                    fail("deployments connected to Redis again: " + (redis.connectedClients() - 1) + " of "
                            + DEPLOYMENTS);
                }
                Thread.sleep(50);
            }
            // shared again: the concurrent cap holds over both instances without a redeploy
            String ip = "198.51.100.43";
            for (WarContainer j : List.of(b, a, b)) {
                WispClient c = client(j, j == a ? "/a-caps" : "/b-caps", ip);
                open.add(c);
                assertAdmitted(c, "connection " + open.size() + " after the outage");
            }
            WispClient fourth = client(a, "/a-caps", ip);
            open.add(fourth);
            assertRefused(fourth, "too many connections from your address", "the shared cap after the outage");
        } finally {
            for (WispClient c : open) {
                c.close();
            }
        }
    }

    @Test
    @Order(8)
    void stoppingTheServersLeavesNoRedisClientOrThread() throws Exception {
        a.undeploy("/a-bw");   // one deployment alone: the container's leak checks look at it
        List<String> leaks = a.leakReports().stream().filter(r -> !r.startsWith("find leaks:")).toList();
        assertEquals(List.of(), leaks, "the container's warnings after undeploying /a-bw");
        closeServers();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            List<String> left = ThreadCensus.names().stream().filter(n -> n.startsWith("lettuce-")
                    || n.startsWith("wisp-shared-state") || n.startsWith("globalEventExecutor")).toList();
            int clients = redis.connectedClients();
            if (left.isEmpty() && clients == 1) {
                break;
            }
            if (System.nanoTime() > deadline) {
                fail("after both servers stopped: threads " + left + ", Redis clients besides this one: "
                        + (clients - 1));
            }
            Thread.sleep(50);
        }
    }

    /** The outage WARNINGs of one deployment among the lines logged since {@code from}. */
    private long warnings(int from, String context) {
        List<String> lines = logs.lines();
        return lines.subList(from, lines.size()).stream()
                .filter(l -> l.contains(context) && l.contains("does not answer")).count();
    }
}
