package org.wispwar.wisp.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.ref.WeakReference;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.Data;
import org.wispwar.wisp.protocol.StreamType;
import org.wispwar.wisp.testing.Exposition;
import org.wispwar.wisp.testing.UdpEcho;

/**
 * {@code GET /<context>/metrics} on the built WAR in a real container: the access rule it shares with /stats, the
 * formats, the figures real traffic leaves (Wisp TCP and UDP streams, a wsproxy connection, refused streams and
 * upgrades) next to the MBean's, and a real Prometheus server (Debian's) scraping it with the token. Each container's
 * IT extends this and says how to start the container.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class MetricsChecks {
    /** Statistics on behind the token; two WebSockets per IP; browsers only from https://app.example. */
    static final String METRICS = "/wisp";
    /** The shipped defaults: statistics, and so metrics, off. */
    static final String OFF = "/metrics-off";
    /** Upgrades need a bearer token of their own: refusals with 401. */
    static final String GUARDED = "/guarded";
    /** Only the Prometheus test's traffic, so what Prometheus scrapes settles once that traffic ends. */
    static final String SCRAPED = "/scraped";
    static final String TOKEN = "m3trics-t0ken";
    static final String CLIENT_TOKEN = "client-t0ken";
    /** Content types without spaces: Tomcat writes them without, Jetty as given. */
    static final String TEXT_FORMAT = "text/plain;version=0.0.4;charset=utf-8";
    static final String OPENMETRICS = "application/openmetrics-text;version=1.0.0;charset=utf-8";
    /** What Prometheus 2.42 asks for. */
    static final String PROMETHEUS_ACCEPT = "application/openmetrics-text;version=1.0.0,"
            + "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    static final Duration WAIT = Duration.ofSeconds(20);
    /** Prometheus scrapes every second: the scraped values must match within this. */
    static final Duration SCRAPE_WAIT = Duration.ofSeconds(30);

    WarContainer server;
    HttpClient http;

    /** Starts the container with one deployment of the WAR per entry: context path → context params. */
    abstract WarContainer start(Map<String, Map<String, String>> contexts) throws Exception;

    @BeforeAll
    void startServer() throws Exception {
        Map<String, Map<String, String>> contexts = new LinkedHashMap<>();
        contexts.put(METRICS, Map.of("wisp.allowPrivateAddresses", "true", "wisp.stats.enabled", "true",
                "wisp.stats.token", TOKEN, "wisp.maxConnectionsPerIp", "2",
                "wisp.allowedOrigins", "https://app.example"));
        contexts.put(OFF, Map.of());
        contexts.put(GUARDED, Map.of("wisp.stats.enabled", "true", "wisp.stats.token", TOKEN,
                "wisp.auth.bearer", CLIENT_TOKEN));
        contexts.put(SCRAPED, Map.of("wisp.allowPrivateAddresses", "true", "wisp.stats.enabled", "true",
                "wisp.stats.token", TOKEN));
        server = start(contexts);
        for (String path : contexts.keySet()) {
            assertTrue(server.isAvailable(path), path + " did not deploy: " + server.startupFailure(path));
        }
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    void stopServer() throws Exception {
        if (http != null) {
            http.close();
        }
        if (server != null) {
            server.close();
        }
    }

    // --------------------------------------------------------------------------------------------------- access

    @Test
    void metricsAreNotFoundWhenStatisticsAreOff() throws Exception {
        assertEquals(404, get(OFF, "Bearer " + TOKEN, null).statusCode());
        assertEquals(404, get(OFF, null, null).statusCode());
    }

    @Test
    void metricsNeedTheTokenAsBearerOrAsABasicPassword() throws Exception {
        HttpResponse<String> none = get(METRICS, null, null);
        assertEquals(401, none.statusCode());
        assertEquals(List.of("Bearer realm=\"wisp-stats\"", "Basic realm=\"wisp-stats\", charset=\"UTF-8\""),
                none.headers().allValues("WWW-Authenticate"));
        assertEquals(401, get(METRICS, "Bearer " + TOKEN + "x", null).statusCode());
        assertEquals(401, get(METRICS, "Bearer " + CLIENT_TOKEN, null).statusCode());

        HttpResponse<String> bearer = get(METRICS, "Bearer " + TOKEN, null);
        assertEquals(200, bearer.statusCode());
        assertEquals(TEXT_FORMAT, contentType(bearer));
        assertEquals("no-store", bearer.headers().firstValue("Cache-Control").orElse(null));
        String basic = "Basic " + Base64.getEncoder().encodeToString(("anyone:" + TOKEN).getBytes(StandardCharsets.UTF_8));
        assertEquals(200, get(METRICS, basic, null).statusCode());
        for (String secret : List.of(TOKEN, "127.0.0.1")) {
            assertTrue(!bearer.body().contains(secret), "the metrics never show " + secret);
        }
    }

    @Test
    void prometheusGetsOpenMetricsAndOthersTheTextFormat() throws Exception {
        HttpResponse<String> open = get(METRICS, "Bearer " + TOKEN, PROMETHEUS_ACCEPT);
        assertEquals(OPENMETRICS, contentType(open));
        assertTrue(open.body().endsWith("# EOF\n"), open.body());
        assertTrue(open.body().contains("# TYPE wisp_sessions_opened counter\n"), open.body());
        HttpResponse<String> text = get(METRICS, "Bearer " + TOKEN, "text/plain");
        assertEquals(TEXT_FORMAT, contentType(text));
        assertTrue(text.body().contains("# TYPE wisp_sessions_opened_total counter\n"), text.body());
    }

    @Test
    void buildInfoCarriesTheVersionTheStatisticsShow() throws Exception {
        HttpResponse<String> stats = http.send(HttpRequest.newBuilder(URI.create(server.httpUri(METRICS) + "stats"))
                .header("Authorization", "Bearer " + TOKEN).timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
        Matcher version = Pattern.compile("\"version\":\"([^\"]+)\"").matcher(stats.body());
        assertTrue(version.find(), stats.body());
        assertEquals(1.0, scrape(METRICS).get("wisp_build_info{version=\"" + version.group(1) + "\"}"));
    }

    // --------------------------------------------------------------------------------------------------- traffic

    /**
     * One of each on {@link #METRICS}: a refused stream, a name that does not resolve, a TCP echo, a UDP echo, a
     * wsproxy connection, a third WebSocket over the per-IP cap (1013) and a foreign Origin (403). The metrics then
     * show exactly these on top of what they showed before, and the same numbers as the MBean.
     */
    @Test
    void trafficShowsInTheMetricsAsInTheMBean() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        byte[] payload = new byte[10_000];
        new Random(7).nextBytes(payload);
        Map<String, Double> before = scrape(METRICS);
        try (Targets echo = Targets.echo(); UdpEcho udp = new UdpEcho(InetAddress.getLoopbackAddress());
                WispClient c = WispClient.connect(server.wispUri(METRICS))) {
            c.awaitInitialCredit();
            c.connectTcp(1, "127.0.0.1", closedPort);
            c.assertClosedWith(1, CloseReason.SERVER_STREAM_CONNECTION_REFUSED);
            c.connectTcp(2, "wisp-metrics-it.invalid", 80);
            c.assertClosedWith(2, CloseReason.SERVER_STREAM_UNREACHABLE);
            c.connectTcp(3, "127.0.0.1", echo.port());
            c.sendWithCredit(3, payload, 1000);
            assertArrayEquals(payload, c.awaitBytes(3, payload.length));
            c.send(new Connect(4, StreamType.UDP, udp.port(), "127.0.0.1"));
            c.send(Data.of(4, "ping".getBytes(StandardCharsets.UTF_8)));
            assertArrayEquals("ping".getBytes(StandardCharsets.UTF_8), c.awaitBytes(4, 4));
            try (WsproxyClient w = WsproxyClient.connect(URI.create("ws://127.0.0.1:" + server.port() + METRICS
                    + "/127.0.0.1:" + echo.port()))) {
                w.sendBinary("abc".getBytes(StandardCharsets.UTF_8));
                assertArrayEquals("abc".getBytes(StandardCharsets.UTF_8), w.awaitBytes(3));
                try (WispClient third = WispClient.connect(server.wispUri(METRICS))) {
                    assertEquals(1013, third.awaitWebSocketClose(), "a third WebSocket from 127.0.0.1");
                }
                assertEquals(403, upgradeStatus(METRICS + "/", "Origin: https://evil.example"));

                Map<String, Double> open = scrape(METRICS);
                assertEquals(1.0, open.get("wisp_sessions{kind=\"wisp_v1\"}"));
                assertEquals(1.0, open.get("wisp_sessions{kind=\"wsproxy\"}"));
                assertEquals(0.0, open.get("wisp_sessions{kind=\"wisp_v2\"}"));
                assertEquals(1.0, open.get("wisp_streams{type=\"tcp\"}"));
                assertEquals(1.0, open.get("wisp_streams{type=\"udp\"}"));
                assertEquals(1.0, open.get("wisp_streams{type=\"wsproxy\"}"));
                assertEquals(3.0, open.get("wisp_sockets"));
                assertEquals((double) (long) WarContainer.stat(METRICS, "Sockets"), open.get("wisp_sockets"));
            }
        }
        awaitTrue(() -> "every connection ended", () -> {
            Map<String, Double> now = scrapeQuietly(METRICS);
            return now.get("wisp_sessions{kind=\"wisp_v1\"}") == 0 && now.get("wisp_sessions{kind=\"wsproxy\"}") == 0
                    && now.get("wisp_sockets") == 0;
        });
        Map<String, Double> after = scrape(METRICS);

        assertDelta(before, after, "wisp_sessions_opened_total{kind=\"wisp_v1\"}", 1);
        assertDelta(before, after, "wisp_sessions_opened_total{kind=\"wsproxy\"}", 1);
        assertDelta(before, after, "wisp_sessions_opened_total{kind=\"wisp_v2\"}", 0);
        assertDelta(before, after, "wisp_streams_opened_total{type=\"tcp\"}", 3);
        assertDelta(before, after, "wisp_streams_opened_total{type=\"udp\"}", 1);
        assertDelta(before, after, "wisp_streams_opened_total{type=\"wsproxy\"}", 1);
        assertDelta(before, after, "wisp_stream_closes_total{reason=\"SERVER_STREAM_CONNECTION_REFUSED\"}", 1);
        assertDelta(before, after, "wisp_stream_closes_total{reason=\"SERVER_STREAM_UNREACHABLE\"}", 1);
        assertDelta(before, after, "wisp_from_clients_bytes_total", payload.length + 4 + 3);
        assertDelta(before, after, "wisp_to_clients_bytes_total", payload.length + 4 + 3);
        assertDelta(before, after, "wisp_upgrades_refused_total{status=\"1013\"}", 1);
        assertDelta(before, after, "wisp_upgrades_refused_total{status=\"403\"}", 1);
        assertDelta(before, after, "wisp_upgrades_refused_total{status=\"401\"}", 0);
        assertDelta(before, after, "wisp_limits_tripped_total{param=\"wisp.maxConnectionsPerIp\"}", 1);
        assertDelta(before, after, "wisp_stream_open_seconds_count{outcome=\"ok\"}", 3);   // TCP, UDP, wsproxy
        assertDelta(before, after, "wisp_stream_open_seconds_count{outcome=\"error\"}", 2);
        assertDelta(before, after, "wisp_dns_lookup_seconds_count", 1);   // literals need no lookup
        assertDelta(before, after, "wisp_session_duration_seconds_count{kind=\"wisp_v1\"}", 1);
        assertDelta(before, after, "wisp_session_duration_seconds_count{kind=\"wsproxy\"}", 1);
        assertEquals(after.get("wisp_stream_open_seconds_count{outcome=\"ok\"}"),
                after.get("wisp_stream_open_seconds_bucket{outcome=\"ok\",le=\"+Inf\"}"));
        assertTrue(after.get("wisp_session_duration_seconds_sum{kind=\"wisp_v1\"}")
                > before.getOrDefault("wisp_session_duration_seconds_sum{kind=\"wisp_v1\"}", 0.0), "a real duration");

        // the same numbers as the MBean (WispMetrics is the one source of both)
        assertEquals((double) (long) WarContainer.stat(METRICS, "BytesFromClients"),
                after.get("wisp_from_clients_bytes_total"));
        assertEquals((double) (long) WarContainer.stat(METRICS, "BytesToClients"), after.get("wisp_to_clients_bytes_total"));
        assertEquals((double) (long) WarContainer.stat(METRICS, "StreamsOpened"),
                after.get("wisp_streams_opened_total{type=\"tcp\"}") + after.get("wisp_streams_opened_total{type=\"udp\"}")
                        + after.get("wisp_streams_opened_total{type=\"wsproxy\"}")
                        + after.get("wisp_streams_opened_total{type=\"other\"}"));
        assertEquals((double) (long) WarContainer.stat(METRICS, "Threads"), after.get("wisp_threads"));
    }

    @Test
    void eachDeploymentCountsOnlyItsOwnRefusals() throws Exception {
        Map<String, Double> before = scrape(GUARDED);
        double elsewhere = scrape(METRICS).get("wisp_upgrades_refused_total{status=\"401\"}");
        assertEquals(401, upgradeStatus(GUARDED + "/"));
        assertEquals(401, upgradeStatus(GUARDED + "/" + "127.0.0.1:9", "Authorization: Bearer wrong"), "wsproxy too");
        assertDelta(before, scrape(GUARDED), "wisp_upgrades_refused_total{status=\"401\"}", 2);
        assertEquals(elsewhere, scrape(METRICS).get("wisp_upgrades_refused_total{status=\"401\"}"),
                "another deployment's registry");
    }

    /**
     * Each deployment has its own registry: redeploying one with metrics scraped in every round leaves no class
     * loader reachable and no thread of the Prometheus library behind, and the new deployment starts from zero.
     */
    @Test
    void redeployingWithScrapesLeavesNoClassLoaderBehind() throws Exception {
        String path = "/redeployed-metrics";
        int rounds = 5;
        List<WeakReference<ClassLoader>> loaders = new ArrayList<>();
        try (Targets echo = Targets.echo()) {
            for (int round = 1; round <= rounds; round++) {
                server.deploy(path, Map.of("wisp.allowPrivateAddresses", "true", "wisp.stats.enabled", "true",
                        "wisp.stats.token", TOKEN));
                assertTrue(server.isAvailable(path), "round " + round + ": " + server.startupFailure(path));
                loaders.add(new WeakReference<>(server.classLoader(path)));
                try (WispClient c = WispClient.connect(server.wispUri(path))) {
                    c.awaitInitialCredit();
                    c.connectTcp(1, "127.0.0.1", echo.port());
                    c.sendWithCredit(1, "abc".getBytes(StandardCharsets.UTF_8), 64);
                    c.awaitBytes(1, 3);
                    Map<String, Double> s = scrape(path);
                    assertEquals(1.0, s.get("wisp_sessions_opened_total{kind=\"wisp_v1\"}"),
                            "round " + round + ": a fresh registry");
                    assertEquals(3.0, s.get("wisp_from_clients_bytes_total"), "round " + round);
                    get(path, "Bearer " + TOKEN, PROMETHEUS_ACCEPT);
                    server.undeploy(path);
                    assertEquals(1001, c.awaitWebSocketClose(), "round " + round + ": going away");
                }
            }
        }
        // Jetty kept the last undeployed context's loader reachable (1 of 5) until it served another request, also
        // with this servlet reduced to writing a constant string, without Prometheus: its recycled request state, not
        // the WAR. So: close our keep-alive connections and make one request elsewhere, as a live server would see.
        http.close();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        scrape(METRICS);
        awaitTrue(() -> reachable(loaders) + " of " + rounds + " class loaders still reachable; the container reports "
                + server.leakReports(), () -> {
                    System.gc();
                    return reachable(loaders) == 0 && server.leakReports().isEmpty();
                });
        List<String> library = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(n -> n.startsWith("prometheus-")).toList();
        assertEquals(List.of(), library, "threads of the Prometheus library");
    }

    private static int reachable(List<WeakReference<ClassLoader>> loaders) {
        return (int) loaders.stream().filter(r -> r.get() != null).count();
    }

    // ---------------------------------------------------------------------------------------- a real Prometheus

    /**
     * Debian's Prometheus scrapes {@link #SCRAPED} every second with the token; after real traffic its query API
     * returns the values the WAR's own /metrics and MBean show.
     */
    @Test
    void aRealPrometheusScrapesTheSameFigures() throws Exception {
        byte[] payload = new byte[50_000];
        new Random(11).nextBytes(payload);
        try (PrometheusServer prometheus = PrometheusServer.start(getClass().getSimpleName(),
                "127.0.0.1:" + server.port(), SCRAPED + "/metrics", TOKEN)) {
            awaitQuery(prometheus, "up{job=\"wisp\"}", 1.0);   // scraped, with the token, and parsed

            try (Targets echo = Targets.echo(); WispClient c = WispClient.connect(server.wispUri(SCRAPED))) {
                c.awaitInitialCredit();
                c.connectTcp(1, "127.0.0.1", echo.port());
                c.sendWithCredit(1, payload, 4096);
                assertArrayEquals(payload, c.awaitBytes(1, payload.length));
            }
            awaitTrue(() -> "the connection ended", () -> scrapeQuietly(SCRAPED)
                    .get("wisp_session_duration_seconds_count{kind=\"wisp_v1\"}") == 1);
            long settled = System.nanoTime();
            Map<String, Double> war = scrape(SCRAPED);
            assertEquals(1.0, war.get("wisp_sessions_opened_total{kind=\"wisp_v1\"}"));
            assertEquals(1.0, war.get("wisp_streams_opened_total{type=\"tcp\"}"));
            assertEquals((double) payload.length, war.get("wisp_from_clients_bytes_total"));
            assertEquals((double) (long) WarContainer.stat(SCRAPED, "BytesFromClients"),
                    war.get("wisp_from_clients_bytes_total"));

            for (String series : List.of("wisp_sessions_opened_total{kind=\"wisp_v1\"}",
                    "wisp_streams_opened_total{type=\"tcp\"}", "wisp_from_clients_bytes_total",
                    "wisp_to_clients_bytes_total", "wisp_stream_open_seconds_count{outcome=\"ok\"}",
                    "wisp_session_duration_seconds_count{kind=\"wisp_v1\"}", "wisp_sessions{kind=\"wisp_v1\"}")) {
                awaitQuery(prometheus, series, war.get(series));
            }
            long seen = System.nanoTime();
            assertTrue(prometheus.query("wisp_from_clients_bytes_total").orElseThrow() >= payload.length);
            String version = war.keySet().stream().filter(k -> k.startsWith("wisp_build_info{")).findFirst()
                    .orElseThrow();
            awaitQuery(prometheus, version, 1.0);
            System.out.printf("%s: Prometheus showed the settled figures %d ms after the traffic ended; one scrape"
                    + " took %.1f ms and gave %.0f samples%n", server.name(),
                    TimeUnit.NANOSECONDS.toMillis(seen - settled),
                    prometheus.query("scrape_duration_seconds{job=\"wisp\"}").orElseThrow() * 1000,
                    prometheus.query("scrape_samples_scraped{job=\"wisp\"}").orElseThrow());
        }
    }

    // --------------------------------------------------------------------------------------------------- helpers

    private static void assertDelta(Map<String, Double> before, Map<String, Double> after, String series, double delta) {
        assertTrue(after.containsKey(series), series + " missing: " + after.keySet());
        assertEquals(delta, after.get(series) - before.getOrDefault(series, 0.0), series);
    }

    private static void awaitQuery(PrometheusServer prometheus, String promql, double expected) throws Exception {
        long deadline = System.nanoTime() + SCRAPE_WAIT.toNanos();
        Optional<Double> last = Optional.empty();
        while (System.nanoTime() - deadline < 0) {
            last = prometheus.query(promql);
            if (last.isPresent() && last.get() == expected) {
                return;
            }
            Thread.sleep(100);   // polling Prometheus with a deadline
        }
        fail("Prometheus: " + promql + " was " + last + ", not " + expected + " within " + SCRAPE_WAIT + "; see "
                + prometheus.dir());
    }

    private static String contentType(HttpResponse<?> r) {
        return r.headers().firstValue("Content-Type").orElse("").replace(" ", "").toLowerCase(java.util.Locale.ROOT);
    }

    HttpResponse<String> get(String path, String authorization, String accept) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(server.httpUri(path) + "metrics")).timeout(WAIT);
        if (authorization != null) {
            r.header("Authorization", authorization);
        }
        if (accept != null) {
            r.header("Accept", accept);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    Map<String, Double> scrape(String path) throws Exception {
        HttpResponse<String> r = get(path, "Bearer " + TOKEN, null);
        assertEquals(200, r.statusCode(), r.body());
        return Exposition.samples(r.body());
    }

    private Map<String, Double> scrapeQuietly(String path) {
        try {
            return scrape(path);
        } catch (Exception e) {
            throw new AssertionError("scraping " + path + " failed", e);
        }
    }

    /** The status of a WebSocket upgrade request with these extra header lines, read from the raw response. */
    int upgradeStatus(String path, String... headerLines) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), 5000);
            s.setSoTimeout((int) WAIT.toMillis());
            StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + server.port()
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n");
            for (String h : headerLines) {
                request.append(h).append("\r\n");
            }
            OutputStream out = s.getOutputStream();
            out.write(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            if (status == null || !status.startsWith("HTTP/1.1 ")) {
                fail("no HTTP status line for " + path + ": " + status);
            }
            return Integer.parseInt(status.substring(9, 12));
        }
    }

    static void awaitTrue(Supplier<String> what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("not within " + WAIT + ": " + what.get());
            }
            Thread.sleep(10);   // polling a condition with a deadline, not waiting for time to pass
        }
    }
}
