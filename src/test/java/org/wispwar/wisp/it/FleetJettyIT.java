package org.wispwar.wisp.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.wispwar.wisp.protocol.Continue;
import org.wispwar.wisp.protocol.Role;
import org.wispwar.wisp.protocol.WispCodec;
import org.wispwar.wisp.testing.RawWebSocket;

/**
 * README "Scaling out", tested with real components on loopback: Debian's redis-server ({@link RedisServer}), two
 * separate embedded Jetty 12 servers each deploying the built WAR at {@code /wisp} with {@code wisp.sharedState}
 * pointing at that Redis, and Debian's HAProxy ({@link HaProxy}) running the README's config in front of both, with
 * active health checks on {@code /wisp/health/ready}. Clients connect only to HAProxy, from 127.0.0.x source
 * addresses (HAProxy's {@code option forwardfor} + {@code wisp.trustedProxies=127.0.0.1, ::1} make each one its own
 * client). Which instance served a client is read from each instance's own {@code /wisp/stats} ("sessions").
 *
 * <p>Both instances run in this one JVM, so they share the platform MBeanServer: instance A deploys first and owns
 * the MBean {@code org.wispwar.wisp:type=Wisp,context="/wisp"}; B's registration finds the name taken and is skipped
 * (WispRegistry logs a WARNING), as it would be for two deployments at one path in any single JVM. Only A is drained,
 * through that MBean, as an operator would do on A's own JVM; the test checks that it is A's readiness that turns 503.
 * First with A's checks held on HAProxy's admin socket, so that HAProxy still sends A new clients and the recipe's
 * {@code retry-on 503} has to carry them to B; then with the checks on, so that HAProxy takes A out of the rotation.
 *
 * <p>The outage test stops Redis, so the order is fixed. Not thread-safe: JUnit runs the tests one by one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FleetJettyIT {
    static final Duration WAIT = Duration.ofSeconds(20);
    static final String WISP = "/wisp";
    static final int MAX_PER_IP = 3;
    static final int RATE = 4;
    static final int TRY_AGAIN_LATER = 1013;
    static final String TOO_MANY = "too many connections from your address";
    static final String TOO_FAST = "too many new connections from your address";
    private static final Pattern SESSIONS = Pattern.compile("\"sessions\":(\\d+),");

    RedisServer redis;
    Targets echo;
    WarContainer a;
    WarContainer b;
    HaProxy haproxy;

    @BeforeAll
    void start() throws Exception {
        redis = RedisServer.start();
        echo = Targets.echo();
        Map<String, String> params = Map.of("wisp.sharedState", redis.uri(), "wisp.sharedState.onFailure", "allow",
                "wisp.trustedProxies", "127.0.0.1, ::1", "wisp.maxConnectionsPerIp", Integer.toString(MAX_PER_IP),
                "wisp.connectionRateLimit", Integer.toString(RATE), "wisp.allowPrivateAddresses", "true",
                "wisp.stats.enabled", "true");
        a = EmbeddedJetty.start(Map.of(WISP, params));
        assertTrue(a.isAvailable(WISP), "A: " + a.startupFailure(WISP));
        b = EmbeddedJetty.start(Map.of(WISP, params));
        assertTrue(b.isAvailable(WISP), "B: " + b.startupFailure(WISP));
        haproxy = HaProxy.start(a.port(), b.port());
        awaitTrue(() -> "UP".equals(status("a")) && "UP".equals(status("b")), "HAProxy's health checks find A and B up");
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (haproxy != null) {
                long pid = haproxy.pid();
                haproxy.close();   // fails if it had to be killed
                assertTrue(ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true), "haproxy pid " + pid + " runs");
            }
        } finally {
            try {
                for (WarContainer c : new WarContainer[] {b, a}) {
                    if (c != null) {
                        c.close();
                    }
                }
            } finally {
                if (echo != null) {
                    echo.close();
                }
                if (redis != null) {
                    redis.close();
                }
            }
        }
    }

    @AfterEach
    void everyConnectionEnded() {
        awaitTrue(() -> sessions(a) == 0 && sessions(b) == 0, "both instances back to 0 sessions");
        assertTrue(!haproxy.log().contains("[ALERT]"), "haproxy alerted:\n" + haproxy.log());
    }

    // ---------------------------------------------------------------------------------------------------- the recipe

    @Test
    @Order(0)
    void theTestedConfigIsTheReadmesWithOnlyTheBindLineAndServerAddressesChanged() throws Exception {
        assertEquals(HaProxy.recipe(), HaProxy.readmeRecipe(Path.of("README.md")),
                "README \"Scaling out\" and src/test/resources" + HaProxy.RECIPE + " must be the same lines");
        List<String> readme = HaProxy.recipe().lines().toList();
        List<String> tested = HaProxy.recipeFor(haproxy.port(), a.port(), b.port()).lines().toList();
        assertEquals(readme.size(), tested.size());
        int changed = 0;
        for (int i = 0; i < readme.size(); i++) {
            if (!readme.get(i).equals(tested.get(i))) {
                changed++;
                assertTrue(readme.get(i).equals("    bind :80") || readme.get(i).contains(":8080 check"),
                        "changed line " + (i + 1) + ": " + readme.get(i));
            }
        }
        assertEquals(3, changed, "the bind line and the two server lines");
    }

    // ------------------------------------------------------------------------------------------------ shared limits

    @Test
    @Order(1)
    void oneClientsConnectionCapHoldsOverBothInstancesBehindHaproxy() throws Exception {
        InetAddress client = loopback("127.0.0.2");
        List<RawWebSocket> open = new ArrayList<>();
        try {
            for (int i = 1; i <= MAX_PER_IP; i++) {
                open.add(admitted(client, "connection " + i + " of " + MAX_PER_IP));
            }
            awaitTrue(() -> sessions(a) + sessions(b) == MAX_PER_IP, "3 sessions over the two instances");
            long onA = sessions(a);
            long onB = sessions(b);
            System.out.printf("fleet: 127.0.0.2's %d WebSockets: %d on A, %d on B%n", MAX_PER_IP, onA, onB);
            assertTrue(onA > 0 && onB > 0, "HAProxy spread them: A " + onA + ", B " + onB);
            assertEquals(TOO_MANY, refused(client), "the 4th, whichever instance it reaches");
            open.add(admitted(loopback("127.0.0.3"), "another client"));
        } finally {
            closeAll(open);
        }
    }

    @Test
    @Order(2)
    void oneClientsConnectionRateHoldsOverBothInstancesBehindHaproxy() throws Exception {
        InetAddress client = loopback("127.0.0.4");
        List<RawWebSocket> first = new ArrayList<>();
        first.add(admitted(client, "new connection 1 of " + RATE + " this minute"));
        first.add(admitted(client, "new connection 2"));
        closeAll(first);
        awaitTrue(() -> sessions(a) == 0 && sessions(b) == 0, "the first two ended");
        awaitTrue(() -> {
            String held = redis.command("GET wisp:{127.0.0.4}:connections");
            return held == null || held.equals("0");
        }, "Redis holds no open connection of 127.0.0.4");
        List<RawWebSocket> open = new ArrayList<>();
        try {
            open.add(admitted(client, "new connection 3"));
            open.add(admitted(client, "new connection 4"));
            awaitTrue(() -> sessions(a) == 1 && sessions(b) == 1, "one on each instance");
            assertEquals(TOO_FAST, refused(client), "the 5th this minute, with only 2 open (cap " + MAX_PER_IP + ")");
        } finally {
            closeAll(open);
        }
    }

    @Test
    @Order(3)
    void withRedisDownOnFailureAllowAdmitsAndWithRedisBackTheLimitsAreSharedAgain() throws Exception {
        List<RawWebSocket> open = new ArrayList<>();
        try {
            redis.stop();
            InetAddress during = loopback("127.0.0.5");
            for (int i = 1; i <= MAX_PER_IP + 1; i++) {   // 2 on each instance: under each one's own cap of 3
                open.add(admitted(during, "onFailure=allow, Redis down: connection " + i));
            }
            awaitTrue(() -> sessions(a) == 2 && sessions(b) == 2, "2 on each instance");
            assertEquals(0, sharedStateUp(a), "A's wisp_shared_state_up while Redis is down");
            assertEquals(0, sharedStateUp(b), "B's wisp_shared_state_up while Redis is down");
            closeAll(open);
            open.clear();

            redis.restart();   // the same port: the instances reconnect by themselves, no redeploy
            long restarted = System.nanoTime();
            awaitTrue(() -> sharedStateUp(a) == 1 && sharedStateUp(b) == 1,
                    "both instances report wisp_shared_state_up 1 again");
            System.out.printf("fleet: both instances shared again %d ms after Redis was restarted%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted));
            InetAddress after = loopback("127.0.0.6");
            for (int i = 1; i <= MAX_PER_IP; i++) {
                open.add(admitted(after, "after the outage: connection " + i));
            }
            assertEquals(TOO_MANY, refused(after), "the shared cap holds again over both instances");
        } finally {
            closeAll(open);
        }
    }

    // --------------------------------------------------------------------------------------------------------- drain

    @Test
    @Order(4)
    void drainingAMovesNewClientsToBWhileAsOpenStreamGoesOn() throws Exception {
        List<AutoCloseable> open = new ArrayList<>();
        try {
            URI uri = URI.create("ws://127.0.0.1:" + haproxy.port() + WISP + "/");
            WispClient onA = null;
            for (int i = 0; i < 2 && onA == null; i++) {   // round robin: one of two in a row reaches A
                WispClient c = WispClient.connect(uri);
                open.add(c);
                assertEquals(128, c.awaitInitialCredit(), "admitted through HAProxy");
                int opened = i + 1;
                awaitTrue(() -> sessions(a) + sessions(b) == opened, "the session is counted");
                if (sessions(a) == 1) {
                    onA = c;
                }
            }
            assertTrue(onA != null, "no client reached A");
            onA.connectTcp(1, "127.0.0.1", echo.port());
            byte[] before = "before the drain".getBytes(StandardCharsets.UTF_8);
            onA.sendWithCredit(1, before, 64);
            assertArrayEquals(before, onA.awaitBytes(1, before.length));

            // HAProxy's checks held (A stays UP in its view): a client sent to the drained A gets 503 and the
            // recipe's retry-on 503 + redispatch carries its upgrade to B instead
            haproxy.command("disable health " + HaProxy.BACKEND + "/a");
            mbean("drain");
            String held = status("a");
            assertTrue(held.equals("no check") || held.startsWith("UP"), "A is still in HAProxy's rotation: " + held);
            long beforeRetry = sessions(b);
            InetAddress retried = loopback("127.0.0.42");
            for (int i = 1; i <= 2; i++) {   // round robin: one of the two is sent to A first
                open.add(admitted(retried, "a client while A drains and HAProxy has not noticed " + i));
            }
            awaitTrue(() -> sessions(b) == beforeRetry + 2, "both on B, one of them after a 503 from A");
            assertEquals(1, sessions(a), "A holds only the stream opened before the drain");
            // 1 or 2: if a redispatch moves the round robin on, both clients may be sent to A first
            long refusedByA = refused503(a);
            assertTrue(refusedByA >= 1 && refusedByA <= 2, "A answered " + refusedByA + " upgrades 503, which HAProxy"
                    + " retried on B");
            System.out.printf("fleet: A drained, HAProxy's checks held: %d upgrades refused 503 by A, retried on B%n",
                    refusedByA);
            haproxy.command("enable health " + HaProxy.BACKEND + "/a");

            assertEquals(503, NginxChecks.get(loopback("127.0.0.1"), a.port(), WISP + "/health/ready").status(),
                    "the MBean drained A");
            assertEquals(200, NginxChecks.get(loopback("127.0.0.1"), b.port(), WISP + "/health/ready").status());
            long drained = System.nanoTime();
            awaitTrue(() -> status("a").startsWith("DOWN"), "HAProxy marks A down");
            System.out.printf("fleet: HAProxy saw the drained A down %d ms after its checks were enabled again%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - drained));
            long onAeach = sessions(a);
            long onBeach = sessions(b);
            InetAddress newcomer = loopback("127.0.0.40");
            for (int i = 1; i <= 2; i++) {
                open.add(admitted(newcomer, "a new client while A drains " + i));
            }
            awaitTrue(() -> sessions(b) == onBeach + 2, "both new WebSockets on B");
            assertEquals(onAeach, sessions(a), "none on A");

            byte[] during = "still flowing during the drain".getBytes(StandardCharsets.UTF_8);
            onA.sendWithCredit(1, during, 64);
            byte[] all = onA.awaitBytes(1, before.length + during.length);
            assertArrayEquals(during, java.util.Arrays.copyOfRange(all, before.length, all.length),
                    "A's open stream carries data both ways");

            mbean("resume");
            awaitTrue(() -> status("a").startsWith("UP"), "HAProxy marks A up again");
            InetAddress later = loopback("127.0.0.41");
            for (int i = 1; i <= 2; i++) {
                open.add(admitted(later, "a new client after resume " + i));
            }
            awaitTrue(() -> sessions(a) == onAeach + 1 && sessions(b) == onBeach + 3,
                    "round robin over both again: one of the two on A");
        } finally {
            for (AutoCloseable c : open) {
                c.close();
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------ helpers

    /** A WebSocket through HAProxy from {@code local} that an instance admitted: its first frame is the greeting. */
    private RawWebSocket admitted(InetAddress local, String what) throws Exception {
        RawWebSocket.Upgrade upgrade = RawWebSocket.upgradeFrom(local, haproxy.port(), WISP + "/");
        assertTrue(upgrade.accepted(), what + ": " + upgrade.head() + upgrade.body());
        RawWebSocket ws = upgrade.socket();
        RawWebSocket.Frame first = ws.readFrame();
        if (first.opcode() != RawWebSocket.OPCODE_BINARY) {
            ws.close();
            fail(what + " from " + local.getHostAddress() + ": expected the greeting, got opcode " + first.opcode()
                    + (first.opcode() == RawWebSocket.OPCODE_CLOSE ? " close " + first.closeCode() + " "
                    + first.closeReason() : ""));
        }
        assertEquals(new Continue(0, 128), WispCodec.decode(java.nio.ByteBuffer.wrap(first.payload()), Role.SERVER));
        return ws;
    }

    /** Upgrades through HAProxy from {@code local}; the reason of the 1013 close the instance sends right after. */
    private String refused(InetAddress local) throws Exception {
        List<RawWebSocket> none = new ArrayList<>();
        String reason = refusedOrAdmitted(local, none);
        closeAll(none);
        if (reason == null) {
            return fail("admitted from " + local.getHostAddress());
        }
        return reason;
    }

    /**
     * The close reason of a refused WebSocket, or null if it was admitted (then it is added to {@code open}). An
     * instance decides before its greeting, so the first frame tells which.
     */
    private String refusedOrAdmitted(InetAddress local, List<RawWebSocket> open) throws Exception {
        RawWebSocket.Upgrade upgrade = RawWebSocket.upgradeFrom(local, haproxy.port(), WISP + "/");
        assertTrue(upgrade.accepted(), upgrade.head() + upgrade.body());
        RawWebSocket ws = upgrade.socket();
        RawWebSocket.Frame frame = ws.readFrame();   // bounded by the socket's read timeout
        if (frame.opcode() == RawWebSocket.OPCODE_CLOSE) {
            ws.close();
            assertEquals(TRY_AGAIN_LATER, frame.closeCode(), frame.closeReason());
            return frame.closeReason();
        }
        open.add(ws);
        assertEquals(RawWebSocket.OPCODE_BINARY, frame.opcode(), "the greeting or a close");
        return null;
    }

    private static void closeAll(List<RawWebSocket> sockets) throws IOException {
        for (RawWebSocket s : sockets) {
            s.close();
        }
    }

    /** An instance's open sessions, from its own /wisp/stats (straight to the instance, not through HAProxy). */
    static long sessions(WarContainer instance) {
        try {
            NginxChecks.HttpAnswer stats = NginxChecks.get(loopback("127.0.0.1"), instance.port(), WISP + "/stats");
            Matcher m = SESSIONS.matcher(stats.body());
            if (stats.status() != 200 || !m.find()) {
                throw new AssertionError("no sessions in " + stats.text());
            }
            return Long.parseLong(m.group(1));
        } catch (IOException e) {
            throw new AssertionError("no /wisp/stats from port " + instance.port(), e);
        }
    }

    private static final Pattern SHARED_UP = Pattern.compile("(?m)^wisp_shared_state_up(?:\\{[^}]*})? (\\S+)$");

    /** An instance's wisp_shared_state_up (1: its Redis answers), from its own /wisp/metrics. */
    static long sharedStateUp(WarContainer instance) {
        try {
            NginxChecks.HttpAnswer metrics = NginxChecks.get(loopback("127.0.0.1"), instance.port(),
                    WISP + "/metrics");
            Matcher m = SHARED_UP.matcher(metrics.body());
            if (metrics.status() != 200 || !m.find()) {
                throw new AssertionError("no wisp_shared_state_up in " + metrics.text());
            }
            return (long) Double.parseDouble(m.group(1));
        } catch (IOException e) {
            throw new AssertionError("no /wisp/metrics from port " + instance.port(), e);
        }
    }

    private static final Pattern REFUSED_503 = Pattern.compile(
            "(?m)^wisp_upgrades_refused_total\\{status=\"503\"} (\\S+)$");

    /** Upgrades an instance refused with 503 (draining), from its own /wisp/metrics; 0 before the first. */
    static long refused503(WarContainer instance) throws IOException {
        NginxChecks.HttpAnswer metrics = NginxChecks.get(loopback("127.0.0.1"), instance.port(), WISP + "/metrics");
        assertEquals(200, metrics.status(), metrics.text());
        Matcher m = REFUSED_503.matcher(metrics.body());
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    private String status(String server) {
        try {
            return haproxy.serverStatus(server);
        } catch (IOException e) {
            throw new AssertionError("haproxy's stats socket: " + e, e);
        }
    }

    /** drain or resume on /wisp's MBean: A's, which deployed first (see the class comment). */
    private static void mbean(String operation) throws Exception {
        ObjectName name = new ObjectName("org.wispwar.wisp:type=Wisp,context=" + ObjectName.quote(WISP));
        ManagementFactory.getPlatformMBeanServer().invoke(name, operation, new Object[0], new String[0]);
    }

    static void awaitTrue(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("not within " + WAIT + ": " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    private static InetAddress loopback(String literal) {
        try {
            return InetAddress.getByName(literal);   // a literal: never looked up
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
