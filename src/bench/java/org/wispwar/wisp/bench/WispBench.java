package org.wispwar.wisp.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToLongFunction;
import org.eclipse.jetty.websocket.client.WebSocketClient;

/**
 * The Wisp load generator. Runs scenarios against one Wisp server URL (or, with {@code --url tcp}, the same load over
 * plain loopback TCP straight to the targets, the physical reference) and prints one line per metric on stdout:
 * {@code <metric> <value> <unit>}. Progress goes to stderr. The TCP targets run inside this JVM on 127.0.0.1 (see
 * {@link LoopbackTargets}); the server must be allowed to dial loopback. Every loop is bounded in time and count.
 *
 * <pre>
 * java -cp ... org.wispwar.wisp.bench.WispBench --url ws://127.0.0.1:8080/wisp/ [--seconds 5] [--warmup 2]
 *      [--scenarios wispmark_10,source_1,...] [--target-port-base 17100] [--server-pid PID]
 * </pre>
 *
 * Scenarios: wispmark_10 (1 WebSocket × 10 echo streams sending 50 KiB DATA as fast as credit allows; MiB/s echoed),
 * wispmark_5x10, source_1/source_10 (server→client bulk), sink_1/sink_10 (client→server bulk), echo_latency (64-byte
 * ping-pong, p50/p99), open_latency (CONNECT → first byte, sequential; opens/s), opens_parallel (10 openers),
 * scale_streams (10,000 idle streams on one WebSocket), scale_websockets (1,000 WebSockets × 1 stream), slow_reader
 * (server heap while the client reads slowly), uploads (issue 11: {@code --upload-websockets} 200 ×
 * {@code --upload-streams} 4 streams, each sending one {@code --upload-bytes} 64 MiB DATA packet to a sink that reads
 * {@code --upload-rate} 1 MiB/s and checks every byte; peak memory against the server's byte budgets). Heap figures need
 * {@code --server-pid} of a JVM server (jcmd).
 * Issue 12's: echo_16 (16 concurrent 64-byte ping-pongs on one WebSocket; msgs/s, p50/p99), opens_32 (32 openers),
 * echo_latency_warm and open_latency_warm (the same loops measured after {@code --latency-warm-seconds} 15 s of them),
 * setup_streams (1,000 CONNECTs in a burst, cold and warm), setup_websockets (200 upgrades at once, cold and warm, RSS
 * per WebSocket), idle_rss (the server's RSS at rest); BenchRunner starts the server fresh before the cold ones.
 */
public final class WispBench {
    static final int PAYLOAD = 50 * 1024;

    private final URI url;   // null: plain TCP
    private final long seconds;
    private final long warmup;
    private final LoopbackTargets targets;
    private final long serverPid;
    private final int scaleStreams;
    private final int scaleWebSockets;
    private Map<String, String> options = Map.of();

    private WispBench(URI url, long seconds, long warmup, LoopbackTargets targets, long serverPid, int scaleStreams,
            int scaleWebSockets) {
        this.url = url;
        this.seconds = seconds;
        this.warmup = warmup;
        this.targets = targets;
        this.serverPid = serverPid;
        this.scaleStreams = scaleStreams;
        this.scaleWebSockets = scaleWebSockets;
    }

    /** source_10 last: a server without S→C backpressure (wisp-js) may buffer gigabytes there. */
    static final List<String> DEFAULT_SCENARIOS = List.of("idle_rss", "setup_streams", "setup_websockets",
            "wispmark_10", "wispmark_5x10", "sink_1", "sink_10", "source_1", "echo_latency", "echo_16", "open_latency",
            "opens_parallel", "opens_32", "echo_latency_warm", "open_latency_warm", "source_10");
    /** Scenarios that measure a freshly started server: BenchRunner starts the server again before each of them. */
    static final java.util.Set<String> COLD_SCENARIOS = java.util.Set.of("idle_rss", "setup_streams",
            "setup_websockets");
    /** Scenarios with no plain-TCP form (BenchRunner skips them for plain-tcp). */
    static final java.util.Set<String> WISP_ONLY_SCENARIOS = java.util.Set.of("idle_rss", "setup_streams",
            "setup_websockets", "scale_streams", "scale_websockets", "slow_reader", "uploads");

    public static void main(String[] args) throws Exception {
        Map<String, String> a = parse(args);
        String u = a.getOrDefault("url", "");
        if (u.isEmpty()) {
            System.err.println("usage: WispBench --url ws://127.0.0.1:8080/wisp/|tcp [--seconds 5] [--warmup 2]"
                    + " [--scenarios a,b] [--target-port-base 17100] [--server-pid PID]");
            System.exit(2);
        }
        URI url = u.equals("tcp") ? null : URI.create(u);
        if (url != null && !(url.getHost().equals("127.0.0.1") || url.getHost().equals("localhost")
                || url.getHost().equals("[::1]"))) {
            throw new IllegalArgumentException("benchmarks run against loopback servers only: " + url);
        }
        List<String> scenarios = a.containsKey("scenarios") ? Arrays.asList(a.get("scenarios").split(","))
                : DEFAULT_SCENARIOS;
        try (LoopbackTargets targets = new LoopbackTargets(Integer.parseInt(a.getOrDefault("target-port-base",
                "17100")))) {
            WispBench b = new WispBench(url, Long.parseLong(a.getOrDefault("seconds", "5")),
                    Long.parseLong(a.getOrDefault("warmup", "2")), targets,
                    Long.parseLong(a.getOrDefault("server-pid", "0")),
                    Integer.parseInt(a.getOrDefault("scale-streams", "10000")),
                    Integer.parseInt(a.getOrDefault("scale-websockets", "1000")));
            b.options = a;
            for (String s : scenarios) {
                log("scenario " + s + " against " + (url == null ? "plain TCP" : url));
                try {
                    b.run(s.trim());
                } catch (Exception e) {
                    log("scenario " + s + " failed: " + e);
                    e.printStackTrace();
                    metric(s + ".failed", 1, "count");
                }
                b.settle();   // let the server finish the scenario's leftovers before the next one
            }
        }
        System.exit(0);   // Jetty client threads and parked openers must not keep the JVM alive
    }

