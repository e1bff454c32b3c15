package org.wispwar.wisp.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import java.net.CookieManager;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.wispwar.wisp.testing.LogCapture;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.wispwar.wisp.protocol.Close;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.Data;
import org.wispwar.wisp.protocol.StreamType;
import org.wispwar.wisp.testing.UdpEcho;

/**
 * How the WAR lives in a container that also runs other things: beside another webapp at {@code /}, configured the
 * container's way, observed through {@code /stats} and JMX, and undeployed and redeployed without leaving threads,
 * descriptors, heap or class loaders behind. Each container's IT extends this and says how to start the container.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class DeploymentChecks {
    /** Our WAR at the usual path, beside {@link #ROOT}; loopback allowed, B = 16 (the WAR's default is 128). */
    static final String WISP = "/wisp";
    /** The other webapp. */
    static final String ROOT = "/";
    /** The shipped defaults: statistics off. */
    static final String DEFAULTS = "/wisp-defaults";
    /** Statistics on behind a token, at most 2 streams per connection; only the statistics test uses it. */
    static final String COUNTED = "/counted";
    /** Deployed and undeployed by the redeploy test. */
    static final String REDEPLOYED = "/redeployed";
    static final String TOKEN = "s3cret-stats-token";
    static final int BUFFER = 16;

    WarContainer server;

    /** Starts the container with one deployment of the WAR per entry: context path → context params. */
    abstract WarContainer start(Map<String, Map<String, String>> contexts) throws Exception;

    @BeforeAll
    void startServer() throws Exception {
        Map<String, Map<String, String>> contexts = new LinkedHashMap<>();
        contexts.put(WISP, Map.of("wisp.allowPrivateAddresses", "true", "wisp.bufferSize", String.valueOf(BUFFER),
                "wisp.stats.enabled", "true"));
        contexts.put(DEFAULTS, Map.of());
        contexts.put(COUNTED, Map.of("wisp.allowPrivateAddresses", "true", "wisp.maxStreamsPerConnection", "2",
                "wisp.stats.enabled", "true", "wisp.stats.token", TOKEN));
        server = start(contexts);
        server.deployWebapp(ROOT, OtherWebapp.build());
        for (String path : List.of(WISP, DEFAULTS, COUNTED, ROOT)) {
            assertTrue(server.isAvailable(path), path + " did not deploy: " + server.startupFailure(path));
        }
    }

    @AfterAll
    void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    // ------------------------------------------------------------------------------------ beside another webapp

    @Test
    void besideAnotherWebappAtTheRootBothWorkAndShareNothing() throws Exception {
        long sessionsBefore = server.sessionsCreated(ROOT);   // other tests' requests may reach the root app too
        HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
        try (http; Targets echo = Targets.echo(); WispClient c = WispClient.connect(server.wispUri(WISP))) {
            String first = get(http, server.httpUri(ROOT), 200);
            assertTrue(first.contains("greeting=hello from the other app"), "its own servlet and bean: " + first);
            assertTrue(first.contains("wispBeans=0"), "its CDI container sees none of our beans: " + first);
            assertTrue(first.contains("session=new"), first);

            assertEquals(BUFFER, c.awaitInitialCredit(), "ours answers at /wisp/, with its own params");
            c.connectTcp(1, "127.0.0.1", echo.port());
            c.sendWithCredit(1, "both alive".getBytes(), 64);
            assertArrayEquals("both alive".getBytes(), c.awaitBytes(1, 10));

            // The other app's session cookie (path /) goes along to /wisp too: our context neither joins nor
            // creates a session, and the other app's session lives on.
            get(http, server.httpUri(WISP), 200);
            get(http, URI.create(server.httpUri(WISP) + "stats"), 200);
            String second = get(http, server.httpUri(ROOT), 200);
            assertTrue(second.contains("session=existing"), second);
            assertEquals(sessionsBefore + 1, server.sessionsCreated(ROOT), "the other app's one session");
            assertEquals(0, server.sessionsCreated(WISP), "the WAR never creates HTTP sessions");
        }
        ClassLoader ours = server.classLoader(WISP);
        ClassLoader theirs = server.classLoader(ROOT);
        assertThrows(ClassNotFoundException.class, () -> ours.loadClass(OtherWebapp.GREETER),
                "the other app's classes are invisible to ours");
        assertNotSame(ours.loadClass("org.wispwar.wisp.endpoint.WispRegistry"),
                loadOrNull(theirs, "org.wispwar.wisp.endpoint.WispRegistry"),
                "our classes come from our WEB-INF/classes; the other app never gets them");
    }

    private static Class<?> loadOrNull(ClassLoader loader, String name) {
        try {
            return loader.loadClass(name);   // the test classpath has target/classes; a real container does not
        } catch (ClassNotFoundException e) {
            return null;
        }
    }

    // -------------------------------------------------------------------------------------------- configuration

    @Test
    void contextParamsSetTheContainersPlainWayTakeEffectAndAbsentOnesTakeTheCodesDefaults() throws Exception {
        try (WispClient c = WispClient.connect(server.wispUri(WISP)); WispClient d = WispClient.connect(
                server.wispUri(DEFAULTS))) {
            assertEquals(BUFFER, c.awaitInitialCredit(), "wisp.bufferSize from the container (Tomcat: a plain"
                    + " <Parameter>; Jetty: an override descriptor)");
            assertEquals(128, d.awaitInitialCredit(), "wisp.bufferSize's default, from the code");
        }
    }

    @Test
    void theDeployLogNamesEachParamSetAndWhereFromButNeverASecret() throws Exception {
        String path = "/params-logged";
        String secret = "do-not-print-" + Long.toHexString(System.nanoTime());
        try (LogCapture log = LogCapture.of("org.wispwar.wisp")) {
            server.deploy(path, Map.of("wisp.stats.enabled", "true", "wisp.stats.token", secret,
                    "wisp.bufferSize", "64"));
            try {
                String line = log.await("naming the params of " + path,
                        l -> l.startsWith("Wisp params at " + path + "/: "));
                for (String part : List.of("wisp.bufferSize=64 (container)", "wisp.stats.enabled=true (container)",
                        "wisp.stats.token=(secret) (container)")) {
                    assertTrue(line.contains(part), part + " in: " + line);
                }
                assertFalse(line.contains("(web.xml)"), "the WAR's web.xml sets no param: " + line);
                assertEquals(List.of(), log.containing(secret), "the token is never logged");
                assertTrue(log.await("the ready line", l -> l.startsWith("Wisp server ")).startsWith(
                        "Wisp server " + org.wispwar.wisp.config.ServerVersion.get() + " at "), "the version");
            } finally {
                server.undeploy(path);
            }
        }
    }

    @Test
    void withoutWebSocketSupportTheDeploymentFailsLoudly() throws Exception {
        String path = "/no-websocket";
        server.deployWithoutWebSocket(path);
        try {
            assertFalse(server.isAvailable(path), "a WAR that cannot serve WebSockets must not report itself started");
            StringBuilder messages = new StringBuilder();
            for (Throwable t = server.startupFailure(path); t != null; t = t.getCause()) {
                messages.append(t.getMessage()).append(" | ");
            }
            assertTrue(messages.toString().contains("Wisp needs Jakarta WebSocket support"), messages.toString());
            try (HttpClient http = HttpClient.newHttpClient()) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.httpUri(path)).build(),
                        HttpResponse.BodyHandlers.ofString());
                // Jetty answers 503; Tomcat drops the failed context, so the other app at / answers instead
                assertFalse(r.body().contains("Wisp server"), "the failed WAR serves nothing: " + r.statusCode());
            }
        } finally {
            server.undeploy(path);
        }
    }

    // --------------------------------------------------------------------------------------- statistics and JMX

    @Test
    void statisticsAreOffByDefault() throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            get(http, URI.create(server.httpUri(DEFAULTS) + "stats"), 404);
        }
    }

    @Test
    void statisticsNeedTheTokenWhenOneIsSet() throws Exception {
        URI stats = URI.create(server.httpUri(COUNTED) + "stats");
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> none = http.send(HttpRequest.newBuilder(stats).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, none.statusCode());
            assertEquals("Bearer realm=\"wisp-stats\"", none.headers().firstValue("WWW-Authenticate").orElse(null));
            HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(stats)
                    .header("Authorization", "Bearer " + TOKEN + "x").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, wrong.statusCode());
            HttpResponse<String> right = http.send(HttpRequest.newBuilder(stats)
                    .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, right.statusCode());
            assertEquals("application/json", right.headers().firstValue("Content-Type").orElse("")
                    .replaceAll(";.*", "").strip());
        }
    }

    /**
     * One of each: a refused stream, an unknown stream type, a TCP stream, a UDP stream, a wsproxy connection, and a
     * CONNECT over the per-connection cap. The JSON then shows exactly these, the MBean the same numbers, and nothing
     * that names a destination or the token.
     */
    @Test
    void statisticsShowStreamsByTypeBytesClosesAndLimitsLikeTheMBean() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        try (Targets echo = Targets.echo(); UdpEcho udp = new UdpEcho(InetAddress.getLoopbackAddress());
                WispClient c = WispClient.connect(server.wispUri(COUNTED));
                HttpClient http = HttpClient.newHttpClient()) {
            c.awaitInitialCredit();
            c.connectTcp(1, "127.0.0.1", closedPort);
            c.assertClosedWith(1, CloseReason.SERVER_STREAM_CONNECTION_REFUSED);
            c.send(new Connect(2, 0x03, echo.port(), "127.0.0.1"));
            c.assertClosedWith(2, CloseReason.SERVER_STREAM_INVALID_INFO);
            c.connectTcp(3, "127.0.0.1", echo.port());
            c.sendWithCredit(3, "hello".getBytes(), 64);
            assertArrayEquals("hello".getBytes(), c.awaitBytes(3, 5));
            c.send(new Connect(4, StreamType.UDP, udp.port(), "127.0.0.1"));
            c.send(Data.of(4, "ping".getBytes()));
            assertArrayEquals("ping".getBytes(), c.awaitBytes(4, 4));
            c.connectTcp(5, "127.0.0.1", echo.port());   // the third open stream, over wisp.maxStreamsPerConnection=2
            c.assertClosedWith(5, CloseReason.SERVER_STREAM_THROTTLED);
            try (WsproxyClient w = WsproxyClient.connect(URI.create("ws://127.0.0.1:" + server.port() + COUNTED
                    + "/127.0.0.1:" + echo.port()))) {
                w.sendBinary("abc".getBytes());
                assertArrayEquals("abc".getBytes(), w.awaitBytes(3));
                awaitTrue("6 stream threads, no transient ones", () -> stat(COUNTED, "Threads") == 6);

                String json = get(http, URI.create(server.httpUri(COUNTED) + "stats"), 200, TOKEN);
                Map<String, Object> jmx = mbean(COUNTED);
                assertEquals(jmx, parse(json), "the JSON shows the MBean's numbers: " + json);

                assertEquals(2L, jmx.get("sessions"), "the Wisp connection and the wsproxy connection");
                assertEquals(3L, jmx.get("streams"));
                assertEquals(3L, jmx.get("sockets"));
                assertEquals(5L, jmx.get("streamsOpened"), "the throttled CONNECT never opened");
                assertEquals(Map.of("tcp", 1L, "udp", 1L, "wsproxy", 1L, "other", 0L), jmx.get("streamsByType"));
                assertEquals(Map.of("tcp", 2L, "udp", 1L, "wsproxy", 1L, "other", 1L), jmx.get("streamsOpenedByType"));
                assertEquals(12L, jmx.get("bytesFromClients"), "5 TCP + 4 UDP + 3 wsproxy");
                assertEquals(12L, jmx.get("bytesToClients"));
                assertEquals(Map.of("SERVER_STREAM_CONNECTION_REFUSED", 1L, "SERVER_STREAM_INVALID_INFO", 1L,
                        "SERVER_STREAM_THROTTLED", 1L), jmx.get("closesByReason"));
                assertEquals(Map.of("wisp.maxStreamsPerConnection", 1L), jmx.get("limitsTripped"));
                for (String secret : List.of(TOKEN, "127.0.0.1", String.valueOf(echo.port()),
                        String.valueOf(udp.port()))) {
                    assertFalse(json.contains(secret), "the statistics never show " + secret + ": " + json);
                }
            }
        }
        awaitTrue(() -> "connections back to 0: " + mbean(COUNTED), () -> stat(COUNTED, "Sessions") == 0
                && stat(COUNTED, "Threads") == 0 && stat(COUNTED, "Sockets") == 0);
    }

    @Test
    void statisticsPathLeavesWispAndWsproxyAlone() throws Exception {
        try (Targets echo = Targets.echo(); HttpClient http = HttpClient.newHttpClient()) {
            String json = get(http, URI.create(server.httpUri(WISP) + "stats"), 200);
            assertTrue(json.startsWith("{\"version\":\"" + org.wispwar.wisp.config.ServerVersion.get() + "\",\"sessions\":"), json);
            try (WispClient c = WispClient.connect(server.wispUri(WISP))) {
                assertEquals(BUFFER, c.awaitInitialCredit(), "Wisp at /wisp/ (with the slash)");
            }
            try (WsproxyClient w = WsproxyClient.connect(URI.create("ws://127.0.0.1:" + server.port() + WISP
                    + "/127.0.0.1:" + echo.port()))) {
                w.sendBinary("raw".getBytes());
                assertArrayEquals("raw".getBytes(), w.awaitBytes(3), "wsproxy at /wisp/host:port");
            }
            try (WsproxyClient w = WsproxyClient.connect(URI.create("ws://127.0.0.1:" + server.port() + WISP
                    + "/stats"))) {
                assertEquals(1008, w.awaitClose(), "an upgrade to /wisp/stats is a WebSocket (wsproxy), not the page");
                assertTrue(w.closeReason().startsWith("invalid wsproxy target"), w.closeReason());
            }
        }
    }

    // ------------------------------------------------------------------------------------------------- logging

    @Test
    void logLinesCarryTheConnectionIdAndNeverAPayload() throws Exception {
        String payload = "PAYLOAD-must-not-be-logged";
        List<LogRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger wisp = Logger.getLogger("org.wispwar.wisp");
        Level before = wisp.getLevel();
        wisp.setLevel(Level.ALL);   // System.Logger TRACE and DEBUG included
        handler.setLevel(Level.ALL);
        wisp.addHandler(handler);
        try (Targets echo = Targets.echo(); WispClient c = WispClient.connect(server.wispUri(WISP))) {
            c.awaitInitialCredit();
            c.connectTcp(7, "127.0.0.1", echo.port());
            c.sendWithCredit(7, payload.getBytes(), 64);
            assertArrayEquals(payload.getBytes(), c.awaitBytes(7, payload.length()));
            c.send(new Close(7, CloseReason.VOLUNTARY));
            awaitTrue("the destination sees the close", () -> echo.connectionsClosed() == 1);
        } finally {
            wisp.removeHandler(handler);
            wisp.setLevel(before);
        }
        SimpleFormatter format = new SimpleFormatter();
        List<String> sessionLines = new ArrayList<>();
        for (LogRecord r : records) {
            String line = format.formatMessage(r);
            assertFalse(line.contains(payload) || line.contains(java.util.HexFormat.of().formatHex(payload.getBytes())),
                    "a payload in the log: " + line);
            if (r.getLoggerName().startsWith("org.wispwar.wisp.session.")) {
                sessionLines.add(line);
            }
        }
        assertFalse(sessionLines.isEmpty(), "DEBUG/TRACE lines from the session: " + records.size() + " records");
        String id = sessionLines.get(0).replaceAll("^\\[([0-9a-z]+\\.[0-9a-z]+)].*", "$1");
        for (String line : sessionLines) {
            assertTrue(line.startsWith("[" + id + "] "), "every session line starts with the connection id: " + line);
        }
        String trace = "\\[" + java.util.regex.Pattern.quote(id) + "] >> DATA 0x00000007 \\d+";
        assertTrue(sessionLines.stream().anyMatch(l -> l.matches(trace)),
                "the packet trace names type, stream and length only: " + sessionLines);
    }

    // ------------------------------------------------------------------------------------------- redeploy x 20

    /**
     * Deploys and undeploys the WAR 20 times, each time with live TCP, UDP and wsproxy traffic at the moment of the
     * undeploy. Every stream must get CLOSE 0x02 before the WebSocket's 1001, no connection thread may survive, and
     * after a warm-up the JVM's platform threads, open file descriptors, heap after GC and loaded classes must stay
     * within small bounds; the undeployed class loaders must be collectable.
     */
    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void redeployingTwentyTimesLeavesNothingBehind() throws Exception {
        int rounds = 20;
        int warmup = 4;
        Footprint baseline = null;
        List<WeakReference<ClassLoader>> loaders = new ArrayList<>();
        long started = System.nanoTime();
        try (Targets echo = Targets.echo(); UdpEcho udp = new UdpEcho(InetAddress.getLoopbackAddress())) {
            for (int round = 1; round <= rounds; round++) {
                server.deploy(REDEPLOYED, Map.of("wisp.allowPrivateAddresses", "true"));
                assertTrue(server.isAvailable(REDEPLOYED), "round " + round + ": " + server.startupFailure(REDEPLOYED));
                loaders.add(new WeakReference<>(server.classLoader(REDEPLOYED)));
                try (WispClient c = WispClient.connect(server.wispUri(REDEPLOYED));
                        WsproxyClient w = WsproxyClient.connect(URI.create("ws://127.0.0.1:" + server.port()
                                + REDEPLOYED + "/127.0.0.1:" + echo.port()))) {
                    c.awaitInitialCredit();
                    for (int id = 1; id <= 3; id++) {
                        c.connectTcp(id, "127.0.0.1", echo.port());
                        c.sendWithCredit(id, ("round " + round).getBytes(), 64);
                        c.awaitBytes(id, ("round " + round).length());
                    }
                    c.send(new Connect(4, StreamType.UDP, udp.port(), "127.0.0.1"));
                    c.send(Data.of(4, "dgram".getBytes()));
                    c.awaitBytes(4, 5);
                    w.sendBinary("raw".getBytes());
                    w.awaitBytes(3);

                    server.undeploy(REDEPLOYED);

                    assertEquals(1001, c.awaitWebSocketClose(), "round " + round + ": going away");
                    for (int id = 1; id <= 4; id++) {
                        assertEquals(new Close(id, CloseReason.VOLUNTARY), c.closeOf(id),
                                "round " + round + ": stream " + id + " got CLOSE 0x02 before the close frame");
                    }
                    assertEquals(1001, w.awaitClose(), "round " + round + ": wsproxy going away");
                }
                awaitTrue(() -> "no connection thread left: " + ThreadCensus.streamThreads(),
                        () -> ThreadCensus.streamThreads().isEmpty());
                assertFalse(WarContainer.statsRegistered(REDEPLOYED), "the MBean left with the deployment");
                if (round == warmup) {
                    baseline = Footprint.measure();
                }
            }
        }
        long redeployed = System.nanoTime();
        int leakedRightAway = reachable(loaders);
        // A container may hold the last loader a moment longer (a recycled connection processor): GC until it lets go.
        awaitTrue(() -> reachable(loaders) + " of " + rounds + " undeployed class loaders still reachable; the"
                + " container reports " + server.leakReports(), () -> {
                    System.gc();
                    return reachable(loaders) == 0 && server.leakReports().isEmpty();
                });
        Footprint end = Footprint.measure();
        System.out.printf("[%s] redeploy x%d in %d ms; after round %d -> after round %d: %s -> %s; undeployed class"
                + " loaders reachable right after: %d of %d, after %d ms of GC: 0%n", server.name(), rounds,
                TimeUnit.NANOSECONDS.toMillis(redeployed - started), warmup, rounds, baseline, end, leakedRightAway,
                rounds, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - redeployed));
        assertTrue(end.platformThreads() - baseline.platformThreads() <= 4, "platform threads grew: " + baseline
                + " -> " + end);
        assertTrue(end.wispThreads() <= baseline.wispThreads(), "threads named wisp-*/wsproxy-* (the deployments that"
                + " stay have theirs) grew: " + baseline + " -> " + end + ": " + ThreadCensus.wispThreads());
        assertTrue(end.fileDescriptors() - baseline.fileDescriptors() <= 8, "file descriptors grew: " + baseline
                + " -> " + end);
        assertTrue(end.heapMiB() - baseline.heapMiB() <= 24, "heap after GC grew: " + baseline + " -> " + end);
        assertTrue(end.loadedClasses() - baseline.loadedClasses() <= 2000, "loaded classes grew (class loaders"
                + " kept alive?): " + baseline + " -> " + end);
    }

    private static int reachable(List<WeakReference<ClassLoader>> loaders) {
        int n = 0;
        for (WeakReference<ClassLoader> ref : loaders) {
            n += ref.get() == null ? 0 : 1;
        }
        return n;
    }

    /** What a JVM holds; each value read after a full GC. */
    record Footprint(int platformThreads, int wispThreads, long fileDescriptors, long heapMiB, int loadedClasses) {
        static Footprint measure() throws IOException {
            for (int i = 0; i < 3; i++) {
                System.gc();
            }
            long fds;
            try (Stream<Path> list = Files.list(Path.of("/proc/self/fd"))) {
                fds = list.count();
            }
            return new Footprint(ManagementFactory.getThreadMXBean().getThreadCount(),
                    ThreadCensus.wispThreads().size(), fds,
                    ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20,
                    ManagementFactory.getClassLoadingMXBean().getLoadedClassCount());
        }

        @Override
        public String toString() {
            return "platform threads " + platformThreads + ", wisp threads " + wispThreads + ", fds "
                    + fileDescriptors + ", heap " + heapMiB + " MiB, classes " + loadedClasses;
        }
    }

    // ----------------------------------------------------------------------------------------------------- helpers

    static String get(HttpClient http, URI uri, int status) throws Exception {
        return get(http, uri, status, null);
    }

    static String get(HttpClient http, URI uri, int status, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(java.time.Duration.ofSeconds(20));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(status, r.statusCode(), "GET " + uri + ": " + r.body());
        return r.body();
    }

    /** Every MBean attribute under the JSON's lower-camel-case names; maps as maps. */
    static Map<String, Object> mbean(String path) {
        Map<String, Object> out = new TreeMap<>();
        for (String attribute : List.of("Sessions", "Streams", "Threads", "Sockets", "StreamsOpened",
                "StreamsByType", "StreamsOpenedByType", "BytesFromClients", "BytesToClients", "UdpDatagramsDropped",
                "ClosesByReason", "LimitsTripped", "BufferedBytes", "BufferedBytesPeak", "ServerByteBudget",
                "ConnectionByteBudget", "StreamByteBudget", "PooledBytes", "ReadsPaused", "ReadPauses")) {
            Object value;
            try {
                value = WarContainer.stat(path, attribute);
            } catch (Exception e) {
                throw new AssertionError("cannot read " + attribute + " of " + path, e);
            }
            if (value instanceof TabularData table) {
                Map<String, Long> map = new TreeMap<>();
                for (Object row : table.values()) {
                    CompositeData entry = (CompositeData) row;
                    map.put((String) entry.get("key"), (Long) entry.get("value"));
                }
                value = map;
            }
            out.put(Character.toLowerCase(attribute.charAt(0)) + attribute.substring(1), value);
        }
        return out;
    }

    static long stat(String path, String attribute) {
        return (Long) mbean(path).get(Character.toLowerCase(attribute.charAt(0)) + attribute.substring(1));
    }

    private static final Pattern NUMBER = Pattern.compile("\"([^\"]+)\":(\\d+)");
    private static final Pattern OBJECT = Pattern.compile("\"([^\"]+)\":\\{([^}]*)}");

    /** The statistics JSON (flat numbers and one level of objects of numbers) as a map. */
    static Map<String, Object> parse(String json) {
        assertTrue(json.startsWith("{") && json.endsWith("}"), json);
        Map<String, Object> out = new TreeMap<>();
        Matcher objects = OBJECT.matcher(json);
        while (objects.find()) {
            Map<String, Long> map = new TreeMap<>();
            Matcher entries = NUMBER.matcher(objects.group(2));
            while (entries.find()) {
                map.put(entries.group(1), Long.parseLong(entries.group(2)));
            }
            out.put(objects.group(1), map);
        }
        Matcher numbers = NUMBER.matcher(objects.replaceAll(""));
        while (numbers.find()) {
            out.put(numbers.group(1), Long.parseLong(numbers.group(2)));
        }
        out.remove("history");   // the status page's throughput ring: only in the JSON (StatusPageChecks reads it)
        return out;
    }

    static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
        awaitTrue(() -> what, condition);
    }

    static void awaitTrue(Supplier<String> what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within 20 s: " + what.get());
            }
            Thread.sleep(10);   // polling a condition with a deadline, not waiting for time to pass
        }
    }
}
