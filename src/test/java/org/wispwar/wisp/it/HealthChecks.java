package org.wispwar.wisp.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.wispwar.wisp.protocol.CloseReason;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.wispwar.wisp.testing.RawWebSocket;

/**
 * The health endpoints and the drain switch through the built WAR, the same on every container ({@code HealthJettyIT},
 * {@code HealthTomcatIT}): {@code /health/live} and {@code /health/ready} answer 200 UP in MicroProfile Health's JSON;
 * {@code drain} on the deployment's MBean takes readiness to 503 DOWN and answers new Wisp and wsproxy upgrades with 503
 * and {@code Retry-After}, while open connections keep carrying data and a Wisp connection may still open streams;
 * {@code resume} undoes it; {@code wisp.health.enabled=false} answers 404, and a bad value fails the deployment.
 * Readiness during an undeploy cannot be seen here: once a context starts stopping, both containers answer its paths
 * with 404 themselves; {@code HealthJettyIT} shows it on a Jetty server stop, where the connectors still serve.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class HealthChecks {
    static final Duration WAIT = Duration.ofSeconds(20);
    /** Drained and resumed by one test. */
    static final String DRAINED = "/drained";
    /** Drained with wisp.drainGrace=2s: what is still open then gets closed. */
    static final String GRACE = "/grace";
    static final Duration GRACE_PERIOD = Duration.ofSeconds(2);
    /** Only read, never drained; its statistics need a token, its health does not. */
    static final String STEADY = "/steady";
    static final String STATS_TOKEN = "s3cret-stats-token";
    /** wisp.health.enabled=false. */
    static final String NO_HEALTH = "/nohealth";
    /** wisp.health.enabled=yes: must not deploy. */
    static final String BAD = "/badhealth";
    static final String RETRY_AFTER = "5";

    WarContainer server;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(WAIT).build();

    /** Starts the container with one deployment of the WAR per entry: context path → context params. */
    abstract WarContainer start(Map<String, Map<String, String>> contexts) throws Exception;

    @BeforeAll
    void startServer() throws Exception {
        Map<String, Map<String, String>> contexts = new LinkedHashMap<>();
        contexts.put(DRAINED, Map.of("wisp.allowPrivateAddresses", "true"));
        contexts.put(STEADY, Map.of("wisp.stats.enabled", "true", "wisp.stats.token", STATS_TOKEN));
        contexts.put(GRACE, Map.of("wisp.allowPrivateAddresses", "true", "wisp.drainGrace",
                GRACE_PERIOD.toSeconds() + "s"));
        contexts.put(NO_HEALTH, Map.of("wisp.health.enabled", "false", "wisp.allowPrivateAddresses", "true"));
        contexts.put(BAD, Map.of("wisp.health.enabled", "yes"));
        server = start(contexts);
        for (String path : List.of(DRAINED, STEADY, NO_HEALTH, GRACE)) {
            assertTrue(server.isAvailable(path), path + " did not deploy: " + server.startupFailure(path));
        }
    }

    @AfterAll
    void stopServer() throws Exception {
        http.close();
        if (server != null) {
            server.close();
        }
    }

    @Test
    void liveAndReadyAnswer200UpInMicroProfileShape() throws Exception {
        HttpResponse<String> live = get(STEADY + "/health/live");
        assertEquals(200, live.statusCode(), live.body());
        assertJsonNoStore(live);
        assertEquals("{\"status\":\"UP\",\"checks\":[{\"name\":\"deployment\",\"status\":\"UP\","
                + "\"data\":{\"started\":true,\"housekeeping\":true}}]}", live.body());

        HttpResponse<String> ready = get(STEADY + "/health/ready");
        assertEquals(200, ready.statusCode(), ready.body());
        assertJsonNoStore(ready);
        assertEquals("{\"status\":\"UP\",\"checks\":[{\"name\":\"new-connections\",\"status\":\"UP\","
                + "\"data\":{\"live\":true,\"draining\":false,\"undeploying\":false,\"sessions\":0}}]}", ready.body());

        HttpResponse<String> both = get(STEADY + "/health");
        assertEquals(200, both.statusCode(), both.body());
        assertJsonNoStore(both);
        assertEquals("{\"status\":\"UP\",\"checks\":[" + between(live.body(), "[", "]") + ","
                + between(ready.body(), "[", "]") + "]}", both.body());
    }

    @Test
    void healthNeedsNoTokenAndTakesNothingFromWispOrWsproxy() throws Exception {
        assertEquals(401, get(STEADY + "/stats").statusCode(), "the statistics need the token");
        for (String path : List.of("/health", "/health/live", "/health/ready")) {
            assertEquals(200, get(STEADY + path).statusCode(), path + " without an Authorization header");
        }
        try (WispClient c = WispClient.connect(server.wispUri(STEADY))) {
            assertEquals(128, c.awaitInitialCredit(), "the Wisp endpoint at / still answers");
        }
        RawWebSocket.Upgrade health = RawWebSocket.upgrade(server.port(), STEADY + "/health");
        assertTrue(health.accepted(), "an upgrade to /health is still a wsproxy request: " + health.head());
        try (RawWebSocket ws = health.socket()) {
            RawWebSocket.Frame close = ws.readFrame();
            assertEquals(RawWebSocket.OPCODE_CLOSE, close.opcode());
            assertEquals(1008, close.closeCode());
            assertTrue(close.closeReason().startsWith("invalid wsproxy target"), close.closeReason());
        }
    }

    @Test
    void drainRefusesNewUpgradesWhileOpenConnectionsGoOnUntilResumed() throws Exception {
        try (Targets echo = Targets.echo();
                WispClient wisp = WispClient.connect(server.wispUri(DRAINED));
                WsproxyClient wsproxy = WsproxyClient.connect(wsproxyUri(DRAINED, echo.port()))) {
            wisp.awaitInitialCredit();
            wisp.connectTcp(1, "127.0.0.1", echo.port());
            wisp.sendWithCredit(1, bytes("before;"), 64);
            assertArrayEquals(bytes("before;"), wisp.awaitBytes(1, 7));
            wsproxy.sendBinary(bytes("before;"));
            assertArrayEquals(bytes("before;"), wsproxy.awaitBytes(7));
            assertEquals(false, mbean(DRAINED, "Draining"));

            invoke(DRAINED, "drain");
            try {
                assertEquals(true, mbean(DRAINED, "Draining"));
                HttpResponse<String> ready = get(DRAINED + "/health/ready");
                assertEquals(503, ready.statusCode(), ready.body());
                assertJsonNoStore(ready);
                assertEquals("{\"status\":\"DOWN\",\"checks\":[{\"name\":\"new-connections\",\"status\":\"DOWN\","
                        + "\"data\":{\"live\":true,\"draining\":true,\"undeploying\":false,\"sessions\":2}}]}",
                        ready.body());
                HttpResponse<String> live = get(DRAINED + "/health/live");
                assertEquals(200, live.statusCode(), "a draining deployment is alive: " + live.body());
                assertEquals(503, get(DRAINED + "/health").statusCode());
                try (HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build()) {
                    // the JDK client asks for an h2c upgrade on cleartext: not a WebSocket, so the servlet answers
                    HttpResponse<String> viaH2c = h2.send(HttpRequest.newBuilder(uri(DRAINED + "/health/ready"))
                            .timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
                    assertEquals(ready.body(), viaH2c.body());
                }

                assertRefused(DRAINED + "/");
                assertRefused(DRAINED + "/127.0.0.1:" + echo.port());
                assertEquals(200, get(DRAINED + "/").statusCode(), "plain requests still pass: the index page");

                wisp.sendWithCredit(1, bytes("during;"), 64);
                assertArrayEquals(bytes("before;during;"), wisp.awaitBytes(1, 14), "the open stream carries on");
                wisp.connectTcp(2, "127.0.0.1", echo.port());
                wisp.sendWithCredit(2, bytes("new stream"), 64);
                assertArrayEquals(bytes("new stream"), wisp.awaitBytes(2, 10), "draining refuses connections, not streams");
                wsproxy.sendBinary(bytes("during;"));
                assertArrayEquals(bytes("before;during;"), wsproxy.awaitBytes(14), "the open wsproxy carries on");
                assertEquals(2L, WarContainer.stat(DRAINED, "Sessions"));
            } finally {
                invoke(DRAINED, "resume");
            }

            assertEquals(false, mbean(DRAINED, "Draining"));
            HttpResponse<String> ready = get(DRAINED + "/health/ready");
            assertEquals(200, ready.statusCode(), ready.body());
            assertTrue(ready.body().contains("\"draining\":false"), ready.body());
            try (WispClient again = WispClient.connect(server.wispUri(DRAINED));
                    WsproxyClient wsproxyAgain = WsproxyClient.connect(wsproxyUri(DRAINED, echo.port()))) {
                assertEquals(128, again.awaitInitialCredit(), "new Wisp connections after resume");
                wsproxyAgain.sendBinary(bytes("after"));
                assertArrayEquals(bytes("after"), wsproxyAgain.awaitBytes(5), "new wsproxy connections after resume");
            }
            wisp.sendWithCredit(1, bytes("after"), 64);
            assertArrayEquals(bytes("before;during;after"), wisp.awaitBytes(1, 19));
        }
    }

    @Test
    void whatIsStillOpenWhenTheDrainGraceRunsOutGetsCloseAnd1001() throws Exception {
        try (Targets echo = Targets.echo();
                WispClient wisp = WispClient.connect(server.wispUri(GRACE));
                WsproxyClient wsproxy = WsproxyClient.connect(wsproxyUri(GRACE, echo.port()))) {
            wisp.awaitInitialCredit();
            wisp.connectTcp(1, "127.0.0.1", echo.port());
            wisp.sendWithCredit(1, bytes("before;"), 64);
            assertArrayEquals(bytes("before;"), wisp.awaitBytes(1, 7));
            wsproxy.sendBinary(bytes("before;"));
            assertArrayEquals(bytes("before;"), wsproxy.awaitBytes(7));

            long drained = System.nanoTime();
            invoke(GRACE, "drain");
            try {
                wisp.sendWithCredit(1, bytes("during;"), 64);
                assertArrayEquals(bytes("before;during;"), wisp.awaitBytes(1, 14), "the stream goes on meanwhile");
                assertEquals(CloseReason.VOLUNTARY, wisp.awaitClose(1).reason(), "the stream's CLOSE at the end");
                assertEquals(1001, wisp.awaitWebSocketClose());
                assertEquals("server drained", wisp.webSocketCloseReason());
                assertEquals(1001, wsproxy.awaitClose());
                assertEquals("server drained", wsproxy.closeReason());
                long took = System.nanoTime() - drained;
                assertTrue(took >= GRACE_PERIOD.toNanos(), "not before the grace is over: " + took / 1_000_000 + " ms");
                awaitTrue("no session left", () -> statOrMinus(GRACE, "Sessions") == 0
                        && statOrMinus(GRACE, "Sockets") == 0);
            } finally {
                invoke(GRACE, "resume");
            }
        }
    }

    private static long statOrMinus(String context, String attribute) {
        try {
            return ((Number) WarContainer.stat(context, attribute)).longValue();
        } catch (Exception e) {
            throw new AssertionError("MBean attribute " + attribute + " of " + context, e);
        }
    }

    @Test
    void disabledHealthAnswers404() throws Exception {
        for (String path : List.of("/health", "/health/live", "/health/ready")) {
            assertEquals(404, get(NO_HEALTH + path).statusCode(), path);
        }
        try (WispClient c = WispClient.connect(server.wispUri(NO_HEALTH))) {
            assertEquals(128, c.awaitInitialCredit(), "the deployment itself works");
        }
    }

    @Test
    void aBadValueFailsTheDeploymentNamingTheParam() {
        assertFalse(server.isAvailable(BAD), BAD + " must not be available");
        StringBuilder messages = new StringBuilder();
        for (Throwable t = server.startupFailure(BAD); t != null; t = t.getCause()) {
            messages.append(t).append(" | ");
        }
        assertTrue(messages.toString().contains("wisp.health.enabled must be true or false, was \"yes\""),
                messages.toString());
    }

    /**
     * Waits until the server's sends to a client that stopped reading are stuck: its bytes-to-clients counter stops
     * moving for a whole second (every buffer between the two is full; nothing else sends on this deployment).
     */
    static void awaitSendsBlocked(String context) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        long last = -1;
        long since = System.nanoTime();
        while (true) {
            long now = (Long) WarContainer.stat(context, "BytesToClients");
            if (now != last) {
                last = now;
                since = System.nanoTime();
            } else if (now > 0 && System.nanoTime() - since > TimeUnit.SECONDS.toNanos(1)) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                fail("sends to the paused client did not stall within " + WAIT + ": " + now + " bytes");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    // ------------------------------------------------------------------------------------------------------ helpers

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).timeout(WAIT).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    URI wsproxyUri(String context, int port) {
        return URI.create("ws://127.0.0.1:" + server.port() + context + "/127.0.0.1:" + port);
    }

    /** A hand-written upgrade to {@code path} gets 503 with Retry-After, and no session opens. */
    void assertRefused(String path) throws Exception {
        String context = "/" + path.split("/")[1];
        long sessions = (Long) WarContainer.stat(context, "Sessions");
        RawWebSocket.Upgrade upgrade = RawWebSocket.upgrade(server.port(), path);
        assertTrue(upgrade.head().startsWith("HTTP/1.1 503"), path + ": " + upgrade.head());
        assertEquals(List.of(RETRY_AFTER), header(upgrade.head(), "Retry-After"), upgrade.head());
        assertEquals(sessions, WarContainer.stat(context, "Sessions"), "no session opened for " + path);
    }

    static void assertJsonNoStore(HttpResponse<String> response) {
        String type = response.headers().firstValue("Content-Type").orElse("");
        assertTrue(type.toLowerCase(Locale.ROOT).startsWith("application/json"), "Content-Type: " + type);
        assertEquals(List.of("no-store"), response.headers().allValues("Cache-Control"));
    }

    static List<String> header(String head, String name) {
        List<String> values = new ArrayList<>();
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
                values.add(line.substring(colon + 1).strip());
            }
        }
        return values;
    }

    static Object mbean(String context, String attribute) throws Exception {
        return WarContainer.stat(context, attribute);
    }

    static void invoke(String context, String operation) throws Exception {
        ObjectName name = new ObjectName("org.wispwar.wisp:type=Wisp,context=" + ObjectName.quote(context));
        ManagementFactory.getPlatformMBeanServer().invoke(name, operation, new Object[0], new String[0]);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String between(String s, String open, String close) {
        return s.substring(s.indexOf(open) + 1, s.lastIndexOf(close));
    }

    static void awaitTrue(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("not true within " + WAIT + ": " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
    }
}
