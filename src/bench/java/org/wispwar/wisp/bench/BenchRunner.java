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
import org.wispwar.wisp.testing.Trees;

/**
 * The benchmark script, in Java so that it runs wherever the build does ({@code mvn -Pbench package} starts it with the
 * toolchain's JDK 21+). It starts, on 127.0.0.1, each with a bounded lifetime ({@code timeout}):
 * <ul>
 *   <li>{@code wisp-war}: this WAR on standalone Jetty 12 (jetty-home from Maven Central) in a bench Jetty base under
 *       {@code target/bench/jetty-base}, with {@code wisp.allowPrivateAddresses=true} and room for 10,000 streams set in
 *       an override descriptor;</li>
 *   <li>{@code wisp-war-tomcat}: the same WAR with the same context params on standalone Tomcat 11 (the bench profile
 *       unpacks it under target/standalone) in a base under {@code target/bench/tomcat-base}, on the same JDK;</li>
 *   <li>{@code wisp-js}: {@code @mercuryworkshop/wisp-js}'s own server on Node (installed under target/bench/js);</li>
 *   <li>{@code noop}: {@link NoopWispServer}, the generator's ceiling;</li>
 * </ul>
 * then runs the generator ({@link WispBench}, a fresh JVM each time) against each of them and against plain TCP,
 * interleaved, {@code --runs} times, and prints the medians as a Markdown table with ratio columns (Jetty and Tomcat
 * against wisp-js, Tomcat against Jetty) and issue 12's targets (also written to {@code target/bench/results.md}).
 * A server is started again before each of {@link WispBench#COLD_SCENARIOS}, which measure a freshly started server.
 * With {@code --url ws://...} it starts nothing and benchmarks that server only.
 * {@code --mode=soak} runs {@link SoakRunner} instead.
 * Everything it starts is stopped when it ends.
 */
