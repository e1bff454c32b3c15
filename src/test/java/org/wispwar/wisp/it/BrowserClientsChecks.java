package org.wispwar.wisp.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.function.Executable;

/**
 * The real browser clients that sites use to reach Wisp servers, unmodified from npm: {@code @mercuryworkshop/epoxy-tls}
 * 2.1.19 and {@code libcurl.js} 0.7.4, each in Debian's headless Chromium (driven by {@code playwright-core} with
 * {@code executablePath /usr/bin/chromium}; no Playwright browser is ever downloaded), against the WAR with its
 * shipped defaults except that loopback destinations are allowed. The Node driver {@code browser-clients.mjs} (in
 * {@code src/test/js}, installed with {@code npm ci} like the wisp-js interop test) starts HTTP, HTTPS and TCP echo
 * targets on 127.0.0.1, serves the page and the packages' browser files from loopback, and prints one JSON line per
 * check. For each client: HTTP and HTTPS (TLS from the browser to the local target, with a test CA made per run)
 * downloads and uploads of 1, 16 and 64 MiB with SHA-256 checked, 20 requests in parallel, a raw TCP echo, and a
 * 64 MiB upload while other streams on the same WebSocket keep flowing; epoxy also as a v2 client.
 *
 * <p>epoxy sends a whole plain-HTTP request body as one DATA packet (a 64 MiB POST is one 67,109,157-byte WebSocket
 * message), and libcurl.js sends 64 KiB packets: both used to be closed by the old 64 KiB message limit.
 *
 * <p>libcurl.js has no option to trust another CA: for its HTTPS checks the driver proves first that it refuses the
 * test CA, then puts the test CA in place of one of its built-in roots, in the page's memory at run time. The package
 * files are not changed.
 *
 * <p>A missing Chromium, Node or {@code npm ci} result is a failure, never a silent skip; {@code -DskipInterop} skips
 * this class (JUnit reports it skipped). Each container's IT extends this and says how to start it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 600, unit = TimeUnit.SECONDS)
@DisabledIfSystemProperty(named = "wisp.interop.skip", matches = "true",
        disabledReason = "real-client interop skipped explicitly with -DskipInterop")
abstract class BrowserClientsChecks {
    static final String PATH = "/wisp";
    static final Path INTEROP = Path.of("target", "interop");
    static final String SCRIPT = "browser-clients.mjs";
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    /** The driver's own overall timeout; the process gets 60 s more before it is killed. */
    static final long SCRIPT_TIMEOUT_MS = 420_000;

    /** Every check of a full run, per client, in the driver's order. */
    static final List<String> SIZES = List.of("1MiB", "16MiB", "64MiB");

    static List<String> expectedChecks(String client) {
        List<String> checks = new ArrayList<>(List.of("init", "https-untrusted-rejected"));
        if (client.equals("libcurl")) {
            checks.add("tls-test-ca-injected");
        }
        for (String scheme : List.of("http", "https")) {
            for (String kind : List.of("download", "upload")) {
                for (String size : SIZES) {
                    checks.add(scheme + "-" + kind + "-" + size);
                }
            }
            checks.add(scheme + "-parallel-20");
        }
        if (client.equals("epoxy")) {
            checks.add("epoxy-wisp-v2-client");
        }
        checks.add("tcp-echo");
        checks.add("http-upload-64MiB-while-streaming");
        if (client.equals("epoxy")) {
            checks.add("https-upload-64MiB-while-streaming");
        }
        checks.add("wisp-websockets");
        return checks;
    }

    WarContainer server;

    /** Starts the container with the WAR at {@link #PATH}, configured with {@code params}. */
    abstract WarContainer start(Map<String, Map<String, String>> contexts) throws Exception;

    @BeforeAll
    void startServer() throws Exception {
        for (String module : List.of("playwright-core", "@mercuryworkshop/epoxy-tls", "libcurl.js")) {
            Path pkg = INTEROP.resolve("node_modules").resolve(module).resolve("package.json");
            if (!Files.isRegularFile(pkg)) {
                fail(pkg.toAbsolutePath() + " is missing. The build installs it with npm ci in pre-integration-test"
                        + " (run the ITs through mvn verify), or skip this test explicitly with -DskipInterop.");
            }
        }
        if (!Files.isExecutable(CHROMIUM)) {
            fail(CHROMIUM + " is missing: install Debian's Chromium (apt-get install -y chromium; .ci/run does), or"
                    + " skip this test explicitly with -DskipInterop.");
        }
        server = start(Map.of(PATH, Map.of("wisp.allowPrivateAddresses", "true")));
        assertTrue(server.isAvailable(PATH), () -> PATH + " did not deploy: " + server.startupFailure(PATH));
    }

    @AfterAll
    void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void epoxyAndLibcurlPassEveryCheckWithTheDefaults() throws Exception {
        List<String> command = List.of("node", SCRIPT, server.wispUri(PATH).toString(), "--quiet",
                "--timeout-ms", Long.toString(SCRIPT_TIMEOUT_MS), "--chromium", CHROMIUM.toString());
        WispJsJettyIT.NodeRun run = WispJsJettyIT.NodeRun.run(command, INTEROP, SCRIPT_TIMEOUT_MS / 1000 + 60,
                "browser-clients-" + getClass().getSimpleName());
        System.out.println("[browser clients] " + server.name() + ", exit " + run.exitCode() + ":\n"
                + summaryLines(run));
        List<Executable> checks = new ArrayList<>();
        for (String client : List.of("epoxy", "libcurl")) {
            for (String check : expectedChecks(client)) {
                Map<String, Object> line = run.results().get(client + ":" + check);
                checks.add(() -> {
                    assertNotNull(line, client + " " + check + ": no result");
                    assertEquals(true, line.get("ok"), client + " " + check + ": " + line);
                });
            }
        }
        Map<String, Object> summary = run.results().get("summary");
        checks.add(() -> assertNotNull(summary, "the driver's summary line"));
        checks.add(() -> assertEquals(true, summary.get("ok"), "summary: " + summary));
        checks.add(() -> assertEquals(0, run.exitCode(), "exit code of the driver"));
        assertAll(server.name() + "\n" + run.transcript(), checks);

        // What the server saw: no stream was refused or throttled, nothing was left open or held.
        Map<String, Long> closes = closesByReason();
        assertFalse(closes.containsKey("SERVER_STREAM_THROTTLED"), "no stream of a real client was throttled: "
                + closes);
        for (String stat : List.of("Sessions", "Streams", "Threads", "Sockets", "BufferedBytes", "ReadsPaused")) {
            WispEndToEndChecks.awaitTrue(() -> stat + " back to 0, is " + stat(stat), () -> stat(stat) == 0);
        }
    }

    /** The per-check lines, shortened to what a reader of the build log wants: client, check, ok, time. */
    static String summaryLines(WispJsJettyIT.NodeRun run) {
        StringBuilder sb = new StringBuilder();
        run.results().forEach((key, line) -> sb.append("  ").append(key).append(" ok=").append(line.get("ok"))
                .append(' ').append(line.get("ms")).append(" ms\n"));
        return sb.toString();
    }

    long stat(String attribute) {
        try {
            return (Long) WarContainer.stat(PATH, attribute);
        } catch (Exception e) {
            throw new AssertionError("cannot read " + attribute + " of " + PATH, e);
        }
    }

    @SuppressWarnings("unchecked")
    Map<String, Long> closesByReason() throws Exception {
        Object table = WarContainer.stat(PATH, "ClosesByReason");
        Map<String, Long> out = new java.util.TreeMap<>();
        for (Object row : ((javax.management.openmbean.TabularData) table).values()) {
            javax.management.openmbean.CompositeData entry = (javax.management.openmbean.CompositeData) row;
            out.put((String) entry.get("key"), (Long) entry.get("value"));
        }
        return out;
    }
}