    private void run(String scenario) throws Exception {
        switch (scenario) {
            case "wispmark_10" -> throughput(scenario, 1, 10, LoopbackTargets.ECHO);
            case "wispmark_5x10" -> throughput(scenario, 5, 10, LoopbackTargets.ECHO);
            case "source_1" -> throughput(scenario, 1, 1, LoopbackTargets.SOURCE);
            case "source_10" -> throughput(scenario, 1, 10, LoopbackTargets.SOURCE);
            case "sink_1" -> throughput(scenario, 1, 1, LoopbackTargets.SINK);
            case "sink_10" -> throughput(scenario, 1, 10, LoopbackTargets.SINK);
            case "echo_latency" -> echoLatency("echo_latency", warmup);
            case "echo_latency_warm" -> echoLatency("echo_latency_warm", latencyWarmSeconds());
            case "echo_16" -> echoConcurrent("echo_16", 16);
            case "open_latency" -> opens("open", 1, warmup);
            case "open_latency_warm" -> opens("open_warm", 1, latencyWarmSeconds());
            case "opens_parallel" -> opens("opens_parallel", 10, warmup);
            case "opens_32" -> opens("opens_32", 32, warmup);
            case "setup_streams" -> setupStreams();
            case "setup_websockets" -> setupWebSockets();
            case "idle_rss" -> idleRss();
            case "scale_streams" -> scaleStreams();
            case "scale_websockets" -> scaleWebSockets();
            case "slow_reader" -> slowReader();
            case "uploads" -> uploads();
            default -> throw new IllegalArgumentException("unknown scenario " + scenario);
        }
    }

    // ---------------------------------------------------------------------------------------------- throughput

