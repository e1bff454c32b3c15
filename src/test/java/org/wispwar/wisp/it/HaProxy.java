package org.wispwar.wisp.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Debian's real HAProxy, started by a test in the foreground ({@code -db}) on 127.0.0.1 with README "Scaling out"'s
 * config in front of two instances on 127.0.0.1. The config is {@value #RECIPE} (the README's block, verbatim;
 * {@link #readmeRecipe} reads the README's copy so a test can compare the two) with exactly three changes: the
 * {@code bind} line (127.0.0.1 and a free port instead of {@code :80}) and the two {@code server} addresses. A
 * {@code global} section written by this class comes first: the pid file and an admin stats socket, both in a
 * directory under {@code target/} that {@link #close} deletes. {@link #serverStatus} reads HAProxy's own view of a
 * server (UP, DOWN, ...) through that socket ({@code show stat}).
 *
 * <p>{@link #close} stops HAProxy with SIGTERM, waits a bounded time for it to exit, and fails if it had to be killed.
 * Not thread-safe: one test thread starts and stops it.
 */
public final class HaProxy implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/sbin/haproxy");
    static final String RECIPE = "/haproxy/wisp-fleet.cfg";
    static final String README_BIND = "    bind :80\n";
    static final String README_SERVER_A = "10.0.0.11:8080";
    static final String README_SERVER_B = "10.0.0.12:8080";
    /** The recipe's backend, for {@link #serverStatus}. */
    static final String BACKEND = "wisp_fleet";
    private static final Duration START = Duration.ofSeconds(10);
    private static final Duration STOP = Duration.ofSeconds(10);
    private static final int PORT_ATTEMPTS = 5;

    private final Path dir;
    private final Process process;
    private final int port;

    private HaProxy(Path dir, Process process, int port) {
        this.dir = dir;
        this.process = process;
        this.port = port;
    }

    /** The recipe kept in the repository, verbatim. */
    static String recipe() throws IOException {
        return Recipe.resource(RECIPE);
    }

    /** The first {@code ```haproxy} block of README.md's section "Scaling out", verbatim. */
    static String readmeRecipe(Path readme) throws IOException {
        return Recipe.readmeBlock(readme, "## Scaling out", "haproxy");
    }

    /** The recipe as this test runs it: bound to 127.0.0.1:{@code port}, the servers on 127.0.0.1 and their ports. */
    static String recipeFor(int port, int portA, int portB) throws IOException {
        String recipe = recipe();
        if (Recipe.count(recipe, README_BIND) != 1 || Recipe.count(recipe, README_SERVER_A) != 1
                || Recipe.count(recipe, README_SERVER_B) != 1) {
            throw new AssertionError(RECIPE + " no longer has one \"" + README_BIND.strip() + "\", one "
                    + README_SERVER_A + " and one " + README_SERVER_B + "; update HaProxy.recipeFor with it");
        }
        return recipe.replace(README_BIND, "    bind 127.0.0.1:" + port + "\n")
                .replace(README_SERVER_A, "127.0.0.1:" + portA).replace(README_SERVER_B, "127.0.0.1:" + portB);
    }


    /**
     * Starts HAProxy in front of the instances on {@code 127.0.0.1:portA} and {@code :portB} and returns once it
     * accepts connections. A port taken by another process between the pick and the bind means another attempt.
     */
    public static HaProxy start(int portA, int portB) throws IOException, InterruptedException {
        if (!Files.isExecutable(BINARY)) {
            throw new AssertionError(BINARY + " is not installed: apt-get install haproxy (CI's .ci/run does)");
        }
        Files.createDirectories(Path.of("target"));
        Path dir = Files.createTempDirectory(Path.of("target"), "haproxy-").toAbsolutePath();
        try {
            for (int attempt = 1; ; attempt++) {
                int port = freePort();
                Files.writeString(dir.resolve("global.cfg"), "global\n"
                        + "    pidfile " + dir.resolve("haproxy.pid") + "\n"
                        + "    stats socket " + dir.resolve("admin.sock") + " mode 600 level admin\n\n");
                Files.writeString(dir.resolve("wisp-fleet.cfg"), recipeFor(port, portA, portB));
                Process process = new ProcessBuilder(BINARY.toString(), "-db", "-f", dir.resolve("global.cfg")
                        .toString(), "-f", dir.resolve("wisp-fleet.cfg").toString())
                        .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.log").toFile()).start();
                HaProxy started = new HaProxy(dir, process, port);
                if (started.awaitListening()) {
                    return started;
                }
                String log = started.log();
                started.stopProcess();
                if (!log.contains("cannot bind") || attempt == PORT_ATTEMPTS) {
                    throw new AssertionError("haproxy exited or was not listening within " + START + ":\n" + log);
                }
            }
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            deleteTree(dir);
            throw e;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }

    private boolean awaitListening() {
        return Recipe.awaitAccepting(process, port, () -> Files.exists(dir.resolve("admin.sock")), START);
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    /** What HAProxy wrote to stdout and stderr so far (alerts and warnings; health check changes). */
    public String log() {
        try {
            Path file = dir.resolve("haproxy.log");
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "(haproxy.log unreadable: " + e + ")";
        }
    }

    /** One command on the admin socket, HAProxy's whole answer. */
    public String command(String command) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(dir.resolve("admin.sock")));
            ch.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.US_ASCII)));
            ch.configureBlocking(false);   // polled with a deadline: HAProxy closes after one command's answer
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            var out = new java.io.ByteArrayOutputStream();
            long deadline = System.nanoTime() + START.toNanos();
            int n;
            while ((n = ch.read(buf)) >= 0) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
                if (n == 0) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new IOException("haproxy's answer to " + command + " did not end within " + START);
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
                }
            }
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    /** HAProxy's status of a server of the recipe's backend ("UP", "DOWN", ...), from {@code show stat}. */
    public String serverStatus(String server) throws IOException {
        String csv = command("show stat");
        List<String> lines = csv.lines().toList();
        if (lines.isEmpty() || !lines.get(0).startsWith("# ")) {
            throw new AssertionError("not a show stat answer: " + csv);
        }
        List<String> header = List.of(lines.get(0).substring(2).split(","));
        int status = header.indexOf("status");
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            if (f.length > status && f[0].equals(BACKEND) && f[1].equals(server)) {
                return f[status];
            }
        }
        throw new AssertionError("no server " + server + " in " + BACKEND + ": " + csv);
    }

    /** SIGTERM, then a bounded wait; fails if HAProxy had to be killed. The directory is deleted once it exited. */
    @Override
    public void close() throws IOException, InterruptedException {
        try {
            String left = stopProcess();
            if (!left.isEmpty()) {
                throw new AssertionError("haproxy did not stop within " + STOP + " after SIGTERM: " + left + "\n"
                        + log());
            }
        } finally {
            deleteTree(dir);
        }
    }

    private String stopProcess() throws InterruptedException {
        List<ProcessHandle> all = new java.util.ArrayList<>(process.descendants().toList());
        all.add(process.toHandle());
        process.destroy();
        long deadline = System.nanoTime() + STOP.toNanos();
        process.waitFor(STOP.toMillis(), TimeUnit.MILLISECONDS);
        StringBuilder left = new StringBuilder();
        for (ProcessHandle p : all) {
            while (p.isAlive() && System.nanoTime() - deadline < 0) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
            if (p.isAlive()) {
                left.append(p.pid()).append(' ').append(p.info().commandLine().orElse("?")).append("; ");
                p.destroyForcibly();
            }
        }
        return left.toString();
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
