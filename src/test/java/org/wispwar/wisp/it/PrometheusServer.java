package org.wispwar.wisp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's Prometheus server ({@code /usr/bin/prometheus}) on 127.0.0.1 and a free port, scraping one target every
 * second with a bearer token, its config, data and log in a fresh directory under {@code target/prometheus/}.
 * {@link #close()} stops it and waits for it. Not thread-safe; owned by the test thread.
 */
final class PrometheusServer implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/prometheus");
    static final Duration STARTUP = Duration.ofSeconds(30);
    static final Duration STOP = Duration.ofSeconds(15);
    /** {"metric":{...},"value":[<time>,"<value>"]}: one instant vector element. */
    private static final Pattern SAMPLE = Pattern.compile("\"value\":\\[[^,\\]]+,\"([^\"]+)\"]");

    private final Process process;
    private final Path dir;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private PrometheusServer(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    /** The scrape config the README shows: one job, {@code metricsPath} on {@code target} (host:port), every second. */
    static String config(String target, String metricsPath, String token) {
        return """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                scrape_configs:
                  - job_name: wisp
                    metrics_path: %s
                    authorization:
                      credentials: %s
                    static_configs:
                      - targets: ['%s']
                """.formatted(metricsPath, token, target);
    }

    /**
     * Starts Prometheus scraping {@code target}; fails (never skips) when the binary is missing. Waits until it says
     * it is ready. A port taken between choosing and binding is retried with another.
     */
    static PrometheusServer start(String name, String target, String metricsPath, String token) throws Exception {
        assertTrue(Files.isExecutable(BINARY), BINARY + " is missing: the metrics ITs need Debian's Prometheus server"
                + " (apt-get install prometheus; .ci/run installs it)");
        Path dir = Files.createDirectories(Path.of("target", "prometheus"))
                .resolve(name + "-" + System.nanoTime()).toAbsolutePath();
        Files.createDirectories(dir.resolve("data"));
        Path config = Files.writeString(dir.resolve("prometheus.yml"), config(target, metricsPath, token));
        for (int attempt = 1; ; attempt++) {
            int port = freePort();
            Process p = new ProcessBuilder(BINARY.toString(),
                    "--config.file=" + config,
                    "--storage.tsdb.path=" + dir.resolve("data"),
                    "--web.listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("prometheus-" + attempt + ".log").toFile())
                    .start();
            PrometheusServer server = new PrometheusServer(p, dir, port);
            if (server.awaitReady()) {
                return server;
            }
            server.close();
            if (attempt == 3) {
                fail("Prometheus did not become ready within " + STARTUP + "; see " + dir);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Polls /-/ready until 200; false when the process ended first (its port was taken) or after {@link #STARTUP}. */
    private boolean awaitReady() throws InterruptedException {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (!process.isAlive()) {
                return false;
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("/-/ready")).timeout(Duration.ofSeconds(2))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return true;
                }
            } catch (IOException e) {
                // not listening yet: poll again until the deadline
            }
            Thread.sleep(50);   // polling a condition with a deadline
        }
        return false;
    }

    private URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port + pathAndQuery);
    }

    /** Where its config, data and log are. */
    Path dir() {
        return dir;
    }

    /**
     * The value of an instant query that selects at most one series, or empty when it selects none (not scraped yet).
     */
    Optional<Double> query(String promql) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                uri("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), promql + ": " + r.body());
        assertTrue(r.body().contains("\"status\":\"success\""), r.body());
        Matcher m = SAMPLE.matcher(r.body());
        if (!m.find()) {
            return Optional.empty();
        }
        double value = Double.parseDouble(m.group(1));
        if (m.find()) {
            fail(promql + " selects more than one series: " + r.body());
        }
        return Optional.of(value);
    }

    /** Stops Prometheus (SIGTERM, then SIGKILL) and waits for it; fails if it outlives that. */
    @Override
    public void close() throws InterruptedException {
        http.close();
        process.destroy();
        if (!process.waitFor(STOP.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            assertTrue(process.waitFor(STOP.toSeconds(), TimeUnit.SECONDS), "Prometheus did not stop: " + dir);
        }
    }
}