    /** MiB/s over the measured window: echoed or source bytes received, or sink bytes sent under credit. */
    private void throughput(String name, int connections, int streamsPer, int kind) throws Exception {
        if (url == null) {
            tcpThroughput(name, connections * streamsPer, kind);
            return;
        }
        boolean send = kind != LoopbackTargets.SOURCE;
        List<BenchConnection> conns = new ArrayList<>();
        List<BenchConnection.Stream> streams = new ArrayList<>();
        List<Thread> senders = new ArrayList<>();
        AtomicBoolean running = new AtomicBoolean(true);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmup + seconds + 5);
        try {
            for (int c = 0; c < connections; c++) {
                BenchConnection conn = BenchConnection.open(null, url, streamsPer, PAYLOAD, 0);
                conns.add(conn);
                for (int id = 1; id <= streamsPer; id++) {
                    BenchConnection.Stream s = conn.connect(id, targets.port(kind));
                    streams.add(s);
                    if (send) {
                        senders.add(Thread.ofVirtual().name("sender-" + c + "-" + id).start(() -> {
                            try {
                                while (running.get() && s.takeCredit(end)) {
                                    conn.sendData(s, PAYLOAD);
                                }
                            } catch (InterruptedException e) {
                                // stopping
                            }
                        }));
                    }
                }
            }
            ToLongFunction<BenchConnection.Stream> counter = kind == LoopbackTargets.SINK ? s -> s.sentBytes
                    : s -> s.received;
            Thread.sleep(TimeUnit.SECONDS.toMillis(warmup));
            long b0 = sum(streams, counter);
            long c0 = conns.stream().mapToLong(c -> c.continues.get()).sum();
            URI stats = URI.create(url.toString().replaceFirst("^ws", "http") + "stats");
            long pauses0 = statsNumber(stats, "readPauses");
            CpuWindow cpu = new CpuWindow(this);
            long t0 = System.nanoTime();
            Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
            long b1 = sum(streams, counter);
            long t1 = System.nanoTime();
            long c1 = conns.stream().mapToLong(c -> c.continues.get()).sum();
            metric(name, mibPerSecond(b1 - b0, t1 - t0), "MiB/s");
            cpu.report(name, b1 - b0);
            long pauses1 = statsNumber(stats, "readPauses");
            if (pauses0 >= 0 && pauses1 >= 0) {   // servers with /wisp/stats only
                metric(name + ".read_pauses", (pauses1 - pauses0) / ((t1 - t0) / 1e9), "/s");
            }
            long closedEarly = streams.stream().filter(s -> s.closed).count();
            if (closedEarly > 0) {
                metric(name + ".streams_closed", closedEarly, "count");
                long lastClose = streams.stream().mapToLong(s -> s.closed ? s.closedAtNanos : t1).max().orElse(t1);
                if (lastClose > t0) {
                    // the rate while the streams were still open (the measured window includes the dead time)
                    metric(name + ".until_close", mibPerSecond(b1 - b0, Math.min(t1, lastClose) - t0), "MiB/s");
                }
                log(name + ": CLOSE reasons " + streams.stream().filter(s -> s.closed)
                        .map(s -> String.format("0x%02x", s.closeReason)).distinct().toList());
            }
            long overB = conns.stream().mapToLong(c -> c.continuesOverB.get()).sum();
            if (overB > 0) {
                metric(name + ".continue_over_b", overB, "count");
            }
            if (send && c1 > c0) {
                metric(name + ".data_per_continue", (double) (b1 - b0) / PAYLOAD / (c1 - c0), "packets");
            }
        } finally {
            running.set(false);
            for (BenchConnection c : conns) {
                c.close();
            }
            for (Thread t : senders) {
                t.join(5000);
            }
        }
    }

    private void tcpThroughput(String name, int sockets, int kind) throws Exception {
        LongAdder bytes = new LongAdder();
        AtomicBoolean running = new AtomicBoolean(true);
        List<SocketChannelPair> all = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        try {
            for (int i = 0; i < sockets; i++) {
                java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(
                        new InetSocketAddress("127.0.0.1", targets.port(kind)));
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                all.add(new SocketChannelPair(ch));
                if (kind != LoopbackTargets.SOURCE) {
                    threads.add(Thread.ofVirtual().start(() -> {
                        ByteBuffer b = ByteBuffer.allocateDirect(PAYLOAD);
                        try {
                            while (running.get()) {
                                b.clear();
                                while (b.hasRemaining()) {
                                    ch.write(b);
                                }
                                if (kind == LoopbackTargets.SINK) {
                                    bytes.add(PAYLOAD);
                                }
                            }
                        } catch (IOException e) {
                            // closed at the end
                        }
                    }));
                }
                if (kind != LoopbackTargets.SINK) {
                    threads.add(Thread.ofVirtual().start(() -> {
                        ByteBuffer b = ByteBuffer.allocateDirect(64 * 1024);
                        try {
                            int n;
                            while ((n = ch.read(b)) >= 0) {
                                bytes.add(n);
                                b.clear();
                            }
                        } catch (IOException e) {
                            // closed at the end
                        }
                    }));
                }
            }
            Thread.sleep(TimeUnit.SECONDS.toMillis(warmup));
            long b0 = bytes.sum();
            CpuWindow cpu = new CpuWindow(this);
            long t0 = System.nanoTime();
            Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
            long b1 = bytes.sum();
            long t1 = System.nanoTime();
            metric(name, mibPerSecond(b1 - b0, t1 - t0), "MiB/s");
            cpu.report(name, b1 - b0);
        } finally {
            running.set(false);
            for (SocketChannelPair p : all) {
                p.close();
            }
            for (Thread t : threads) {
                t.join(5000);
            }
        }
    }

    private record SocketChannelPair(java.nio.channels.SocketChannel ch) {
        void close() {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    // ------------------------------------------------------------------------------------------------- latency

    /**
     * One 64-byte ping-pong loop against the echo target, on one stream (or one plain TCP socket): RTT percentiles of
     * the round trips after {@code warmupSeconds} of the same loop.
     */
    private void echoLatency(String name, long warmupSeconds) throws Exception {
        int size = 64;
        long[] samples = new long[1_000_000];
        int n;
        if (url == null) {
            long measureFrom = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupSeconds);
            n = tcpPingPong(size, measureFrom, measureFrom + TimeUnit.SECONDS.toNanos(seconds), samples);
        } else {
            try (BenchConnection conn = BenchConnection.open(null, url, 1, PAYLOAD, 0)) {
                // the window starts once the WebSocket is open: a cold client JVM can take seconds to upgrade
                long measureFrom = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupSeconds);
                n = wispPingPong(conn, 1, size, measureFrom, measureFrom + TimeUnit.SECONDS.toNanos(seconds), samples);
            }
        }
        reportLatency(name, samples, n);
    }

    /**
     * {@code streams} 64-byte ping-pong loops at once against the echo target, on one WebSocket (or, for plain TCP, one
     * socket each): round trips per second over the measured window, and the p50/p99 of their round-trip times.
     */
    private void echoConcurrent(String name, int streams) throws Exception {
        int size = 64;
        long[][] samples = new long[streams][200_000];
        int[] counts = new int[streams];
        AtomicLong failures = new AtomicLong();
        BenchConnection conn = url == null ? null : BenchConnection.open(null, url, streams, PAYLOAD, 0);
        // the window starts once the WebSocket is open: a cold client JVM can take seconds to upgrade
        long measureFrom = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmup);
        long end = measureFrom + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> loops = new ArrayList<>();
        try {
            for (int i = 0; i < streams; i++) {
                int k = i;
                loops.add(Thread.ofVirtual().name(name + "-" + k).start(() -> {
                    try {
                        counts[k] = url == null ? tcpPingPong(size, measureFrom, end, samples[k])
                                : wispPingPong(conn, k + 1, size, measureFrom, end, samples[k]);
                    } catch (Exception e) {
                        failures.incrementAndGet();
                        log(name + " stream " + (k + 1) + " failed: " + e);
                    }
                }));
            }
            for (Thread t : loops) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()) + 30_000));
            }
        } finally {
            if (conn != null) {
                conn.close();
            }
        }
        int n = Arrays.stream(counts).sum();
        long[] all = new long[n];
        int at = 0;
        for (int i = 0; i < streams; i++) {
            System.arraycopy(samples[i], 0, all, at, counts[i]);
            at += counts[i];
        }
        metric(name + ".msgs_per_s", n / (double) seconds, "msgs/s");
        reportLatency(name, all, n);
        if (failures.get() > 0) {
            metric(name + ".failures", failures.get(), "count");
        }
    }

    /** One stream's ping-pong loop until {@code end}; round trips started after {@code measureFrom} are sampled. */
    private int wispPingPong(BenchConnection conn, int id, int size, long measureFrom, long end, long[] samples)
            throws Exception {
        BenchConnection.Stream s = conn.connect(id, targets.port(LoopbackTargets.ECHO));
        int n = 0;
        long expected = 0;
        while (System.nanoTime() < end && n < samples.length) {
            long t0 = System.nanoTime();
            if (!s.takeCredit(end + TimeUnit.SECONDS.toNanos(10))) {
                throw new IOException("no credit (stream closed: " + s.closed + ")");
            }
            conn.sendData(s, size);
            expected += size;
            if (!s.awaitReceived(expected, t0 + TimeUnit.SECONDS.toNanos(10))) {
                throw new IOException("no echo within 10 s");
            }
            long t1 = System.nanoTime();
            if (t0 >= measureFrom && t1 <= end) {
                samples[n++] = t1 - t0;
            }
        }
        return n;
    }

    private int tcpPingPong(int size, long measureFrom, long end, long[] samples) throws IOException {
        int n = 0;
        try (java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(
                new InetSocketAddress("127.0.0.1", targets.port(LoopbackTargets.ECHO)))) {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ByteBuffer out = ByteBuffer.allocateDirect(size);
            ByteBuffer in = ByteBuffer.allocateDirect(size);
            while (System.nanoTime() < end && n < samples.length) {
                long t0 = System.nanoTime();
                out.clear();
                while (out.hasRemaining()) {
                    ch.write(out);
                }
                in.clear();
                while (in.hasRemaining()) {
                    if (ch.read(in) < 0) {
                        throw new IOException("echo target closed");
                    }
                }
                long t1 = System.nanoTime();
                if (t0 >= measureFrom && t1 <= end) {
                    samples[n++] = t1 - t0;
                }
            }
        }
        return n;
    }

    /**
     * The warm-up of echo_latency_warm and open_latency_warm (default 15 s, the same for every server): long enough for
     * a JVM server's JIT to finish compiling the path. With the usual 2 s, the C2 compiler thread used 55–68 % of a core
     * through open_latency's measured window on Jetty, and was idle from about 12 s on.
     */
    private long latencyWarmSeconds() {
        return Long.parseLong(options.getOrDefault("latency-warm-seconds", "15"));
    }

    /** Seconds of repeated bursts between the cold and the warm measurement of the setup scenarios (default 10). */
    private long setupWarmSeconds() {
        return Long.parseLong(options.getOrDefault("setup-warm-seconds", "10"));
    }

    /**
     * Stream setup on one fresh WebSocket: {@code --setup-streams} (1,000) CONNECTs sent in a burst to the hello target;
     * per stream the time from its CONNECT to its first byte; the burst's total until all are ready. COLD: the first
     * burst (BenchRunner starts the server fresh before this scenario). WARM: bursts repeated (streams closed, new ids)
     * for {@code --setup-warm-seconds}, then one more measured burst.
     */
    private void setupStreams() throws Exception {
        requireWisp();
        int n = Integer.parseInt(options.getOrDefault("setup-streams", "1000"));
        int maxBursts = 1000;
        try (BenchConnection conn = BenchConnection.open(null, url, n * (maxBursts + 2), 0, 0)) {
            int[] nextId = {1};
            Burst cold = streamBurst(conn, n, nextId);
            cold.report("setup_streams", "");
            long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(setupWarmSeconds());
            int bursts = 0;
            while (System.nanoTime() < warmEnd && bursts < maxBursts && conn.isOpen()) {
                streamBurst(conn, n, nextId);
                bursts++;
            }
            Burst warm = streamBurst(conn, n, nextId);
            warm.report("setup_streams", "warm_");
            metric("setup_streams.warm_bursts", bursts, "count");
        }
    }

    /** One burst of {@code n} CONNECTs with fresh ids; waits (at most 60 s) for the first bytes, then closes them. */
    private Burst streamBurst(BenchConnection conn, int n, int[] nextId) throws Exception {
        List<BenchConnection.Stream> streams = new ArrayList<>(n);
        long[] sentAt = new long[n];
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            sentAt[i] = System.nanoTime();
            streams.add(conn.connect(nextId[0]++, targets.port(LoopbackTargets.HELLO)));
        }
        int ready = awaitFirstBytes(streams, t0 + TimeUnit.SECONDS.toNanos(60));
        long t1 = System.nanoTime();
        long[] latencies = new long[n];
        int k = 0;
        long last = t0;
        for (int i = 0; i < n; i++) {
            BenchConnection.Stream s = streams.get(i);
            if (s.received > 0) {
                latencies[k++] = s.firstByteNanos - sentAt[i];
                last = Math.max(last, s.firstByteNanos);
            }
        }
        for (BenchConnection.Stream s : streams) {
            conn.closeStream(s.id);
            conn.forget(s.id);
        }
        return new Burst(ready == n ? last - t0 : t1 - t0, latencies, k, n - ready);
    }

    /** A setup burst: its total time, the per-item latencies of the {@code ready} ones, and how many never were. */
    private record Burst(long totalNanos, long[] latencies, int ready, int errors) {
        void report(String name, String prefix) {
            metric(name + "." + prefix + "total", totalNanos / 1e9, "s");
            reportPercentiles(name + "." + prefix, latencies, ready);
            if (errors > 0) {
                metric(name + "." + prefix + "errors", errors, "count");
            }
        }
    }

    /**
     * WebSocket setup: {@code --setup-websockets} (200) upgrades started at once from virtual threads on one shared
     * Jetty client, each opening one stream to the hello target; per WebSocket the time from starting the upgrade to the
     * stream's first byte; the burst's total until all are ready. COLD (a freshly started server) and WARM (after
     * {@code --setup-warm-seconds} of bursts, each batch closed), and the server's RSS per open WebSocket (RSS with the
     * batch open minus before, / batch), for the cold batch and the warm one.
     */
    private void setupWebSockets() throws Exception {
        requireWisp();
        int n = Integer.parseInt(options.getOrDefault("setup-websockets", "200"));
        WebSocketClient shared = BenchConnection.newClient();
        try {
            Thread.sleep(500);
            Burst cold = webSocketBurst(shared, n, "setup_websockets.rss_per_websocket");
            cold.report("setup_websockets", "");
            long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(setupWarmSeconds());
            int bursts = 0;
            while (System.nanoTime() < warmEnd && bursts < 1000) {
                webSocketBurst(shared, n, null);
                bursts++;
            }
            Burst warm = webSocketBurst(shared, n, "setup_websockets.warm_rss_per_websocket");
            warm.report("setup_websockets", "warm_");
            metric("setup_websockets.warm_bursts", bursts, "count");
        } finally {
            shared.stop();
        }
    }

    /**
     * {@code n} WebSockets at once, one stream each; waits (at most 60 s) for all, then closes them. With
     * {@code rssMetric}, reports the server's RSS growth per WebSocket with the batch open (settled 1 s).
     */
    private Burst webSocketBurst(WebSocketClient shared, int n, String rssMetric) throws Exception {
        long rss0 = rssMetric == null ? 0 : serverRss();
        long[] latencies = new long[n];
        long[] readyAt = new long[n];
        AtomicInteger failed = new AtomicInteger();
        List<BenchConnection> conns = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>(n);
        long t0 = System.nanoTime();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(60);
        try {
            for (int i = 0; i < n; i++) {
                int k = i;
                threads.add(Thread.ofVirtual().name("upgrade-" + k).start(() -> {
                    long start = System.nanoTime();
                    try {
                        BenchConnection c = BenchConnection.open(shared, url, 1, 0, 0);
                        conns.add(c);
                        BenchConnection.Stream s = c.connect(1, targets.port(LoopbackTargets.HELLO));
                        if (s.awaitReceived(1, deadline)) {
                            readyAt[k] = s.firstByteNanos;
                            latencies[k] = s.firstByteNanos - start;
                        } else {
                            failed.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failed.incrementAndGet();
                    }
                }));
            }
            for (Thread t : threads) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()) + 1000));
            }
            long last = Arrays.stream(readyAt).max().orElse(t0);
            long[] ok = Arrays.stream(latencies).filter(l -> l > 0).toArray();
            int errors = n - ok.length;
            if (rssMetric != null) {
                Thread.sleep(1000);
                long rss1 = serverRss();
                if (rss0 > 0 && rss1 > 0) {
                    metric(rssMetric, (rss1 - rss0) / (double) n, "bytes");
                }
            }
            return new Burst(errors == 0 ? last - t0 : System.nanoTime() - t0, ok, ok.length, errors);
        } finally {
            for (BenchConnection c : List.copyOf(conns)) {
                c.close();
            }
        }
    }

    /**
     * The server's resident memory (MiB) at rest: BenchRunner starts it fresh, this opens one WebSocket (waiting for the
     * initial CONTINUE) and closes it, and reads RSS after 2 s. On noop it is the floor: the JVM and Jetty, no WAR.
     */
    private void idleRss() throws Exception {
        requireWisp();
        if (serverPid <= 0) {
            throw new IllegalStateException("idle_rss needs --server-pid");
        }
        try (BenchConnection c = BenchConnection.open(null, url, 1, 0, 0)) {
            if (!c.isOpen()) {
                throw new IOException("the WebSocket closed at once");
            }
        }
        Thread.sleep(2000);
        metric("idle_rss", serverRss() / 1048576.0, "MiB");
    }

    /**
     * CONNECT → first byte from a target that greets on accept, then CLOSE; {@code parallel} openers at once; opens
     * after {@code warmupSeconds} of the same load are measured.
     */
    private void opens(String name, int parallel, long warmupSeconds) throws Exception {
        int maxOpens = 200_000;
        long[] samples = new long[maxOpens];
        AtomicInteger sampleCount = new AtomicInteger();
        AtomicInteger nextId = new AtomicInteger();
        AtomicLong failures = new AtomicLong();
        BenchConnection conn = url == null ? null : BenchConnection.open(null, url, maxOpens + 64, PAYLOAD, 0);
        // the window starts once the WebSocket is open: a cold client JVM can take seconds to upgrade
        long measureFrom = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupSeconds);
        long end = measureFrom + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> openers = new ArrayList<>();
        try {
            for (int p = 0; p < parallel; p++) {
                openers.add(Thread.ofVirtual().start(() -> {
                    while (System.nanoTime() < end) {
                        int id = nextId.incrementAndGet();
                        if (id > maxOpens) {
                            return;
                        }
                        try {
                            long t0 = System.nanoTime();
                            boolean ok = url == null ? tcpOpenOnce() : wispOpenOnce(conn, id);
                            long t1 = System.nanoTime();
                            if (!ok) {
                                failures.incrementAndGet();
                            } else if (t0 >= measureFrom) {
                                int i = sampleCount.getAndIncrement();
                                if (i < samples.length) {
                                    samples[i] = t1 - t0;
                                }
                            }
                        } catch (Exception e) {
                            failures.incrementAndGet();
                            if (conn != null && !conn.isOpen()) {
                                return;
                            }
                        }
                    }
                }));
            }
            for (Thread t : openers) {
                t.join(TimeUnit.SECONDS.toMillis(warmupSeconds + seconds + 30));
            }
        } finally {
            if (conn != null) {
                conn.close();
            }
        }
        int n = Math.min(sampleCount.get(), samples.length);
        if (parallel == 1) {
            reportLatency(name, samples, n);
        }
        metric(name + (parallel == 1 ? ".opens_per_s" : ""), n / (double) seconds, "opens/s");
        if (failures.get() > 0) {
            metric(name + ".failures", failures.get(), "count");
        }
    }

    private boolean wispOpenOnce(BenchConnection conn, int id) throws Exception {
        BenchConnection.Stream s = conn.connect(id, targets.port(LoopbackTargets.HELLO));
        boolean ok = s.awaitReceived(1, System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
        conn.closeStream(id);
        conn.forget(id);
        return ok;
    }

    private boolean tcpOpenOnce() throws IOException {
        try (java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(
                new InetSocketAddress("127.0.0.1", targets.port(LoopbackTargets.HELLO)))) {
            return ch.read(ByteBuffer.allocate(1)) == 1;
        }
    }

    private static void reportLatency(String name, long[] samples, int n) {
        reportPercentiles(name + ".", samples, n);
    }

    /** {@code <prefix>p50} and {@code <prefix>p99} in microseconds of the first {@code n} samples (nanoseconds). */
    private static void reportPercentiles(String prefix, long[] samples, int n) {
        if (n == 0) {
            metric(prefix + "samples", 0, "count");
            return;
        }
        long[] s = Arrays.copyOf(samples, n);
        Arrays.sort(s);
        metric(prefix + "p50", s[(int) Math.min(n - 1, Math.round(n * 0.50))] / 1000.0, "us");
        metric(prefix + "p99", s[(int) Math.min(n - 1, Math.round(n * 0.99))] / 1000.0, "us");
    }

    // --------------------------------------------------------------------------------------------------- scale

    private void scaleStreams() throws Exception {
        requireWisp();
        int n = scaleStreams;
        try (BenchConnection conn = BenchConnection.open(null, url, n, PAYLOAD, 0)) {
            Thread.sleep(1000);
            long heap0 = serverLiveHeap();
            long rss0 = serverRss();
            long t0 = System.nanoTime();
            List<BenchConnection.Stream> streams = new ArrayList<>(n);
            for (int id = 1; id <= n; id++) {
                streams.add(conn.connect(id, targets.port(LoopbackTargets.HELLO)));
            }
            long deadline = t0 + TimeUnit.SECONDS.toNanos(120);
            int ready = awaitFirstBytes(streams, deadline);
            long t1 = System.nanoTime();
            metric("scale_streams.setup", (t1 - t0) / 1e9, "s");
            metric("scale_streams.ready", ready, "streams");
            metric("scale_streams.errors", n - ready + streams.stream().filter(s -> s.closed).count(), "count");
            Thread.sleep(2000);
            long heap1 = serverLiveHeap();
            long rss1 = serverRss();
            metric("scale_streams.target_connections", targets.openConnections(), "count");
            if (heap0 > 0 && heap1 > 0) {
                metric("scale_streams.heap_per_stream", (heap1 - heap0) / (double) n, "bytes");
            }
            if (rss0 > 0 && rss1 > 0) {
                metric("scale_streams.rss_per_stream", (rss1 - rss0) / (double) n, "bytes");
            }
            dumpHistogramTop("scale_streams");
        }
    }

    private void scaleWebSockets() throws Exception {
        requireWisp();
        int n = scaleWebSockets;
        WebSocketClient shared = BenchConnection.newClient();
        List<BenchConnection> conns = new ArrayList<>(n);
        try {
            Thread.sleep(500);
            long heap0 = serverLiveHeap();
            long rss0 = serverRss();
            long t0 = System.nanoTime();
            List<BenchConnection.Stream> streams = new ArrayList<>(n);
            int failed = 0;
            for (int i = 0; i < n; i++) {
                try {
                    BenchConnection c = BenchConnection.open(shared, url, 1, PAYLOAD, 0);
                    conns.add(c);
                    streams.add(c.connect(1, targets.port(LoopbackTargets.HELLO)));
                } catch (Exception e) {
                    failed++;
                }
            }
            int ready = awaitFirstBytes(streams, t0 + TimeUnit.SECONDS.toNanos(120));
            long t1 = System.nanoTime();
            metric("scale_websockets.setup", (t1 - t0) / 1e9, "s");
            metric("scale_websockets.ready", ready, "websockets");
            metric("scale_websockets.errors", failed + n - ready, "count");
            Thread.sleep(2000);
            long heap1 = serverLiveHeap();
            long rss1 = serverRss();
            if (heap0 > 0 && heap1 > 0) {
                metric("scale_websockets.heap_per_websocket", (heap1 - heap0) / (double) n, "bytes");
            }
            if (rss0 > 0 && rss1 > 0) {
                metric("scale_websockets.rss_per_websocket", (rss1 - rss0) / (double) n, "bytes");
            }
            dumpHistogramTop("scale_websockets");
        } finally {
            for (BenchConnection c : conns) {
                c.close();
            }
            shared.stop();
        }
    }

    private static int awaitFirstBytes(List<BenchConnection.Stream> streams, long deadline) throws Exception {
        while (true) {
            int ready = 0;
            int closed = 0;
            for (BenchConnection.Stream s : streams) {
                if (s.received > 0) {
                    ready++;
                } else if (s.closed) {
                    closed++;
                }
            }
            if (ready + closed == streams.size() || System.nanoTime() > deadline) {
                return ready;
            }
            Thread.sleep(20);
        }
    }

    /**
     * Issue 11's uploads, as browser clients send them: each stream sends its whole upload as one DATA packet (one
     * WebSocket message, streamed in fragments), to a destination reading slowly. A WebSocket carries one message at a
     * time, so a connection's streams upload one after another. Reports what arrived (every byte checked, in order),
     * streams the server closed (none may be), and the server's peak memory: RSS, live heap (after a full GC, every
     * 15 s) and, from {@code /wisp/stats}, the bytes it held for destinations, against its byte budgets.
     */
    private void uploads() throws Exception {
        requireWisp();
        int sockets = Integer.parseInt(options.getOrDefault("upload-websockets", "200"));
        int perSocket = Integer.parseInt(options.getOrDefault("upload-streams", "4"));
        long size = parseBytes(options.getOrDefault("upload-bytes", "64m"));
        long rate = parseBytes(options.getOrDefault("upload-rate", "1m"));
        targets.uploadBytes = size;
        targets.uploadRate = rate;
        long budgetSeconds = (long) (perSocket * (size / (double) rate)) * 2 + 300;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(budgetSeconds);
        URI stats = URI.create(url.toString().replaceFirst("^ws", "http") + "stats");
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong peakRss = new AtomicLong();
        AtomicLong peakHeap = new AtomicLong();
        AtomicLong peakBuffered = new AtomicLong(-1);
        Thread sampler = Thread.ofVirtual().name("uploads-sampler").start(() -> {
            long nextHeap = System.nanoTime();
            while (!done.get()) {
                try {
                    peakRss.accumulateAndGet(serverRss(), Math::max);
                    long buffered = statsNumber(stats, "bufferedBytes");
                    if (buffered >= 0) {
                        peakBuffered.accumulateAndGet(buffered, Math::max);
                    }
                    if (System.nanoTime() >= nextHeap) {
                        peakHeap.accumulateAndGet(serverLiveHeap(), Math::max);
                        nextHeap = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                    }
                    Thread.sleep(1000);
                } catch (Exception e) {
                    return;
                }
            }
        });
        WebSocketClient shared = BenchConnection.newClient();
        AtomicInteger closedByServer = new AtomicInteger();
        AtomicInteger notSent = new AtomicInteger();
        AtomicInteger acked = new AtomicInteger();
        List<Thread> senders = new ArrayList<>();
        long t0 = System.nanoTime();
        try {
            for (int i = 0; i < sockets; i++) {
                senders.add(Thread.ofVirtual().name("uploader-" + i).start(() -> {
                    try (BenchConnection c = BenchConnection.open(shared, url, perSocket, 0, 0)) {
                        List<BenchConnection.Stream> streams = new ArrayList<>();
                        for (int id = 1; id <= perSocket; id++) {
                            streams.add(c.connect(id, targets.port(LoopbackTargets.UPLOAD_SINK)));
                        }
                        for (BenchConnection.Stream s : streams) {
                            if (!c.sendUpload(s, size, deadline)) {
                                notSent.incrementAndGet();
                            }
                        }
                        for (BenchConnection.Stream s : streams) {
                            if (s.awaitReceived(1, deadline)) {
                                acked.incrementAndGet();
                            } else if (s.closed) {
                                closedByServer.incrementAndGet();
                            }
                            c.closeStream(s.id);
                        }
                    } catch (Exception e) {
                        notSent.incrementAndGet();
                        log("uploader failed: " + e);
                    }
                }));
            }
            for (Thread t : senders) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
        } finally {
            done.set(true);
            sampler.join(5000);
            shared.stop();
        }
        long t1 = System.nanoTime();
        long expected = (long) sockets * perSocket * size;
        metric("uploads.seconds", (t1 - t0) / 1e9, "s");
        metric("uploads.expected_bytes", expected, "bytes");
        metric("uploads.delivered_bytes", targets.uploadVerified.sum(), "bytes");
        metric("uploads.complete", targets.uploadsComplete.sum(), "streams");
        metric("uploads.mismatches", targets.uploadMismatches.sum(), "streams");
        metric("uploads.acked", acked.get(), "streams");
        metric("uploads.closed_by_server", closedByServer.get(), "streams");
        metric("uploads.not_sent", notSent.get(), "streams");
        metric("uploads.rate", mibPerSecond(targets.uploadVerified.sum(), t1 - t0), "MiB/s");
        metric("uploads.peak_rss", peakRss.get() / 1048576.0, "MiB");
        metric("uploads.peak_live_heap", peakHeap.get() / 1048576.0, "MiB");
        if (peakBuffered.get() >= 0) {
            metric("uploads.peak_buffered", peakBuffered.get() / 1048576.0, "MiB");
            metric("uploads.buffered_peak_since_start", statsNumber(stats, "bufferedBytesPeak") / 1048576.0, "MiB");
            metric("uploads.server_byte_budget", statsNumber(stats, "serverByteBudget") / 1048576.0, "MiB");
            metric("uploads.connection_byte_budget", statsNumber(stats, "connectionByteBudget") / 1048576.0, "MiB");
            metric("uploads.stream_byte_budget", statsNumber(stats, "streamByteBudget") / 1048576.0, "MiB");
            metric("uploads.read_pauses", statsNumber(stats, "readPauses"), "count");
        }
    }

    /** A number from the server's /wisp/stats JSON (a map's values are summed); -1 when there is none. */
    private static long statsNumber(URI stats, String name) {
        try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
            java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(stats)
                    .timeout(java.time.Duration.ofSeconds(5)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return -1;
            }
            java.util.regex.Matcher number = java.util.regex.Pattern.compile("\"" + name + "\":(\\d+)").matcher(r.body());
            if (number.find()) {
                return Long.parseLong(number.group(1));
            }
            java.util.regex.Matcher map = java.util.regex.Pattern.compile("\"" + name + "\":\\{([^}]*)}").matcher(r.body());
            if (map.find()) {
                long sum = 0;
                java.util.regex.Matcher v = java.util.regex.Pattern.compile(":(\\d+)").matcher(map.group(1));
                while (v.find()) {
                    sum += Long.parseLong(v.group(1));
                }
                return sum;
            }
            return -1;
        } catch (Exception e) {
            return -1;
        }
    }

    /** 64m, 1m, 512k, or a plain number of bytes. */
    static long parseBytes(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        long factor = t.endsWith("g") ? 1L << 30 : t.endsWith("m") ? 1L << 20 : t.endsWith("k") ? 1L << 10 : 1;
        return Long.parseLong(factor == 1 ? t : t.substring(0, t.length() - 1)) * factor;
    }

    /** One stream from the source target, read slowly: the server's live heap must stay flat (backpressure). */
    private void slowReader() throws Exception {
        requireWisp();
        try (BenchConnection conn = BenchConnection.open(null, url, 1, PAYLOAD, TimeUnit.MILLISECONDS.toNanos(2))) {
            BenchConnection.Stream s = conn.connect(1, targets.port(LoopbackTargets.SOURCE));
            Thread.sleep(TimeUnit.SECONDS.toMillis(warmup));
            long heap0 = serverLiveHeap();
            long b0 = s.received;
            long t0 = System.nanoTime();
            Thread.sleep(TimeUnit.SECONDS.toMillis(Math.max(seconds, 10)));
            long heap1 = serverLiveHeap();
            long b1 = s.received;
            long t1 = System.nanoTime();
            metric("slow_reader.rate", mibPerSecond(b1 - b0, t1 - t0), "MiB/s");
            if (heap0 > 0 && heap1 > 0) {
                metric("slow_reader.heap_growth", (heap1 - heap0) / 1024.0, "KiB");
            }
            metric("slow_reader.stream_closed", s.closed ? 1 : 0, "count");
        }
    }

    /**
     * Waits until the server process is quiet (under 5 % of a core over 250 ms), at most 30 s; 1 s without a pid.
     * A server that keeps working on a closed connection's backlog would otherwise slow the next scenario down.
     */
    void settle() throws InterruptedException {
        if (serverPid <= 0) {
            Thread.sleep(1000);
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long prev = serverCpuTicks();
        Thread.sleep(250);
        while (System.nanoTime() < deadline) {
            long now = serverCpuTicks();
            if (now < 0 || now - prev <= 1) {   // clock ticks are 10 ms: ≤ 10 ms of CPU in 250 ms
                break;
            }
            prev = now;
            Thread.sleep(250);
        }
        Thread.sleep(250);
    }

    /** utime + stime of the server process in clock ticks (/proc/PID/stat), -1 when unknown. */
    private long serverCpuTicks() {
        return serverPid > 0 ? cpuTicks(Long.toString(serverPid)) : -1;
    }

    /** utime + stime of a process ("self": this one) in clock ticks (/proc/PID/stat), -1 when unknown. */
    private static long cpuTicks(String pid) {
        try {
            String stat = Files.readString(Path.of("/proc", pid, "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * CPU spent per MiB moved over a measured window, from /proc: the server's ({@code .server_cpu}) and this process's,
     * which holds the generator and the loopback targets ({@code .generator_cpu}). On a machine where both sides share
     * the cores, throughput moves with the machine's load from run to run; CPU per MiB moves much less, so it shows
     * what a change saves. Clock ticks are 10 ms, so over a window of several seconds the error is under 1%.
     */
    private static final class CpuWindow {
        private static final double MS_PER_TICK = 10.0;
        private final WispBench bench;
        private final long server0;
        private final long self0;

        CpuWindow(WispBench bench) {
            this.bench = bench;
            this.server0 = bench.serverCpuTicks();
            this.self0 = cpuTicks("self");
        }

        void report(String name, long bytes) {
            double mib = bytes / (1024.0 * 1024.0);
            if (mib <= 0) {
                return;
            }
            long server1 = bench.serverCpuTicks();
            long self1 = cpuTicks("self");
            if (server0 >= 0 && server1 >= 0) {
                metric(name + ".server_cpu", (server1 - server0) * MS_PER_TICK / mib, "ms/MiB");
            }
            if (self0 >= 0 && self1 >= 0) {
                metric(name + ".generator_cpu", (self1 - self0) * MS_PER_TICK / mib, "ms/MiB");
            }
        }
    }

    private void requireWisp() {
        if (url == null) {
            throw new IllegalStateException("a Wisp-only scenario");
        }
    }

    // ---------------------------------------------------------------------------------------- server memory

    /** Live heap of the server JVM in bytes after a full GC (jcmd GC.class_histogram); 0 without --server-pid. */
    private long serverLiveHeap() throws Exception {
        if (!serverIsJvm()) {
            return 0;
        }
        List<String> lines = jcmd("GC.class_histogram");
        for (int i = lines.size() - 1; i >= 0; i--) {
            String l = lines.get(i).trim();
            if (l.startsWith("Total")) {
                String[] f = l.split("\\s+");
                return Long.parseLong(f[2]);
            }
        }
        return 0;
    }

    private void dumpHistogramTop(String name) throws Exception {
        if (!serverIsJvm()) {
            return;
        }
        List<String> lines = jcmd("GC.class_histogram");
        StringBuilder sb = new StringBuilder("server heap histogram with " + name + " held (top 25):\n");
        for (int i = 0; i < Math.min(lines.size(), 28); i++) {
            sb.append(lines.get(i)).append('\n');
        }
        log(sb.toString());
    }

    /** jcmd only for a JVM: attaching to another process would send it SIGQUIT. */
    private boolean serverIsJvm() {
        return serverPid > 0 && ProcessHandle.of(serverPid).flatMap(h -> h.info().command())
                .map(c -> c.endsWith("/java")).orElse(false);
    }

    private List<String> jcmd(String command) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(serverPid), command).redirectErrorStream(true)
                .start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String l;
            while ((l = r.readLine()) != null) {
                lines.add(l);
            }
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return lines;
    }

    /** Resident set size of the server process in bytes (Linux /proc); 0 when unknown. */
    private long serverRss() {
        if (serverPid <= 0) {
            return 0;
        }
        try {
            for (String l : Files.readAllLines(Path.of("/proc", Long.toString(serverPid), "status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return 0;
    }

    // ------------------------------------------------------------------------------------------------- helpers

    private static long sum(List<BenchConnection.Stream> streams, ToLongFunction<BenchConnection.Stream> f) {
        long total = 0;
        for (BenchConnection.Stream s : streams) {
            total += f.applyAsLong(s);
        }
        return total;
    }

    static double mibPerSecond(long bytes, long nanos) {
        return bytes / (nanos / 1e9) / (1024.0 * 1024.0);
    }

    static void metric(String name, double value, String unit) {
        System.out.println(name + " " + String.format(Locale.ROOT, "%.2f", value) + " " + unit);
        System.out.flush();
    }

    static void log(String s) {
        System.err.println("[bench] " + s);
    }

    static Map<String, String> parse(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("bad argument " + a);
            }
            int eq = a.indexOf('=');
            if (eq > 0) {
                m.put(a.substring(2, eq), a.substring(eq + 1));
            } else if (i + 1 < args.length) {
                m.put(a.substring(2), args[++i]);
            } else {
                throw new IllegalArgumentException("missing value for " + a);
            }
        }
        return m;
    }
}