public final class BenchRunner {
    private static final String WAR_SERVER = "wisp-war";
    private static final String TOMCAT_SERVER = "wisp-war-tomcat";
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
        if (a.getOrDefault("mode", "compare").equals("none")) {
            return;   // -Dbench.mode=none: build (and compile the bench sources) without running anything
        }
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
            // -Dbench.jmh=UnmaskBenchmark for the unmasking comparison (README "Performance", Tomcat)
            String jmh = args.getOrDefault("jmh", CodecBenchmark.class.getSimpleName());
            org.openjdk.jmh.Main.main(new String[] {jmh, "-prof", "gc", "-rf", "text",
                "-rff", out.resolve("jmh-" + jmh + ".txt").toString()});
            return;
        }
        if (args.containsKey("url")) {
            for (int r = 1; r <= runs; r++) {
                generator("url", args.get("url"), r, scenarios, seconds, warmup, 0);
            }
            report(List.of("url"));
            return;
        }
        List<String> servers = List.of(args.getOrDefault("servers", WAR_SERVER + "," + TOMCAT_SERVER + "," + JS_SERVER
                + "," + NOOP_SERVER + "," + TCP).split(","));
        int warPort = Integer.parseInt(args.getOrDefault("war-port", "18080"));
        int tomcatPort = Integer.parseInt(args.getOrDefault("tomcat-port", "18083"));
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
        if (servers.contains(TOMCAT_SERVER)) {
            starters.put(TOMCAT_SERVER, () -> startTomcat(tomcatPort, maxSeconds));
            urls.put(TOMCAT_SERVER, "ws://127.0.0.1:" + tomcatPort + "/wisp/");
        }
        if (servers.contains(JS_SERVER)) {
            starters.put(JS_SERVER, () -> startWispJs(jsPort, maxSeconds));
            urls.put(JS_SERVER, "ws://127.0.0.1:" + jsPort + "/");
        }
        if (servers.contains(NOOP_SERVER)) {
            starters.put(NOOP_SERVER, () -> {
                long pid = start("noop", List.of(java, "-cp", classpath, NoopWispServer.class.getName(), "--port",
                        Integer.toString(noopPort), "--target-port-base", Integer.toString(targetBase),
                        "--max-seconds", Long.toString(maxSeconds)), maxSeconds, null, Map.of());
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
                    scenario = scenario.trim();
                    if (server.equals(TCP) && WispBench.WISP_ONLY_SCENARIOS.contains(scenario)) {
                        continue;
                    }
                    if (WispBench.COLD_SCENARIOS.contains(scenario) && starters.containsKey(server)) {
                        restart(server, starters, pids);   // a cold figure: the first load on a fresh server
                    }
                    restartIfStopped(server, starters, pids);
                    generator(server, urls.get(server), r, scenario, seconds, warmup, pids.getOrDefault(server, 0L));
                }
            }
            for (String server : List.of(WAR_SERVER, TOMCAT_SERVER, JS_SERVER)) {
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

    /** The WAR's context params, the same on both containers: the bench's own, then {@code --wisp-params k=v,...}. */
    private Map<String, String> warParams() {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("wisp.allowPrivateAddresses", "true");
        params.put("wisp.maxStreamsPerConnection", "12000");
        params.put("wisp.stats.enabled", "true");   // the uploads scenario reads the held bytes and budgets there
        for (String kv : args.getOrDefault("wisp-params", "").split(",")) {
            if (kv.contains("=")) {
                params.put(kv.substring(0, kv.indexOf('=')).trim(), kv.substring(kv.indexOf('=') + 1).trim());
            }
        }
        return params;
    }

    private static final String PARAMS_WHY = "BenchRunner: the benchmark's targets are on loopback, and scale_streams"
            + " needs 10,000.";

    /**
     * The WAR JVMs' options: {@code --war-jvm} (space-separated), and with {@code --jfr=NAME.jfr} a flight recording
     * dumped on exit to target/bench/NAME{@code suffix}.jfr.
     */
    private List<String> warJvmOptions(String suffix) {
        List<String> opts = new ArrayList<>();
        for (String opt : args.getOrDefault("war-jvm", "").split(" ")) {
            if (!opt.isBlank()) {
                opts.add(opt);
            }
        }
        if (args.containsKey("jfr")) {
            String name = args.get("jfr");
            String stem = name.endsWith(".jfr") ? name.substring(0, name.length() - 4) : name;
            String file = suffix.isEmpty() ? name : stem + suffix + ".jfr";   // Jetty's keeps the name as given
            opts.add("-XX:StartFlightRecording=filename=" + out.resolve(file) + ",settings=profile,"
                    + "dumponexit=true");
        }
        return opts;
    }

    private long startJetty(int port, long maxSeconds) throws Exception {
        Path jettyHome = WarJettyBase.jettyHome(args, basedir);
        Path base = WarJettyBase.write(basedir, out.resolve("jetty-base"), warParams(), PARAMS_WHY);
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(warJvmOptions(""));
        cmd.addAll(List.of("-jar", jettyHome.resolve("start.jar").toString(), "jetty.home=" + jettyHome,
                "jetty.base=" + base, "jetty.http.host=127.0.0.1", "jetty.http.port=" + port));
        long pid = start("wisp-war", cmd, maxSeconds, null, Map.of());
        awaitHttp(URI.create("http://127.0.0.1:" + port + "/wisp/"), true);
        return pid;
    }

    /**
     * The WAR on standalone Tomcat 11, in a fresh base each start. {@code catalina.sh run} execs java, so the pid
     * returned is the server JVM (CPU, RSS, jcmd, and SIGTERM for a clean exit that writes the flight recording). The
     * JVM options go in CATALINA_OPTS; inherited JAVA_OPTS/CATALINA_OPTS are dropped; JAVA_HOME is this JVM's, the same
     * JDK as the Jetty server's.
     */
    private long startTomcat(int port, long maxSeconds) throws Exception {
        Path home = WarTomcatBase.tomcatHome(args, basedir);
        Path base = out.resolve("tomcat-base");
        Trees.delete(base);   // no exploded WAR or work files from the previous start
        WarTomcatBase.write(home, basedir, base, port, warParams(), PARAMS_WHY);
        Map<String, String> env = new LinkedHashMap<>(WarTomcatBase.environment(home, base,
                System.getProperty("java.home")));
        env.put("CATALINA_OPTS", String.join(" ", warJvmOptions("-tomcat")));
        env.put("JAVA_OPTS", "");
        long pid = start(TOMCAT_SERVER, WarTomcatBase.command(home), maxSeconds, null, env);
        awaitHttp(URI.create("http://127.0.0.1:" + port + "/wisp/"), true);
        return pid;
    }

    private long startWispJs(int port, long maxSeconds) throws Exception {
        Path dir = out.resolve("js");
        if (!Files.isDirectory(dir.resolve("node_modules/@mercuryworkshop/wisp-js"))) {
            throw new IllegalStateException(dir + "/node_modules is missing: run mvn -Pbench package (needs npm)");
        }
        long pid = start("wisp-js", List.of("node", "wisp-js-server.mjs", "--port", Integer.toString(port),
                "--max-seconds", Long.toString(maxSeconds)), maxSeconds, dir, Map.of());
        awaitHttp(URI.create("http://127.0.0.1:" + port + "/"), true);
        return pid;
    }

    /**
     * Starts a server under {@code timeout} (bounded lifetime), with {@code env} added to the environment (without
     * inherited JAVA_OPTS/CATALINA_OPTS); returns the server's own pid (the child).
     */
    private long start(String name, List<String> command, long maxSeconds, Path dir, Map<String, String> env)
            throws Exception {
        List<String> cmd = new ArrayList<>(List.of("timeout", "--kill-after=10", Long.toString(maxSeconds)));
        cmd.addAll(command);
        Path log = out.resolve("logs/" + name + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        pb.environment().remove("JAVA_OPTS");
        pb.environment().remove("CATALINA_OPTS");
        pb.environment().putAll(env);
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
        for (String server : starters.keySet()) {
            restart(server, starters, pids);
        }
    }

    /** Stops one server (SIGTERM, so a JVM exits cleanly and dumps its flight recording; then SIGKILL) and starts it. */
    private void restart(String server, Map<String, java.util.concurrent.Callable<Long>> starters,
            Map<String, Long> pids) throws Exception {
        Long pid = pids.get(server);
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
        overLimit.remove(server);
        pids.put(server, starters.get(server).call());
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
        // ratio columns: first ÷ second, > 1 when the first is better (for latency, time and memory: lower)
        List<String[]> pairs = new ArrayList<>();
        for (String[] pair : List.of(new String[] {WAR_SERVER, JS_SERVER, "jetty ÷ js"},
                new String[] {TOMCAT_SERVER, JS_SERVER, "tomcat ÷ js"},
                new String[] {TOMCAT_SERVER, WAR_SERVER, "tomcat ÷ jetty"})) {
            if (servers.contains(pair[0]) && servers.contains(pair[1])) {
                pairs.add(pair);
            }
        }
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
        for (String[] pair : pairs) {
            t.append(' ').append(pair[2]).append(" |");
        }
        t.append("\n|---|---|");
        t.append("---:|".repeat(servers.size() + pairs.size())).append('\n');
        for (String m : metrics) {
            String unit = units.getOrDefault(m, "");
            t.append("| ").append(m).append(" | ").append(unit).append(" |");
            for (String s : servers) {
                Double v = med(s, m);
                t.append(' ').append(v == null ? "" : fmt(v)).append(" |");
            }
            for (String[] pair : pairs) {
                Double ratio = ratio(pair[0], pair[1], m);
                t.append(' ').append(ratio == null ? "" : String.format(Locale.ROOT, "%.2f×", ratio)).append(" |");
            }
            t.append('\n');
        }
        if (!pairs.isEmpty()) {
            targets(t, metrics);
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

    /** Units where more is better; in {@link #LOWER_IS_BETTER} less is. Other units get no ratio. */
    private static final Set<String> HIGHER_IS_BETTER = Set.of("MiB/s", "opens/s", "msgs/s");
    private static final Set<String> LOWER_IS_BETTER = Set.of("us", "s", "MiB", "bytes", "ms/MiB");

    /** How many times better {@code a} is than {@code b} on {@code metric}; null without both values or a direction. */
    private Double ratio(String a, String b, String metric) {
        String unit = units.getOrDefault(metric, "");
        Double x = med(a, metric);
        Double y = med(b, metric);
        if (x == null || y == null || x <= 0 || y <= 0) {
            return null;
        }
        if (HIGHER_IS_BETTER.contains(unit)) {
            return x / y;
        }
        return LOWER_IS_BETTER.contains(unit) ? y / x : null;
    }

    /** Issue 12's targets, each met or MISSED (a target whose figures are missing says so). */
    private void targets(StringBuilder t, List<String> metrics) {
        if (!(results.containsKey(WAR_SERVER) && (results.containsKey(JS_SERVER)
                || results.containsKey(TOMCAT_SERVER)))) {
            return;   // every target compares against wisp-war (Jetty)
        }
        t.append("\nTargets (issue 12; ratio = how many times better the first is; lower latency, time and memory count"
                + " as better):\n");
        if (results.containsKey(WAR_SERVER) && results.containsKey(JS_SERVER)) {
            List<String> missed = new ArrayList<>();
            int rows = 0;
            for (String m : metrics) {
                Double r = ratio(WAR_SERVER, JS_SERVER, m);
                if (r != null) {
                    rows++;
                    if (r < 1.0) {
                        missed.add(String.format(Locale.ROOT, "%s %.2f×", m, r));
                    }
                }
            }
            t.append(String.format(Locale.ROOT, "- jetty ≥ 1.0× wisp-js on every row (%d rows): %s%n", rows,
                    missed.isEmpty() ? "met" : "MISSED on " + missed.size() + ": " + String.join(", ", missed)));
            for (String m : List.of("source_1", "source_10", "scale_streams.rss_per_stream")) {
                target(t, WAR_SERVER, JS_SERVER, "jetty", "wisp-js", m, 1.5);
            }
        }
        if (results.containsKey(TOMCAT_SERVER) && results.containsKey(WAR_SERVER)) {
            List<String> rows = new ArrayList<>(List.of("source_1", "source_10", "open.opens_per_s",
                    "opens_parallel", "opens_32"));
            for (String m : metrics) {   // the setup rows
                if ((m.startsWith("setup_") || m.endsWith(".setup")) && ratio(TOMCAT_SERVER, WAR_SERVER, m) != null) {
                    rows.add(m);
                }
            }
            for (String m : rows) {
                target(t, TOMCAT_SERVER, WAR_SERVER, "tomcat", "jetty", m, 0.8);
            }
        }
    }

    private void target(StringBuilder t, String a, String b, String aName, String bName, String metric, double min) {
        Double r = ratio(a, b, metric);
        if (r == null) {
            t.append(String.format(Locale.ROOT, "- %s: %s vs %s (target ≥ %.1f×): no figures%n", metric, aName, bName,
                    min));
        } else {
            t.append(String.format(Locale.ROOT, "- %s: %s %.2f× %s (target ≥ %.1f×): %s%n", metric, aName, r, bName,
                    min, r >= min ? "met" : "MISSED"));
        }
    }

    private static String fmt(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }
}
