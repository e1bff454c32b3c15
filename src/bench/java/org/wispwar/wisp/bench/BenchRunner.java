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
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark script, in Java so that it runs wherever the build does ({@code mvn -Pbench package} starts it with the
 * toolchain's JDK 21+). It starts, on 127.0.0.1, each with a bounded lifetime ({@code timeout}):
 * <ul>
 *   <li>{@code wisp-war}: this WAR on standalone Jetty 12 (jetty-home from Maven Central) in a bench Jetty base under
 *       {@code target/bench/jetty-base}, with {@code wisp.allowPrivateAddresses=true} and room for 10,000 streams set in
 *       an override descriptor;</li>
 *   <li>{@code wisp-js}: {@code @mercuryworkshop/wisp-js}'s own server on Node (installed under target/bench/js);</li>
 *   <li>{@code noop}: {@link NoopWispServer}, the generator's ceiling;</li>
 * </ul>
 * then runs the generator ({@link WispBench}, a fresh JVM each time) against each of them and against plain TCP,
 * interleaved, {@code --runs} times, and prints the medians as a Markdown table (also written to
 * {@code target/bench/results.md}). With {@code --url ws://...} it starts nothing and benchmarks that server only.
 * {@code --mode=soak} runs {@link SoakRunner} instead.
 * Everything it starts is stopped when it ends.
 */
public final class BenchRunner {
    private static final String WAR_SERVER = "wisp-war";
    private static final String JS_SERVER = "wisp-js";
    private static final String NOOP_SERVER = "noop";
    private static final String TCP = "plain-tcp";

    private final Map<String, String> args;
    private final Path basedir;
    private final Path out;
    private final String java;
    private final String classpath;
    private final int runs;
    private final List<Process> started = Collections.synchronizedList(new ArrayList<>());
    private final Set<String> overLimit = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;
    /** server → metric → values (one per run). */
    private final Map<String, Map<String, List<Double>>> results = new LinkedHashMap<>();
    private final Map<String, String> units = new TreeMap<>();

    private BenchRunner(Map<String, String> args) {
        this.args = args;
        this.basedir = Path.of(args.getOrDefault("basedir", ".")).toAbsolutePath().normalize();
        this.out = basedir.resolve("target/bench");
        this.java = ProcessHandle.current().info().command().orElse("java");
        this.classpath = System.getProperty("java.class.path");
        this.runs = Integer.parseInt(args.getOrDefault("runs", "3"));
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = new LinkedHashMap<>();
        WispBench.parse(argv).forEach((k, v) -> {
            if (!v.isEmpty()) {
                a.put(k, v);
            }
        });
        if (a.getOrDefault("mode", "compare").equals("soak")) {
            SoakRunner.run(a);   // exits with the soak's verdict
            return;
        }
        BenchRunner r = new BenchRunner(a);
        Runtime.getRuntime().addShutdownHook(new Thread(r::stopAll));
        try {
            r.run();
        } finally {
            r.stopAll();
        }
        System.exit(0);
    }

    private void run() throws Exception {
        Files.createDirectories(out.resolve("logs"));
        String seconds = args.getOrDefault("seconds", "5");
        String warmup = args.getOrDefault("warmup", "2");
        String scenarios = args.getOrDefault("scenarios", String.join(",", WispBench.DEFAULT_SCENARIOS));
        String scale = args.getOrDefault("scale", "scale_streams,scale_websockets,slow_reader");
        if (scale.equals("none")) {
            scale = "";
        }
        if (args.getOrDefault("mode", "compare").equals("jmh")) {
            // the codec microbenchmark; -prof gc adds gc.alloc.rate.norm (bytes allocated per operation)
            org.openjdk.jmh.Main.main(new String[] {CodecBenchmark.class.getSimpleName(), "-prof", "gc", "-rf", "text",
                "-rff", out.resolve("jmh-codec.txt").toString()});
            return;
        }
        if (args.containsKey("url")) {
            for (int r = 1; r <= runs; r++) {
                generator("url", args.get("url"), r, scenarios, seconds, warmup, 0);
            }
            report(List.of("url"));
            return;
        }
        List<String> servers = List.of(args.getOrDefault("servers", WAR_SERVER + "," + JS_SERVER + "," + NOOP_SERVER
                + "," + TCP).split(","));
        int warPort = Integer.parseInt(args.getOrDefault("war-port", "18080"));
        int jsPort = Integer.parseInt(args.getOrDefault("js-port", "18081"));
        int noopPort = Integer.parseInt(args.getOrDefault("noop-port", "18082"));
        int targetBase = Integer.parseInt(args.getOrDefault("target-port-base", "17100"));
        long maxSeconds = Long.parseLong(args.getOrDefault("max-seconds", "3600"));
        Map<String, String> urls = new LinkedHashMap<>();
        Map<String, Long> pids = new ConcurrentHashMap<>();
        Map<String, java.util.concurrent.Callable<Long>> starters = new LinkedHashMap<>();
        if (servers.contains(WAR_SERVER)) {
            starters.put(WAR_SERVER, () -> startJetty(warPort, maxSeconds));
            urls.put(WAR_SERVER, "ws://127.0.0.1:" + warPort + "/wisp/");
        }
        if (servers.contains(JS_SERVER)) {
            starters.put(JS_SERVER, () -> startWispJs(jsPort, maxSeconds));
            urls.put(JS_SERVER, "ws://127.0.0.1:" + jsPort + "/");
        }
        if (servers.contains(NOOP_SERVER)) {
            starters.put(NOOP_SERVER, () -> {
                long pid = start("noop", List.of(java, "-cp", classpath, NoopWispServer.class.getName(), "--port",
                        Integer.toString(noopPort), "--target-port-base", Integer.toString(targetBase),
                        "--max-seconds", Long.toString(maxSeconds)), maxSeconds, null);
                awaitHttp(URI.create("http://127.0.0.1:" + noopPort + "/"), false);
                return pid;
            });
            urls.put(NOOP_SERVER, "ws://127.0.0.1:" + noopPort + "/");
        }
        for (Map.Entry<String, java.util.concurrent.Callable<Long>> e : starters.entrySet()) {
            pids.put(e.getKey(), e.getValue().call());
        }
        if (servers.contains(TCP)) {
            urls.put(TCP, "tcp");
        }
        watchMemory(pids, Long.parseLong(args.getOrDefault("max-server-rss-mib", "8192")) * 1024 * 1024);
        List<String> order = new ArrayList<>(urls.keySet());
        for (int r = 1; r <= runs; r++) {
            if (r > 1) {
                restartAll(starters, pids);
            }
            for (String server : order) {
                for (String scenario : scenarios.split(",")) {   // one generator JVM per scenario
                    restartIfStopped(server, starters, pids);
                    generator(server, urls.get(server), r, scenario, seconds, warmup, pids.getOrDefault(server, 0L));
                }
            }
            for (String server : List.of(WAR_SERVER, JS_SERVER)) {
                if (urls.containsKey(server) && !scale.isBlank()) {
                    for (String scenario : scale.split(",")) {
                        restartIfStopped(server, starters, pids);
                        generator(server, urls.get(server), r, scenario, seconds, warmup, pids.get(server));
                    }
                }
            }
            Collections.rotate(order, 1);   // interleaved: each server goes first in turn
        }
        report(new ArrayList<>(urls.keySet()));
    }

    // ------------------------------------------------------------------------------------------------ servers

    private long startJetty(int port, long maxSeconds) throws Exception {
        Path jettyHome = WarJettyBase.jettyHome(args, basedir);
        Map<String, String> params = new LinkedHashMap<>();
        params.put("wisp.allowPrivateAddresses", "true");
        params.put("wisp.maxStreamsPerConnection", "12000");
        params.put("wisp.stats.enabled", "true");   // the uploads scenario reads the held bytes and budgets there
        for (String kv : args.getOrDefault("wisp-params", "").split(",")) {
            if (kv.contains("=")) {
                params.put(kv.substring(0, kv.indexOf('=')).trim(), kv.substring(kv.indexOf('=') + 1).trim());
            }
        }
        Path base = WarJettyBase.write(basedir, out.resolve("jetty-base"), params,
                "BenchRunner: the benchmark's targets are on loopback, and scale_streams needs 10,000.");
        List<String> cmd = new ArrayList<>(List.of(java));
        for (String opt : args.getOrDefault("war-jvm", "").split(" ")) {
            if (!opt.isBlank()) {
                cmd.add(opt);
            }
        }
        if (args.containsKey("jfr")) {
            cmd.add("-XX:StartFlightRecording=filename=" + out.resolve(args.get("jfr")) + ",settings=profile,"
                    + "dumponexit=true");
        }
        cmd.addAll(List.of("-jar", jettyHome.resolve("start.jar").toString(), "jetty.home=" + jettyHome,
                "jetty.base=" + base, "jetty.http.host=127.0.0.1", "jetty.http.port=" + port));
        long pid = start("wisp-war", cmd, maxSeconds, null);
        awaitHttp(URI.create("http://127.0.0.1:" + port + "/wisp/"), true);
        return pid;
    }

    private long startWispJs(int port, long maxSeconds) throws Exception {
        Path dir = out.resolve("js");
        if (!Files.isDirectory(dir.resolve("node_modules/@mercuryworkshop/wisp-js"))) {
            throw new IllegalStateException(dir + "/node_modules is missing: run mvn -Pbench package (needs npm)");
        }
        long pid = start("wisp-js", List.of("node", "wisp-js-server.mjs", "--port", Integer.toString(port),
                "--max-seconds", Long.toString(maxSeconds)), maxSeconds, dir);
        awaitHttp(URI.create("http://127.0.0.1:" + port + "/"), true);
        return pid;
    }

    /** Starts a server under {@code timeout} (bounded lifetime); returns the server's own pid (the child). */
    private long start(String name, List<String> command, long maxSeconds, Path dir) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("timeout", "--kill-after=10", Long.toString(maxSeconds)));
        cmd.addAll(command);
        Path log = out.resolve("logs/" + name + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        Process p = pb.start();
        started.add(p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            var child = p.toHandle().children().findFirst();
            if (child.isPresent()) {
                WispBench.log(name + " started, pid " + child.get().pid() + ", log " + log);
                return child.get().pid();
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException(name + " did not start; see " + log);
    }

    private static void awaitHttp(URI uri, boolean need200) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)   // no h2c Upgrade header
                .connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (!need200 || r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not up yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(uri + " did not come up within 90 s");
    }

    /**
     * Every server starts each run as a fresh process, so no run inherits what an earlier scenario left behind. Before
     * this, wisp-js kept gigabytes it had buffered for the slow reader and the source scenarios (it has no server to
     * client backpressure) into the next run, and there spent about three times the CPU per MiB it spends fresh.
     */
    private void restartAll(Map<String, java.util.concurrent.Callable<Long>> starters, Map<String, Long> pids)
            throws Exception {
        for (Map.Entry<String, java.util.concurrent.Callable<Long>> e : starters.entrySet()) {
            Long pid = pids.get(e.getKey());
            if (pid != null) {
                Optional<ProcessHandle> h = ProcessHandle.of(pid);
                if (h.isPresent()) {
                    h.get().destroy();
                    try {
                        h.get().onExit().get(20, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.TimeoutException ex) {
                        h.get().destroyForcibly();
                        h.get().onExit().get(10, TimeUnit.SECONDS);
                    }
                }
            }
            overLimit.remove(e.getKey());
            pids.put(e.getKey(), e.getValue().call());
        }
    }

    /** A server the memory watchdog stopped is started again (and counted) before its next scenarios. */
    private void restartIfStopped(String server, Map<String, java.util.concurrent.Callable<Long>> starters,
            Map<String, Long> pids) throws Exception {
        if (starters.containsKey(server) && overLimit.remove(server)) {
            Thread.sleep(2000);
            pids.put(server, starters.get(server).call());
            results.computeIfAbsent(server, k -> new LinkedHashMap<>())
                    .computeIfAbsent("server_restarts_after_rss_limit", k -> new ArrayList<>()).add(1.0);
            units.put("server_restarts_after_rss_limit", "count");
        }
    }

    /**
     * Every second: a server whose resident memory passes {@code --max-server-rss-mib} (default 8192) is stopped, so a
     * server that buffers without bound cannot exhaust the machine; its later scenarios then report ".failed".
     */
    private void watchMemory(Map<String, Long> pids, long limitBytes) {
        Thread.ofPlatform().daemon().name("rss-watchdog").start(() -> {
            while (!stopping) {
                for (Map.Entry<String, Long> e : pids.entrySet()) {
                    long rss = rssOf(e.getValue());
                    if (rss > limitBytes) {
                        WispBench.log("STOPPING " + e.getKey() + ": resident memory " + rss / (1024 * 1024)
                                + " MiB is over the limit " + limitBytes / (1024 * 1024) + " MiB");
                        if (overLimit.add(e.getKey())) {
                            ProcessHandle.of(e.getValue()).ifPresent(ProcessHandle::destroyForcibly);
                        }
                    }
                }
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ex) {
                    return;
                }
            }
        });
    }

    private static long rssOf(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    private void stopAll() {
        stopping = true;
        List<Process> all = List.copyOf(started);
        for (Process p : all) {
            p.toHandle().descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        for (Process p : all) {
            try {
                if (!p.waitFor(15, TimeUnit.SECONDS)) {
                    p.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        started.clear();
    }

    // ---------------------------------------------------------------------------------------------- generator

    private void generator(String server, String url, int run, String scenarios, String seconds, String warmup,
            long pid) throws Exception {
        if (stopping) {
            return;
        }
        List<String> cmd = new ArrayList<>(List.of("timeout", "--kill-after=10",
                args.getOrDefault("generator-timeout", "900"), java, "-Xms1g", "-Xmx4g", "-cp", classpath,
                WispBench.class.getName(), "--url", url, "--seconds", seconds, "--warmup", warmup, "--scenarios",
                scenarios, "--target-port-base", args.getOrDefault("target-port-base", "17100")));
        String[] extra = args.getOrDefault("generator-args", "").trim().split("\\s+");
        for (int i = 0; i + 1 < extra.length; i += 2) {   // "name value" pairs, passed as --name value
            cmd.addAll(List.of("--" + extra[i], extra[i + 1]));
        }
        if (pid > 0) {
            cmd.addAll(List.of("--server-pid", Long.toString(pid)));
        }
        Path log = out.resolve("logs/generator-" + server + "-run" + run + ".log");
        WispBench.log("run " + run + "/" + runs + ": " + server + " (" + scenarios + ")");
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        started.add(p);
        List<String[]> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                String[] f = line.trim().split("\\s+");
                if (f.length == 3) {
                    System.out.println("  " + server + " " + line);
                    lines.add(f);
                }
            }
        }
        if (!p.waitFor(Long.parseLong(args.getOrDefault("generator-timeout", "900")) + 60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        started.remove(p);
        // a server the memory watchdog stopped during this scenario: its numbers are kept apart, not in the medians
        String suffix = overLimit.contains(server) ? ".until_server_stopped" : "";
        for (String[] f : lines) {
            results.computeIfAbsent(server, k -> new LinkedHashMap<>())
                    .computeIfAbsent(f[0] + suffix, k -> new ArrayList<>()).add(Double.parseDouble(f[1]));
            units.put(f[0] + suffix, f[2]);
        }
    }

    // ------------------------------------------------------------------------------------------------- report

    static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    private Double med(String server, String metric) {
        Map<String, List<Double>> m = results.get(server);
        List<Double> v = m == null ? null : m.get(metric);
        return v == null || v.isEmpty() ? null : median(v);
    }

    private void report(List<String> servers) throws IOException {
        List<String> metrics = new ArrayList<>();
        for (String s : servers) {
            results.getOrDefault(s, Map.of()).keySet().stream().filter(m -> !metrics.contains(m))
                    .forEach(metrics::add);
        }
        boolean compare = servers.contains(WAR_SERVER) && servers.contains(JS_SERVER);
        StringBuilder t = new StringBuilder();
        t.append("Wisp benchmark, ").append(LocalDate.now()).append(", medians of ").append(runs)
                .append(" interleaved runs, ").append(args.getOrDefault("seconds", "5")).append(" s each after ")
                .append(args.getOrDefault("warmup", "2")).append(" s warm-up; ")
                .append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
                .append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.version"))
                .append("\n\n");
        t.append("| metric | unit |");
        for (String s : servers) {
            t.append(' ').append(s).append(" |");
        }
        if (compare) {
            t.append(" wisp-war vs wisp-js |");
        }
        t.append("\n|---|---|");
        t.append("---:|".repeat(servers.size() + (compare ? 1 : 0))).append('\n');
        for (String m : metrics) {
            String unit = units.getOrDefault(m, "");
            t.append("| ").append(m).append(" | ").append(unit).append(" |");
            for (String s : servers) {
                Double v = med(s, m);
                t.append(' ').append(v == null ? "" : fmt(v)).append(" |");
            }
            if (compare) {
                Double w = med(WAR_SERVER, m);
                Double j = med(JS_SERVER, m);
                String ratio = "";
                if (w != null && j != null && w > 0 && j > 0 && (unit.equals("MiB/s") || unit.equals("opens/s")
                        || unit.equals("us") || unit.equals("s"))) {
                    boolean lowerIsBetter = unit.equals("us") || unit.equals("s");
                    ratio = String.format(Locale.ROOT, "%.2f×", lowerIsBetter ? j / w : w / j);
                }
                t.append(' ').append(ratio).append(" |");
            }
            t.append('\n');
        }
        if (compare) {
            t.append("\nTargets (ratio = how many times better wisp-war is; lower latency counts as better):\n");
            for (String m : List.of("wispmark_10", "source_1", "sink_1")) {
                Double w = med(WAR_SERVER, m);
                Double j = med(JS_SERVER, m);
                if (w != null && j != null && j > 0) {
                    t.append(String.format(Locale.ROOT, "- %s: %.2f× wisp-js (target ≥ 1.5×): %s%n", m, w / j,
                            w / j >= 1.5 ? "met" : "MISSED"));
                }
            }
            Double heap = med(WAR_SERVER, "scale_streams.heap_per_stream");
            if (heap != null) {
                t.append(String.format(Locale.ROOT, "- heap per idle TCP stream: %.0f bytes (target ≤ 8192): %s%n",
                        heap, heap <= 8192 ? "met" : "MISSED"));
            }
        }
        t.append("\nRaw values per run:\n\n");
        for (String s : servers) {
            results.getOrDefault(s, Map.of()).forEach((m, v) -> t.append("    ").append(s).append(' ').append(m)
                    .append(' ').append(v).append('\n'));
        }
        System.out.println();
        System.out.println(t);
        Files.writeString(out.resolve("results.md"), t);
        WispBench.log("written to " + out.resolve("results.md"));
    }

    private static String fmt(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }
}
