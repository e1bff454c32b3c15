package org.wispwar.wisp.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.websocket.client.WebSocketClient;

/**
 * The soak ({@code mvn -Pbench package -Dbench.mode=soak}): the WAR on standalone Jetty 12.1, then on standalone Tomcat
 * 11, each a fresh server process with loopback destinations allowed ({@code wisp.allowPrivateAddresses=true}) and the
 * statistics endpoint on (with a token), every other param at its default. Against each it runs {@link SoakLoad} for
 * {@code --soak-minutes} and samples the server every {@value #INTERVAL_SECONDS} s: resident memory
 * ({@code /proc/PID/status} VmRSS), live heap after a full GC ({@code jcmd GC.class_histogram}, whose total is
 * counted after the collection it forces), OS threads ({@code /proc/PID/status} Threads), open file descriptors
 * ({@code /proc/PID/fd}) and the WAR's own counters ({@code /wisp/stats}). Then it fits a least-squares line per metric
 * over the samples after the warm-up and fails (exit 1) when a slope passes its limit ({@link Limits}), when the load
 * counted an unexpected answer, or when, after the load stops, the connections, streams, threads and descriptors do
 * not return to their baseline. Tables go to stdout and {@code target/bench/soak.md}. Every wait is bounded.
 */
final class SoakRunner {
    static final int INTERVAL_SECONDS = 10;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    /** How long the server gets after the load to return to its baseline. */
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(150);
    private static final String TOKEN = "soak-" + Long.toHexString(System.nanoTime());
    private static final List<String> BAD_LOG_LINES = List.of("SEVERE", ":ERROR:", "OutOfMemoryError",
            "memory leak", "appears to have started a thread");

    /**
     * What "flat" means, per minute over the run after the warm-up. Heap after GC is the leak detector: 1 MiB/min is
     * 10 MiB over ten minutes, far below any per-connection or per-stream leak at these rates (thousands of streams and
     * WebSockets per minute). RSS also moves with code caches and the allocator, so it gets more room. Threads and
     * descriptors must not climb: 1 per minute.
     */
    record Limits(double heapMiBPerMin, double rssMiBPerMin, double threadsPerMin, double fdsPerMin,
            int fdsAboveBaseline, int threadsAboveBaseline) {
    }

    static final Limits LIMITS = new Limits(1.0, 4.0, 1.0, 1.0, 4, 8);

    /** One sample of the server. */
    record Sample(double seconds, double rssMiB, double heapMiB, long threads, long fds, Map<String, Long> stats,
            Map<String, Long> ops) {
    }

    private final Map<String, String> args;
    private final Path basedir;
    private final Path out;
    private final String javaHome = System.getProperty("java.home");
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final StringBuilder report = new StringBuilder();
    /** The server running now, for the shutdown hook. */
    private volatile Process server;

    private SoakRunner(Map<String, String> args) {
        this.args = args;
        this.basedir = Path.of(args.getOrDefault("basedir", ".")).toAbsolutePath().normalize();
        this.out = basedir.resolve("target/bench");
    }

