package org.wispwar.wisp.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.wispwar.wisp.protocol.Close;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Data;
import org.wispwar.wisp.testing.Await;
import org.wispwar.wisp.testing.LogCapture;

/**
 * What an operator sees of a real connection through the real container, with the WAR's lines captured from
 * {@code java.util.logging} in this JVM (the embedded containers run in-process): the INFO opened and closed lines and
 * the access line of a stream that carried known bytes to a loopback echo server; refusals (1013, 401) at INFO; the
 * forwarded-for WARNING exactly once per deployment; and the MBean's listConnections / closeConnection, with the
 * client seeing CLOSE 0x02 and then WebSocket close 1008. Each container's IT extends this and says how to start it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class ConnectionLogChecks {
    static final String PATH = "/connlog";
    /** At most one WebSocket per IP, and a bearer token: for the refusals. */
    static final String GUARDED = "/connlog-guarded";
    static final String TOKEN = "it-connlog-token";
    static final String FORWARDED = "/connlog-forwarded";
    private static final Pattern OPENED = Pattern.compile("\\[([0-9a-z]+\\.[0-9a-z]+)] connection opened: .*");

    WarContainer server;
    private Targets echo;
    private LogCapture wisp;

    abstract WarContainer start(Map<String, Map<String, String>> contexts) throws Exception;

    @BeforeAll
    void startServer() throws Exception {
        Map<String, Map<String, String>> contexts = new LinkedHashMap<>();
        contexts.put(PATH, Map.of("wisp.allowPrivateAddresses", "true", "wisp.pingInterval", "0"));
        contexts.put(GUARDED, Map.of("wisp.allowPrivateAddresses", "true", "wisp.maxConnectionsPerIp", "1",
                "wisp.auth.bearer", TOKEN));
        server = start(contexts);
        for (String path : contexts.keySet()) {
            assertTrue(server.isAvailable(path), path + " did not deploy: " + server.startupFailure(path));
        }
        echo = Targets.echo();
    }

    @AfterAll
    void stopServer() throws Exception {
        if (echo != null) {
            echo.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void capture() {
        wisp = LogCapture.of("org.wispwar.wisp");
    }

    @AfterEach
    void stopCapturing() {
        wisp.close();
    }

    /** The id of the connection whose opened line names this (unique) Origin. */
    private String openedId(String origin) {
        String line = wisp.await("opened with origin " + origin, 10,
                l -> l.contains(" connection opened: ") && l.contains(" origin=" + origin + " "));
        Matcher m = OPENED.matcher(line);
        assertTrue(m.matches(), line);
        return m.group(1);
    }

    /** Polls {@code probe} until it returns non-null, for up to 10 s. */
    private static <T> T poll(String what, java.util.concurrent.Callable<T> probe) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            T value = probe.call();
            if (value != null) {
                return value;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(5);   // a poll step, bounded by the deadline above
        }
    }

    private static Map<String, String> origin(String origin) {
        return Map.of("Origin", origin);
    }

    @Test
    void aRealConnectionLogsItsOpeningItsStreamAndItsEnd() throws Exception {
        byte[] payload = "0123456789".repeat(100).getBytes(StandardCharsets.US_ASCII);
        String id;
        try (WispClient client = WispClient.connect(server.wispUri(PATH), origin("https://opened.example"), List.of())) {
            id = openedId("https://opened.example");
            assertEquals("[" + id + "] connection opened: client=127.0.0.1 via=- origin=https://opened.example proto=v1",
                    wisp.await("opened", l -> l.startsWith("[" + id + "] connection opened")));
            client.awaitInitialCredit();
            client.connectTcp(1, "127.0.0.1", echo.port());
            client.send(new Data(1, java.nio.ByteBuffer.wrap(payload)));
            assertArrayEquals(payload, client.awaitBytes(1, payload.length));
            client.send(new Close(1, CloseReason.VOLUNTARY));

            String access = wisp.await("access line of stream 1", l -> l.contains(" conn=" + id + " stream=1 "));
            assertTrue(access.matches("time=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z conn=" + Pattern.quote(id)
                    + " stream=1 client=127\\.0\\.0\\.1 via=- origin=https://opened\\.example proto=tcp dest=127\\.0\\.0\\.1:"
                    + echo.port() + " dialed=127\\.0\\.0\\.1 up=1000 down=1000 ms=\\d+ reason=VOLUNTARY\\(0x02\\) by=client"),
                    access);
            assertEquals(Level.INFO, wisp.levelOf(access));
        }
        String closed = wisp.await("closed", 10, l -> l.startsWith("[" + id + "] connection closed: "));
        assertTrue(closed.matches(Pattern.quote("[" + id + "] connection closed: client=127.0.0.1 proto=v1 ms=")
                + "\\d+ up=1000 down=1000 streams=1 code=1000 by=client phrase=.*"), closed);
        assertEquals(1, wisp.containing(" conn=" + id + " ").size(), "one access line: " + wisp.lines());
    }

    @Test
    void aWsproxyConnectionGetsOneAccessLineAndItsConnectionLines() throws Exception {
        byte[] payload = "wsproxy!".getBytes(StandardCharsets.US_ASCII);
        java.net.URI uri = java.net.URI.create("ws://127.0.0.1:" + server.port() + PATH + "/127.0.0.1:" + echo.port());
        try (WsproxyClient client = WsproxyClient.connect(uri)) {
            client.sendBinary(payload);
            assertArrayEquals(payload, client.awaitBytes(payload.length));
            assertEquals(1000, client.closeNormally());
        }
        String dest = "dest=127.0.0.1:" + echo.port();
        String access = wisp.await("wsproxy access line", 10, l -> l.startsWith("time=") && l.contains(" " + dest + " "));
        Matcher m = Pattern.compile("time=\\S+ conn=(\\S+) stream=- client=127\\.0\\.0\\.1 via=- origin=- proto=wsproxy "
                + Pattern.quote(dest) + " dialed=127\\.0\\.0\\.1 up=8 down=8 ms=\\d+ reason=- by=client").matcher(access);
        assertTrue(m.matches(), access);
        String id = m.group(1);
        assertEquals("[" + id + "] connection opened: client=127.0.0.1 via=- origin=- proto=wsproxy " + dest,
                wisp.await("opened", l -> l.startsWith("[" + id + "] connection opened: ")));
        String closed = wisp.await("closed", l -> l.startsWith("[" + id + "] connection closed: "));
        assertTrue(closed.matches(Pattern.quote("[" + id + "] connection closed: client=127.0.0.1 proto=wsproxy ms=")
                + "\\d+ up=8 down=8 streams=1 code=1000 by=client phrase=bye"), closed);
    }

    @Test
    void theOperatorListsAndClosesAConnectionThroughJmx() throws Exception {
        MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
        ObjectName mbean = new ObjectName("org.wispwar.wisp:type=Wisp,context=" + ObjectName.quote(PATH));
        try (WispClient client = WispClient.connect(server.wispUri(PATH), origin("https://jmx.example"), List.of())) {
            String id = openedId("https://jmx.example");
            client.awaitInitialCredit();
            client.connectTcp(1, "127.0.0.1", echo.port());
            client.send(Data.of(1, "ping".getBytes(StandardCharsets.US_ASCII)));
            client.awaitBytes(1, 4);

            CompositeData row = poll("the connection listed with its stream and bytes", () -> {
                for (CompositeData c : (CompositeData[]) mbeans.invoke(mbean, "listConnections", null, null)) {
                    if (c.get("id").equals(id) && (Integer) c.get("streamsOpen") == 1 && (Long) c.get("bytesDown") == 4) {
                        return c;
                    }
                }
                return null;
            });
            assertEquals("127.0.0.1", row.get("clientIp"));
            assertEquals("v1", row.get("kind"));
            assertEquals(4L, row.get("bytesUp"));

            assertEquals(Boolean.TRUE, mbeans.invoke(mbean, "closeConnection", new Object[] {id},
                    new String[] {String.class.getName()}));
            client.assertClosedWith(1, CloseReason.VOLUNTARY);
            assertEquals(1008, client.awaitWebSocketClose());
            assertEquals("closed by the operator", client.webSocketCloseReason());

            String closed = wisp.await("closed", 10, l -> l.startsWith("[" + id + "] connection closed: "));
            assertTrue(closed.contains(" streams=1 code=1008 by=operator "), closed);
            assertTrue(wisp.await("access line", l -> l.contains(" conn=" + id + " stream=1 "))
                    .endsWith(" reason=VOLUNTARY(0x02) by=operator"));
            assertEquals(Boolean.FALSE, mbeans.invoke(mbean, "closeConnection", new Object[] {id},
                    new String[] {String.class.getName()}), "gone");
            Await.until("the connection leaves the list", () -> {
                try {
                    for (CompositeData c : (CompositeData[]) mbeans.invoke(mbean, "listConnections", null, null)) {
                        if (c.get("id").equals(id)) {
                            return false;
                        }
                    }
                    return true;
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
        }
    }

    @Test
    void refusalsAreLoggedAtInfo() throws Exception {
        Map<String, String> headers = Map.of("Origin", "https://refused.example", "Authorization", "Bearer " + TOKEN);
        try (WispClient first = WispClient.connect(server.wispUri(GUARDED), headers, List.of())) {
            first.awaitInitialCredit();
            try (WispClient second = WispClient.connect(server.wispUri(GUARDED), headers, List.of())) {
                assertEquals(1013, second.awaitWebSocketClose());
            }
            String refused = wisp.await("1013", l -> l.contains("connection refused (1013, wisp.maxConnectionsPerIp)"));
            assertTrue(refused.matches("\\[[0-9a-z]+\\.[0-9a-z]+] connection refused \\(1013, wisp\\.maxConnectionsPerIp\\):"
                    + " client=127\\.0\\.0\\.1 via=- origin=https://refused\\.example proto=v1"), refused);
        }

        try (HttpClient http = HttpClient.newHttpClient()) {
            CompletionException e = assertThrows(CompletionException.class, () -> http.newWebSocketBuilder()
                    .header("Origin", "https://no-token.example")
                    .buildAsync(server.wispUri(GUARDED), new WebSocket.Listener() { }).orTimeout(20, TimeUnit.SECONDS)
                    .join());
            assertEquals(401, ((WebSocketHandshakeException) e.getCause()).getResponse().statusCode());
        }
        String line = wisp.await("401", l -> l.startsWith("upgrade refused (401): "));
        assertTrue(line.startsWith("upgrade refused (401): client=127.0.0.1 via=- origin=https://no-token.example path="
                + GUARDED + "/ why="), line);
        assertFalse(line.contains(TOKEN), "no credentials in the log");
    }

    @Test
    void forwardedForFromAnUntrustedPeerIsReportedOncePerDeployment() throws Exception {
        server.deploy(FORWARDED, Map.of("wisp.allowPrivateAddresses", "true"));
        try {
            assertTrue(server.isAvailable(FORWARDED), "deployed: " + server.startupFailure(FORWARDED));
            for (int i = 0; i < 3; i++) {
                Map<String, String> headers = Map.of("X-Forwarded-For", "198.51.100." + (i + 1),
                        "Origin", "https://fwd" + i + ".example");
                try (WispClient client = WispClient.connect(server.wispUri(FORWARDED), headers, List.of())) {
                    client.awaitInitialCredit();
                    String id = openedId("https://fwd" + i + ".example");
                    assertTrue(wisp.await("opened", l -> l.startsWith("[" + id + "] connection opened: "))
                            .contains(" client=127.0.0.1 via=- "), "the header is ignored");
                }
            }
            List<String> warnings = wisp.containing("X-Forwarded-For / X-Real-IP headers came from 127.0.0.1");
            assertEquals(1, warnings.size(), "once per deployment: " + warnings);
            assertEquals(Level.WARNING, wisp.levelOf(warnings.get(0)));
            assertTrue(warnings.get(0).contains("wisp.trustedProxies"), warnings.get(0));
        } finally {
            server.undeploy(FORWARDED);
        }
    }
}
