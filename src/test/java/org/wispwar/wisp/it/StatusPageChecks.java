package org.wispwar.wisp.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.function.Executable;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.Data;
import org.wispwar.wisp.protocol.StreamType;
import org.wispwar.wisp.testing.UdpEcho;

/**
 * The operator's status page, {@code /<ctx>/status}, on the built WAR in a real container: its access rule and headers
 * over plain HTTP, and the page itself in Debian's headless Chromium ({@code status-page.mjs} through
 * {@code playwright-core}, {@code executablePath /usr/bin/chromium}, the token given as HTTP credentials). The browser
 * check first makes known state with real Wisp traffic (two TCP streams to a loopback echo, one UDP stream, one CONNECT
 * refused by {@code wisp.tcp.blockPorts}, bytes each way), then asserts that every figure the page shows equals the
 * statistics JSON fetched at the same quiescent state, that the page follows a change by itself, that it loaded
 * nothing from another origin and logged no error or CSP violation, and that it shows its error state when
 * {@code /stats} stops answering. The full-page screenshot is kept as {@code target/status-page-<container>.png}.
 *
 * <p>A missing Chromium, Node or {@code npm ci} result fails the browser check; {@code -DskipInterop} skips it
 * explicitly (the HTTP checks still run). Each container's IT extends this and says how to start it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
abstract class StatusPageChecks {
    static final String PATH = "/wisp";
    /** Deployed with the defaults: statistics off. */
    static final String OFF = "/off";
    static final String TOKEN = "page-t0ken-7f3a";
    /** Refused by wisp.tcp.blockPorts before any dial, so its CONNECT ends with SERVER_STREAM_BLOCKED_ADDRESS. */
    static final int BLOCKED_PORT = 9;
    static final Map<String, String> PARAMS = Map.of("wisp.stats.enabled", "true", "wisp.stats.token", TOKEN,
            "wisp.allowPrivateAddresses", "true", "wisp.tcp.blockPorts", Integer.toString(BLOCKED_PORT));
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            + "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    static final Path INTEROP = Path.of("target", "interop");
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Duration WAIT = Duration.ofSeconds(20);
    /** Every figure the page must show (the maps' rows come on top). */
    static final List<String> REQUIRED = List.of("version", "sessions", "streams", "streamsByType.tcp",
            "streamsByType.udp", "streamsByType.wsproxy", "streamsByType.other", "streamsOpened",
            "streamsOpenedByType.tcp", "streamsOpenedByType.udp", "bytesFromClients", "bytesToClients",
            "bufferedBytes", "serverByteBudget", "readsPaused", "history.bytesFromClients",
            "history.bytesToClients");

    WarContainer server;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(WAIT).build();

    /** Starts the container with the WAR at each path, configured with its params. */
    abstract WarContainer start(Map<String, Map<String, String>> contexts) throws Exception;

    /** For the screenshot's name: {@code jetty} or {@code tomcat}. */
    abstract String containerName();

    @BeforeAll
    void startServer() throws Exception {
        server = start(Map.of(PATH, PARAMS, OFF, Map.of()));
        for (String path : List.of(PATH, OFF)) {
            assertTrue(server.isAvailable(path), () -> path + " did not deploy: " + server.startupFailure(path));
        }
    }

    @AfterAll
    void stopServer() throws Exception {
        http.close();
        if (server != null) {
            server.close();
        }
    }

    URI uri(String path, String file) {
        return URI.create(server.httpUri(path) + file);
    }

    HttpResponse<String> get(URI uri, String authorization) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(uri).timeout(WAIT);
        if (authorization != null) {
            r.header("Authorization", authorization);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void pageScriptAndStyleAre404WhileStatisticsAreOff() throws Exception {
        for (String file : List.of("status", "status.js", "status.css", "stats")) {
            assertEquals(404, get(uri(OFF, file), basic("ops", TOKEN)).statusCode(), file);
        }
    }

    @Test
    void pageScriptAndStyleNeedTheTokenAndAskForItTwoWays() throws Exception {
        for (String file : List.of("status", "status.js", "status.css")) {
            for (String wrong : new String[] {null, basic("ops", TOKEN + "x"), "Bearer " + TOKEN.substring(1)}) {
                HttpResponse<String> r = get(uri(PATH, file), wrong);
                assertEquals(401, r.statusCode(), file + " with " + wrong);
                assertEquals(List.of("Bearer realm=\"wisp-stats\"", "Basic realm=\"wisp-stats\", charset=\"UTF-8\""),
                        r.headers().allValues("WWW-Authenticate"), file);
                assertFalse(r.body().contains("fetch("), "no part of the page before the token: " + r.body());
            }
        }
    }

    @Test
    void tokenAsBasicPasswordOrBearerGetsEachFileWithTheStrictCsp() throws Exception {
        Map<String, String> types = Map.of("status", "text/html", "status.js", "text/javascript",
                "status.css", "text/css");
        for (String auth : List.of(basic("anyone", TOKEN), basic("", TOKEN), "Bearer " + TOKEN)) {
            for (Map.Entry<String, String> file : types.entrySet()) {
                HttpResponse<String> r = get(uri(PATH, file.getKey()), auth);
                assertEquals(200, r.statusCode(), file.getKey() + " with " + auth);
                assertEquals(file.getValue(), r.headers().firstValue("Content-Type").orElse("")
                        .replaceAll(";.*", "").strip(), file.getKey());
                assertEquals(CSP, r.headers().firstValue("Content-Security-Policy").orElse(null), file.getKey());
                assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(null));
                assertEquals("no-store", r.headers().firstValue("Cache-Control").orElse(null));
                assertFalse(r.body().contains(TOKEN), "the token never appears in the page");
            }
        }
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(uri(PATH, "status"))
                .POST(HttpRequest.BodyPublishers.noBody()).header("Authorization", "Bearer " + TOKEN).timeout(WAIT)
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode(), "the page is read-only");
        for (String file : List.of("WEB-INF/classes/org/wispwar/wisp/endpoint/status/status.html",
                "org/wispwar/wisp/endpoint/status/status.js")) {
            assertEquals(404, get(uri(PATH, file), "Bearer " + TOKEN).statusCode(), "never served raw: " + file);
        }
    }

    @Test
    void indexPageShowsTheVersion() throws Exception {
        String version = (String) WispJsJettyIT.Json.parseObject(stats()).get("version");
        assertNotEquals("unknown", version);
        HttpResponse<String> index = get(server.httpUri(PATH), null);
        assertEquals(200, index.statusCode());
        assertTrue(index.body().contains("Wisp WAR <span id=\"version\">" + version + "</span>"), index.body());
    }

    String stats() throws Exception {
        HttpResponse<String> r = get(uri(PATH, "stats"), "Bearer " + TOKEN);
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    /**
     * The statistics JSON as the page's {@code data-stat} names: top-level numbers and strings by name, map entries as
     * {@code map.key}, and the history as the sum of each byte column, all as the page prints them (exact integers
     * with thousands separators).
     */
    static Map<String, String> expectedFigures(Map<String, Object> json) {
        Map<String, String> out = new TreeMap<>();
        json.forEach((name, value) -> {
            if (name.equals("history")) {
                @SuppressWarnings("unchecked")
                Map<String, Object> h = (Map<String, Object>) value;
                for (String column : List.of("bytesFromClients", "bytesToClients")) {
                    long sum = ((List<?>) h.get(column)).stream().mapToLong(v -> (Long) v).sum();
                    out.put("history." + column, String.format(java.util.Locale.US, "%,d", sum));
                }
            } else if (value instanceof Map<?, ?> map) {
                map.forEach((k, v) -> out.put(name + "." + k, String.format(java.util.Locale.US, "%,d", (Long) v)));
            } else if (value instanceof Long n) {
                out.put(name, String.format(java.util.Locale.US, "%,d", n));
            } else {
                out.put(name, String.valueOf(value));
            }
        });
        return out;
    }

    @Test
    @DisabledIfSystemProperty(named = "wisp.interop.skip", matches = "true",
            disabledReason = "browser checks skipped explicitly with -DskipInterop")
    void pageInChromiumShowsTheStatisticsFollowsChangesAndLoadsNothingElse() throws Exception {
        Path playwright = INTEROP.resolve("node_modules").resolve("playwright-core").resolve("package.json");
        if (!Files.isRegularFile(playwright)) {
            fail(playwright.toAbsolutePath() + " is missing. The build installs it with npm ci in pre-integration-test"
                    + " (run the ITs through mvn verify), or skip this test explicitly with -DskipInterop.");
        }
        if (!Files.isExecutable(CHROMIUM)) {
            fail(CHROMIUM + " is missing: install Debian's Chromium (apt-get install -y chromium), or skip this test"
                    + " explicitly with -DskipInterop.");
        }
        byte[] up1 = bytes(1000, 1);
        byte[] up3 = bytes(23_456, 3);
        try (Targets echo = Targets.echo(); UdpEcho udp = new UdpEcho(InetAddress.getLoopbackAddress());
                WispClient c = WispClient.connect(server.wispUri(PATH))) {
            // Known state: TCP streams 1 and 3 with echoed bytes, UDP stream 7 with one echoed datagram, and stream 5
            // refused by the port rule.
            c.awaitInitialCredit();
            c.connectTcp(1, "127.0.0.1", echo.port());
            c.connectTcp(3, "127.0.0.1", echo.port());
            c.sendWithCredit(1, up1, 500);
            c.sendWithCredit(3, up3, 4096);
            assertArrayEquals(up1, c.awaitBytes(1, up1.length));
            assertArrayEquals(up3, c.awaitBytes(3, up3.length));
            c.connectTcp(5, "127.0.0.1", BLOCKED_PORT);
            c.assertClosedWith(5, CloseReason.SERVER_STREAM_BLOCKED_ADDRESS);
            c.send(new Connect(7, StreamType.UDP, udp.port(), "127.0.0.1"));
            c.send(Data.of(7, "ping".getBytes(StandardCharsets.US_ASCII)));
            assertArrayEquals("ping".getBytes(StandardCharsets.US_ASCII), c.awaitBytes(7, 4));
            long total = up1.length + up3.length + 4;

            // Quiescent: the counters show exactly that traffic, and a history sample has been taken since.
            WispEndToEndChecks.awaitTrue(() -> "the traffic counted and sampled: " + statsUnchecked(), () -> {
                Map<String, Object> s = parse(statsUnchecked());
                Map<String, String> f = expectedFigures(s);
                return s.get("bytesFromClients").equals(total) && s.get("bytesToClients").equals(total)
                        && s.get("streams").equals(3L)
                        && f.get("history.bytesFromClients").equals(f.get("bytesFromClients"))
                        && f.get("history.bytesToClients").equals(f.get("bytesToClients"));
            });

            boolean undeployed = false;
            Path screenshot = Path.of("target", "status-page-" + containerName() + ".png").toAbsolutePath();
            Files.deleteIfExists(screenshot);
            try (PageDriver page = PageDriver.start(List.of("node", "status-page.mjs",
                    uri(PATH, "status").toString(), "--user", "ops", "--password", TOKEN, "--chromium",
                    CHROMIUM.toString(), "--timeout-ms", "180000"), INTEROP, "status-page-" + containerName())) {
                Map<String, Object> ready = page.next("ready", Duration.ofSeconds(90));
                System.out.println("[status page] " + server.name() + ": " + ready.get("browser") + ", playwright-core "
                        + ready.get("playwrightCore") + ", first render after " + ready.get("ms") + " ms");
                assertEquals(true, ready.get("ok"), page.transcript());
                assertEquals(200L, ready.get("status"));
                assertEquals(CSP, ready.get("csp"));

                // Every figure the page shows equals the JSON at this state.
                Map<String, Object> shown = page.command("{\"cmd\":\"figures\"}", "figures", WAIT);
                Map<String, String> expected = expectedFigures(parse(stats()));
                @SuppressWarnings("unchecked")
                Map<String, String> figures = new TreeMap<>((Map<String, String>) shown.get("figures"));
                List<Executable> checks = new ArrayList<>();
                for (String name : REQUIRED) {
                    checks.add(() -> assertTrue(figures.containsKey(name), "the page shows " + name));
                }
                figures.forEach((name, text) -> checks.add(() -> assertEquals(expected.get(name), text,
                        "page figure " + name)));
                expected.keySet().stream().filter(k -> k.startsWith("closesByReason.") || k.startsWith("limitsTripped.")
                        || k.startsWith("readPauses.")).forEach(k -> checks.add(() -> assertTrue(
                        figures.containsKey(k), "the page has a row for " + k)));
                checks.add(() -> assertEquals("1", figures.get("closesByReason.SERVER_STREAM_BLOCKED_ADDRESS")));
                checks.add(() -> assertEquals("2", figures.get("streamsByType.tcp")));
                checks.add(() -> assertEquals("1", figures.get("streamsByType.udp")));
                checks.add(() -> assertEquals(String.format(java.util.Locale.US, "%,d", total),
                        figures.get("bytesToClients")));
                checks.add(() -> assertTrue((Long) shown.get("chartSamples") >= 1, "chart samples " + shown));
                checks.add(() -> assertEquals(2L, shown.get("chartPolylines"), "one line each way"));
                checks.add(() -> assertEquals(List.of(shown.get("chartSamples"), shown.get("chartSamples")),
                        shown.get("chartPoints"), "one point per sample"));
                checks.add(() -> assertEquals(false, shown.get("errorVisible")));
                assertAll("status page on " + server.name() + ": " + shown + "\nJSON: " + expected, checks);

                // The page follows by itself: a third TCP stream.
                c.connectTcp(9, "127.0.0.1", echo.port());
                WispEndToEndChecks.awaitTrue("stream 9 open", () -> parse(statsUnchecked()).get("streams").equals(4L));
                Map<String, Object> followed = page.command(
                        "{\"cmd\":\"await\",\"stat\":\"streamsByType.tcp\",\"value\":\"3\",\"timeoutMs\":15000}",
                        "await", WAIT);
                assertEquals(true, followed.get("ok"), "the page shows the third TCP stream: " + followed);
                System.out.println("[status page] followed the new stream after " + followed.get("ms") + " ms");
                @SuppressWarnings("unchecked")
                Map<String, String> after = (Map<String, String>) followed.get("figures");
                assertEquals("4", after.get("streams"));
                assertEquals(expectedFigures(parse(stats())).get("streamsOpened"), after.get("streamsOpened"));

                Map<String, Object> shot = page.command("{\"cmd\":\"screenshot\",\"path\":" + quote(screenshot.toString())
                        + "}", "screenshot", WAIT);
                assertEquals(true, shot.get("ok"), shot.toString());
                byte[] png = Files.readAllBytes(screenshot);
                assertTrue(png.length > 10_000, "a real screenshot: " + png.length + " bytes");
                assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(png, 4));

                Map<String, Object> report = page.command("{\"cmd\":\"report\"}", "report", WAIT);
                assertAll("what the page loaded and logged: " + report,
                        () -> assertEquals(List.of(), report.get("foreignRequests"), "nothing from another origin"),
                        () -> assertEquals(List.of(), report.get("consoleErrors"), "no console error or warning"),
                        () -> assertEquals(List.of(), report.get("pageErrors"), "no script error"),
                        () -> assertEquals(List.of(), report.get("cspViolations"), "no CSP violation"),
                        () -> assertEquals(List.of(PATH + "/stats", PATH + "/status", PATH + "/status.css",
                                PATH + "/status.js"), report.get("requestedPaths"), "only its own files"));

                // The error state: /stats stops answering (the context is undeployed), and the page says so.
                c.close();
                undeployed = true;
                server.undeploy(PATH);
                Map<String, Object> failed = page.command("{\"cmd\":\"awaitError\",\"timeoutMs\":15000}", "awaitError",
                        WAIT);
                assertEquals(true, failed.get("ok"), "the page shows that updating failed: " + failed);
                String text = (String) failed.get("errorText");
                assertTrue(text.startsWith("Update failed at ") && text.contains(": HTTP 404")
                        && text.contains("The figures below are from "), text);
                @SuppressWarnings("unchecked")
                Map<String, String> stale = (Map<String, String>) failed.get("figures");
                assertEquals("4", stale.get("streams"), "the last figures stay visible");
                page.quit();
            } finally {
                if (undeployed) {
                    server.deploy(PATH, PARAMS);   // for the other checks of this class
                    assertTrue(server.isAvailable(PATH), () -> "redeployed: " + server.startupFailure(PATH));
                }
            }
        }
    }

    static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static Map<String, Object> parse(String json) {
        return WispJsJettyIT.Json.parseObject(json);
    }

    String statsUnchecked() {
        try {
            return stats();
        } catch (Exception e) {
            throw new AssertionError("GET " + PATH + "/stats failed", e);
        }
    }

    /**
     * The Node driver as a child process: JSON commands on its stdin, one JSON answer per line on its stdout (read by a
     * virtual thread into a queue, so every wait has a deadline), stderr into {@code target/interop/logs}.
     */
    static final class PageDriver implements AutoCloseable {
        private static final String EOF = "\u0000eof";
        private final Process process;
        private final Writer stdin;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final StringBuilder transcript = new StringBuilder();
        private final Path stderr;
        private final Thread reader;

        private PageDriver(Process process, Path stderr) {
            this.process = process;
            this.stderr = stderr;
            this.stdin = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            this.reader = Thread.ofVirtual().name("status-page-stdout").start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    lines.add("{\"event\":\"stdout-error\",\"ok\":false,\"error\":" + quote(e.toString()) + "}");
                } finally {
                    lines.add(EOF);
                }
            });
        }

        static PageDriver start(List<String> command, Path dir, String name) throws IOException {
            Path logs = Files.createDirectories(dir.resolve("logs"));
            Path err = logs.resolve(name + ".stderr");
            Process p;
            try {
                p = new ProcessBuilder(command).directory(dir.toFile()).redirectError(err.toFile()).start();
            } catch (IOException e) {
                throw new AssertionError("cannot run " + command.get(0) + " (" + e.getMessage() + "). The status page"
                        + " check needs Node.js 20+ on the PATH; install it, or skip it explicitly with -DskipInterop.",
                        e);
            }
            return new PageDriver(p, err);
        }

        /** The next line whose {@code event} is {@code event}; fails on the deadline, at the end of output, or on a
         * failed setup. */
        Map<String, Object> next(String event, Duration wait) throws Exception {
            long deadline = System.nanoTime() + wait.toNanos();
            while (true) {
                String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null) {
                    fail("no \"" + event + "\" answer from status-page.mjs within " + wait + "\n" + transcript());
                }
                if (line.equals(EOF)) {
                    lines.add(EOF);
                    fail("status-page.mjs ended before its \"" + event + "\" answer\n" + transcript());
                }
                transcript.append(line).append('\n');
                if (!line.startsWith("{")) {
                    continue;
                }
                Map<String, Object> obj = parse(line);
                if (event.equals(obj.get("event"))) {
                    return obj;
                }
                if (Boolean.FALSE.equals(obj.get("ok"))) {
                    fail("status-page.mjs: " + line + "\n" + transcript());
                }
            }
        }

        Map<String, Object> command(String json, String event, Duration wait) throws Exception {
            stdin.write(json + "\n");
            stdin.flush();
            return next(event, wait);
        }

        /** Asks the driver to close the browser and waits for it to exit with 0. */
        void quit() throws Exception {
            stdin.write("{\"cmd\":\"quit\"}\n");
            stdin.close();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "status-page.mjs did not exit\n" + transcript());
            assertEquals(0, process.exitValue(), "exit code of status-page.mjs\n" + transcript());
        }

        String transcript() {
            String err;
            try {
                err = Files.readString(stderr);
            } catch (IOException e) {
                err = "(stderr unreadable: " + e + ")";
            }
            return "--- stdout\n" + transcript + "--- stderr\n" + err + "--- end";
        }

        @Override
        public void close() throws Exception {
            stdin.close();   // a no-op after quit()
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                assertTrue(process.waitFor(10, TimeUnit.SECONDS), "status-page.mjs could not be killed");
            }
            assertTrue(reader.join(Duration.ofSeconds(10)), "the driver's stdout reader ended");
        }
    }
}