    /** Runs the soak on each container in {@code --soak-containers} (default jetty,tomcat); exits 1 on any failure. */
    static void run(Map<String, String> args) throws Exception {
        SoakRunner r = new SoakRunner(args);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {   // Maven stopped: the server must not outlive us
            Process p = r.server;
            if (p != null && p.isAlive()) {
                p.toHandle().descendants().forEach(ProcessHandle::destroy);
                p.destroy();
            }
        }));
        List<String> failures = new ArrayList<>();
        for (String container : args.getOrDefault("soak-containers", "jetty,tomcat").split(",")) {
            failures.addAll(r.soak(container.trim()));
        }
        Files.createDirectories(r.out);
        Files.writeString(r.out.resolve("soak.md"), r.report);
        System.out.println();
        System.out.println(r.report);
        if (failures.isEmpty()) {
            WispBench.log("soak passed; written to " + r.out.resolve("soak.md"));
            System.exit(0);
        }
        WispBench.log("SOAK FAILED:\n  " + String.join("\n  ", failures));
        System.exit(1);
    }

    private List<String> soak(String container) throws Exception {
        double minutes = Double.parseDouble(args.getOrDefault("soak-minutes", "10"));
        double warmupMinutes = Double.parseDouble(args.getOrDefault("soak-warmup-minutes", "1"));
        long uploadRate = WispBench.parseBytes(args.getOrDefault("soak-upload-rate", "20m"));
        long downloadRate = WispBench.parseBytes(args.getOrDefault("soak-download-rate", "20m"));
        int port = freePort();
        Path work = fresh(out.resolve("soak/" + container));
        Process server = this.server = switch (container) {
            case "jetty" -> startJetty(work, port);
            case "tomcat" -> startTomcat(work, port);
            default -> throw new IllegalArgumentException("unknown container " + container + " (jetty or tomcat)");
        };
        List<String> failures = new ArrayList<>();
        List<Sample> samples = new ArrayList<>();
        SoakLoad load = null;
        Sample baseline;
        Sample settled = null;
        long settleMillis = -1;
        try {
            long pid = serverPid(server, work.resolve("console.log"));
            URI page = URI.create("http://127.0.0.1:" + port + "/wisp/");
            awaitPage(server, page, work.resolve("console.log"));
            WispBench.log(container + ": pid " + pid + ", " + page + "; soak for " + minutes + " min");
            int targetBase = Integer.parseInt(args.getOrDefault("soak-target-port-base", "17200"));
            WebSocketClient jetty = BenchConnection.newClient();
            try (LoopbackTargets targets = new LoopbackTargets(targetBase)) {
                Thread.sleep(2000);
                baseline = sample(pid, port, 0, null);
                WispBench.log(container + ": baseline " + baseline);
                load = new SoakLoad(URI.create("ws://127.0.0.1:" + port + "/wisp/"), targets, jetty, uploadRate,
                        downloadRate);
                long t0 = System.nanoTime();
                load.start();
                long end = t0 + (long) (minutes * 60e9);
                for (int k = 1; ; k++) {
                    long due = t0 + TimeUnit.SECONDS.toNanos((long) k * INTERVAL_SECONDS);
                    if (due > end) {
                        break;
                    }
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(TimeUnit.NANOSECONDS.toMillis(wait));
                    }
                    check(server.isAlive(), "the server exited during the soak", failures);
                    if (!server.isAlive()) {
                        break;
                    }
                    Sample s = sample(pid, port, (System.nanoTime() - t0) / 1e9, load);
                    samples.add(s);
                    WispBench.log(container + ": " + row(s) + " errors " + load.errorCount());
                }
                load.stop();
                long stopped = System.nanoTime();
                long deadline = stopped + SETTLE_TIMEOUT.toNanos();
                while (System.nanoTime() < deadline && server.isAlive()) {
                    settled = sample(pid, port, (System.nanoTime() - t0) / 1e9, load);
                    if (returned(baseline, settled)) {
                        settleMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped);
                        break;
                    }
                    Thread.sleep(2000);
                }
                WispBench.log(container + ": after the load " + settled);
            } finally {
                jetty.stop();
            }
            checkReturned(baseline, settled, settleMillis, failures);
            report(container, minutes, warmupMinutes, baseline, samples, settled, settleMillis, load, failures);
        } finally {
            stop(server, failures);
        }
        List<String> bad = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(work)) {
            for (Path log : walk.filter(p -> p.toString().endsWith(".log") || p.toString().endsWith(".out")).toList()) {
                for (String line : Files.readAllLines(log, StandardCharsets.ISO_8859_1)) {
                    if (BAD_LOG_LINES.stream().anyMatch(line::contains)) {
                        bad.add(work.relativize(log) + ": " + line);
                    }
                }
            }
        }
        check(bad.isEmpty(), "no error lines in the server's log: " + bad.stream().limit(10).toList(), failures);
        if (!bad.isEmpty()) {
            report.append("Error lines in the server's log: ").append(bad.size()).append("\n\n");
        }
        return failures.stream().map(f -> container + ": " + f).toList();
    }

    // ------------------------------------------------------------------------------------------------- sampling

    private Sample sample(long pid, int port, double seconds, SoakLoad load) throws Exception {
        double heap = liveHeap(pid) / 1048576.0;
        Map<String, Long> status = procStatus(pid);
        long fds;
        try (Stream<Path> list = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            fds = list.count();
        }
        Map<String, Long> stats = stats(port);
        Map<String, Long> ops = new LinkedHashMap<>();
        if (load != null) {
            load.ops.forEach((k, v) -> ops.put(k, v.sum()));
        }
        return new Sample(seconds, status.getOrDefault("VmRSS", 0L) / 1024.0, heap, status.getOrDefault("Threads", 0L),
                fds, stats, ops);
    }

    private static Map<String, Long> procStatus(long pid) throws IOException {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (l.startsWith("VmRSS:") || l.startsWith("Threads:")) {
                m.put(l.substring(0, l.indexOf(':')), Long.parseLong(l.replaceAll("[^0-9]", "")));
            }
        }
        return m;
    }

    /** Bytes of live objects, counted by {@code jcmd GC.class_histogram} after the full collection it forces. */
    private long liveHeap(long pid) throws Exception {
        Process p = new ProcessBuilder(Path.of(javaHome, "bin", "jcmd").toString(), Long.toString(pid),
                "GC.class_histogram").redirectErrorStream(true).start();
        String total = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String l;
            while ((l = r.readLine()) != null) {
                if (l.trim().startsWith("Total")) {
                    total = l.trim();
                }
            }
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        if (total == null) {
            throw new IllegalStateException("jcmd " + pid + " GC.class_histogram gave no total");
        }
        return Long.parseLong(total.split("\\s+")[2]);
    }

    /** The WAR's counters (numbers, and maps summed), from /wisp/stats with the token. */
    private Map<String, Long> stats(int port) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/wisp/stats")).header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("/wisp/stats answered " + r.statusCode());
        }
        Map<String, Long> m = new LinkedHashMap<>();
        for (String name : List.of("sessions", "streams", "threads", "sockets", "bufferedBytes", "readsPaused",
                "streamsOpened", "pooledBytes")) {
            Matcher v = Pattern.compile("\"" + name + "\":(\\d+)").matcher(r.body());
            if (!v.find()) {
                throw new IllegalStateException(name + " missing from /wisp/stats: " + r.body());
            }
            m.put(name, Long.parseLong(v.group(1)));
        }
        Matcher closes = Pattern.compile("\"closesByReason\":\\{([^}]*)}").matcher(r.body());
        if (closes.find()) {
            Matcher e = Pattern.compile("\"([A-Z_]+)\":(\\d+)").matcher(closes.group(1));
            while (e.find()) {
                m.put("close." + e.group(1), Long.parseLong(e.group(2)));
            }
        }
        return m;
    }

    /** Nothing of the load left: no connection, stream, thread, socket or held byte; descriptors and threads back. */
    private static boolean returned(Sample base, Sample now) {
        return now.stats().get("sessions") == 0 && now.stats().get("streams") == 0 && now.stats().get("threads") == 0
                && now.stats().get("sockets") == 0 && now.stats().get("bufferedBytes") == 0
                && now.stats().get("readsPaused") == 0 && now.fds() <= base.fds() + LIMITS.fdsAboveBaseline()
                && now.threads() <= base.threads() + LIMITS.threadsAboveBaseline();
    }

    private static void checkReturned(Sample base, Sample now, long settleMillis, List<String> failures) {
        if (now == null) {
            failures.add("no sample after the load");
            return;
        }
        for (String k : List.of("sessions", "streams", "threads", "sockets", "bufferedBytes", "readsPaused")) {
            check(now.stats().get(k) == 0, "after the load, /wisp/stats " + k + " is back to 0: " + now.stats().get(k),
                    failures);
        }
        check(now.fds() <= base.fds() + LIMITS.fdsAboveBaseline(), "after the load, descriptors " + now.fds()
                + " are back to the baseline " + base.fds() + " (+" + LIMITS.fdsAboveBaseline() + ")", failures);
        check(now.threads() <= base.threads() + LIMITS.threadsAboveBaseline(), "after the load, OS threads "
                + now.threads() + " are back to the baseline " + base.threads() + " (+"
                + LIMITS.threadsAboveBaseline() + ")", failures);
        check(settleMillis >= 0, "everything returned within " + SETTLE_TIMEOUT.toSeconds() + " s", failures);
    }

    // -------------------------------------------------------------------------------------------------- report

    /** Least-squares slope of y over x. */
    static double slope(double[] x, double[] y) {
        int n = x.length;
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= n;
        my /= n;
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < n; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
        }
        return sxx == 0 ? 0 : sxy / sxx;
    }

    private interface Metric {
        double of(Sample s);
    }

    private void report(String container, double minutes, double warmupMinutes, Sample base, List<Sample> samples,
            Sample settled, long settleMillis, SoakLoad load, List<String> failures) {
        StringBuilder t = new StringBuilder();
        t.append("### Soak on ").append(container).append(", ").append(LocalDate.now()).append(": ")
                .append(fmt(minutes)).append(" min, a sample every ").append(INTERVAL_SECONDS).append(" s; ")
                .append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
                .append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.version"))
                .append("\n\n");
        t.append("| s | RSS MiB | heap after GC MiB | OS threads | fds | sessions | streams | stream threads | sockets"
                + " | held KiB | paused | streams opened |\n|");
        t.append("---:|".repeat(12)).append('\n');
        t.append(tableRow("base", base));
        for (Sample s : samples) {
            t.append(tableRow(fmt(s.seconds()), s));
        }
        if (settled != null) {
            t.append(tableRow("after", settled));
        }
        List<Sample> fit = samples.stream().filter(s -> s.seconds() >= warmupMinutes * 60).toList();
        t.append("\nSlopes per minute (least squares over ").append(fit.size()).append(" samples after a ")
                .append(fmt(warmupMinutes)).append(" min warm-up), with min–max over those samples:\n\n");
        t.append("| metric | slope/min | limit | min | max | verdict |\n|---|---:|---:|---:|---:|---|\n");
        Map<String, Metric> metrics = new LinkedHashMap<>();
        metrics.put("heap after GC (MiB)", Sample::heapMiB);
        metrics.put("RSS (MiB)", Sample::rssMiB);
        metrics.put("OS threads", s -> s.threads());
        metrics.put("fds", s -> s.fds());
        metrics.put("stream threads (/wisp/stats)", s -> s.stats().get("threads"));
        metrics.put("sockets (/wisp/stats)", s -> s.stats().get("sockets"));
        Map<String, Double> limits = Map.of("heap after GC (MiB)", LIMITS.heapMiBPerMin(), "RSS (MiB)",
                LIMITS.rssMiBPerMin(), "OS threads", LIMITS.threadsPerMin(), "fds", LIMITS.fdsPerMin(),
                "stream threads (/wisp/stats)", LIMITS.threadsPerMin(), "sockets (/wisp/stats)", LIMITS.fdsPerMin());
        if (fit.size() < 3) {
            failures.add("only " + fit.size() + " samples after the warm-up: too few for a slope");
        } else {
            double[] x = fit.stream().mapToDouble(s -> s.seconds() / 60).toArray();
            for (Map.Entry<String, Metric> m : metrics.entrySet()) {
                double[] y = fit.stream().mapToDouble(s -> m.getValue().of(s)).toArray();
                double k = slope(x, y);
                double limit = limits.get(m.getKey());
                boolean flat = k <= limit;
                check(flat, m.getKey() + " grows " + fmt(k) + "/min, over the limit " + fmt(limit), failures);
                t.append("| ").append(m.getKey()).append(" | ").append(String.format(Locale.ROOT, "%+.3f", k))
                        .append(" | ").append(fmt(limit)).append(" | ")
                        .append(fmt(java.util.Arrays.stream(y).min().orElse(0))).append(" | ")
                        .append(fmt(java.util.Arrays.stream(y).max().orElse(0))).append(" | ")
                        .append(flat ? "flat" : "**GROWS**").append(" |\n");
            }
        }
        t.append("\nAfter the load stopped: ");
        if (settled != null) {
            t.append(settleMillis >= 0 ? "back to the baseline in " + fmt(settleMillis / 1000.0) + " s"
                    : "NOT back to the baseline within " + SETTLE_TIMEOUT.toSeconds() + " s").append(" (sessions ")
                    .append(settled.stats().get("sessions")).append(", streams ").append(settled.stats().get("streams"))
                    .append(", stream threads ").append(settled.stats().get("threads")).append(", sockets ")
                    .append(settled.stats().get("sockets")).append(", held bytes ")
                    .append(settled.stats().get("bufferedBytes")).append("; fds ").append(settled.fds())
                    .append(" against ").append(base.fds()).append(", OS threads ").append(settled.threads())
                    .append(" against ").append(base.threads()).append(").\n");
        }
        if (load != null) {
            t.append("\nOperations: ");
            List<String> ops = new ArrayList<>();
            load.ops.forEach((k, v) -> ops.add(k + " " + (k.endsWith("_bytes") ? fmt(v.sum() / 1048576.0) + " MiB"
                    : Long.toString(v.sum()))));
            t.append(String.join(", ", ops)).append(".\n");
            if (settled != null) {
                List<String> closes = new ArrayList<>();
                settled.stats().forEach((k, v) -> {
                    if (k.startsWith("close.")) {
                        closes.add(k.substring(6) + " " + v);
                    }
                });
                t.append("\nStream closes by reason (server side): ").append(String.join(", ", closes)).append(".\n");
            }
            t.append("\nErrors: ").append(load.errorCount());
            if (load.errorCount() > 0) {
                t.append(' ').append(load.errors).append("\n\n    ").append(String.join("\n    ", load.errorSamples));
            }
            t.append("\n");
            check(load.errorCount() == 0, load.errorCount() + " unexpected answers: " + load.errors, failures);
        }
        t.append("\nVerdict: ").append(failures.isEmpty() ? "PASS" : "FAIL: " + failures).append("\n\n");
        report.append(t);
    }

    private static String tableRow(String label, Sample s) {
        return "| " + label + " | " + fmt(s.rssMiB()) + " | " + fmt(s.heapMiB()) + " | " + s.threads() + " | " + s.fds()
                + " | " + s.stats().get("sessions") + " | " + s.stats().get("streams") + " | "
                + s.stats().get("threads") + " | " + s.stats().get("sockets") + " | "
                + fmt(s.stats().get("bufferedBytes") / 1024.0) + " | " + s.stats().get("readsPaused") + " | "
                + s.stats().get("streamsOpened") + " |\n";
    }

    private static String row(Sample s) {
        return String.format(Locale.ROOT, "t=%.0fs rss=%.1fMiB heap=%.1fMiB threads=%d fds=%d %s", s.seconds(),
                s.rssMiB(), s.heapMiB(), s.threads(), s.fds(), s.stats());
    }

    static String fmt(double v) {
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }

    private static void check(boolean ok, String what, List<String> failures) {
        if (!ok) {
            failures.add(what);
        }
    }

    // -------------------------------------------------------------------------------------------------- servers

    private String java() {
        return Path.of(javaHome, "bin", "java").toString();
    }

    /** A Jetty base with this repository's modules and logging, the WAR configured by an override descriptor. */
    private Process startJetty(Path work, int port) throws Exception {
        Path jettyHome = WarJettyBase.jettyHome(args, basedir);
        Map<String, String> params = new java.util.LinkedHashMap<>();
        params.put("wisp.allowPrivateAddresses", "true");
        params.put("wisp.stats.enabled", "true");
        params.put("wisp.stats.token", "env:WISP_STATS_TOKEN");
        Path base = WarJettyBase.write(basedir, work.resolve("jetty-base"), params,
                "SoakRunner: loopback destinations, and the statistics the soak samples");
        return start(work, List.of(java(), "-jar", jettyHome.resolve("start.jar").toString(), "jetty.home=" + jettyHome,
                "jetty.base=" + base, "jetty.http.host=127.0.0.1", "jetty.http.port=" + port), Map.of());
    }

    /** A Tomcat base beside the unpacked distribution, the WAR configured by {@code conf/Catalina/localhost/wisp.xml}. */
    private Process startTomcat(Path work, int port) throws Exception {
        Path home = WarTomcatBase.tomcatHome(args, basedir);
        Map<String, String> params = new java.util.LinkedHashMap<>();
        params.put("wisp.allowPrivateAddresses", "true");
        params.put("wisp.stats.enabled", "true");
        params.put("wisp.stats.token", "env:WISP_STATS_TOKEN");
        Path base = WarTomcatBase.write(home, basedir, work.resolve("tomcat-base"), port, params,
                "SoakRunner: loopback destinations, and the statistics the soak samples");
        return start(work, WarTomcatBase.command(home), WarTomcatBase.environment(home, base, javaHome));
    }

    /** Starts a server under {@code timeout} (a bounded lifetime), its output in {@code console.log}. */
    private Process start(Path work, List<String> command, Map<String, String> env) throws IOException {
        long maxSeconds = (long) (Double.parseDouble(args.getOrDefault("soak-minutes", "10")) * 60) + 900;
        List<String> cmd = new ArrayList<>(List.of("timeout", "--kill-after=10", Long.toString(maxSeconds)));
        cmd.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(work.resolve("console.log").toFile());
        pb.environment().remove("JAVA_OPTS");
        pb.environment().remove("CATALINA_OPTS");
        pb.environment().putAll(env);
        pb.environment().put("WISP_STATS_TOKEN", TOKEN);
        return pb.start();
    }

    /** The server JVM: the {@code java} process under {@code timeout} (catalina.sh run execs it). */
    private static long serverPid(Process server, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            Optional<ProcessHandle> jvm = server.toHandle().descendants()
                    .filter(h -> h.info().command().map(c -> c.endsWith("/java")).orElse(false)).findFirst();
            if (jvm.isPresent()) {
                return jvm.get().pid();
            }
            if (!server.isAlive()) {
                break;
            }
            Thread.sleep(50);   // polling for the child process, with a deadline
        }
        throw new IllegalStateException("no server JVM started; see " + log);
    }

    private void awaitPage(Process server, URI page, Path log) throws Exception {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                throw new IllegalStateException("the server exited during startup; see " + log);
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(page).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("Wisp server")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);   // polling startup, with a deadline
        }
        throw new IllegalStateException("no Wisp page at " + page + " within " + START_TIMEOUT + "; see " + log);
    }

    /** SIGTERM to the server JVM; it must exit within 60 s (else it is killed, and that is a failure). */
    private static void stop(Process server, List<String> failures) throws InterruptedException {
        server.toHandle().descendants().forEach(ProcessHandle::destroy);
        server.destroy();
        boolean exited = server.waitFor(60, TimeUnit.SECONDS);
        if (!exited) {
            server.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
        }
        check(exited, "the server exits within 60 s of SIGTERM", failures);
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    private static Path fresh(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        return Files.createDirectories(dir);
    }

}
