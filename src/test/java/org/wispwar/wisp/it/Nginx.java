package org.wispwar.wisp.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.wispwar.wisp.testing.Trees;

/**
 * Debian's real nginx, started by a test as a foreground process on 127.0.0.1 with README "Behind nginx"'s recipe in
 * front of an upstream on 127.0.0.1. The recipe is {@value #RECIPE} (the README's block, verbatim; {@link #readmeRecipe}
 * reads the README's copy so a test can compare the two) with exactly two kinds of changes: the listen line (plain
 * HTTP on 127.0.0.1 and a free port instead of {@code 443 ssl}) and the upstream port in {@code proxy_pass}. Everything
 * nginx writes (pid file, error and access logs, temp paths) is under a prefix directory in {@code target/}, which is
 * deleted on {@link #close}. Running as root, nginx's workers are told to stay root ({@code user root;}): the default
 * {@code nobody} could not reach a build directory that is not world-readable; as another user the directive is left
 * out (nginx would only warn that it is ignored).
 *
 * <p>{@link #close} stops nginx with SIGTERM (nginx's fast shutdown), waits a bounded time for the master and every
 * worker to exit, and fails if one is left. Not thread-safe: one test thread starts and stops it.
 */
public final class Nginx implements AutoCloseable {
    /** Debian installs nginx in /usr/sbin; some images link it into /usr/bin. */
    static final List<Path> BINARIES = List.of(Path.of("/usr/sbin/nginx"), Path.of("/usr/bin/nginx"));
    static final String RECIPE = "/nginx/wisp-recipe.conf";
    static final String README_LISTEN = "    listen 443 ssl;\n";
    static final String README_UPSTREAM = "proxy_pass http://127.0.0.1:8080;";
    private static final Duration START = Duration.ofSeconds(10);
    private static final Duration STOP = Duration.ofSeconds(10);
    private static final int PORT_ATTEMPTS = 5;

    private final Path prefix;
    private final Process process;
    private final int port;

    private Nginx(Path prefix, Process process, int port) {
        this.prefix = prefix;
        this.process = process;
        this.port = port;
    }

    /** The nginx binary, or an AssertionError saying how to install it. */
    static Path binary() {
        return BINARIES.stream().filter(Files::isExecutable).findFirst().orElseThrow(() -> new AssertionError(
                "nginx is not installed (looked for " + BINARIES + "): apt-get install nginx (CI's .ci/run does)"));
    }

    /** The recipe kept in the repository, verbatim. */
    static String recipe() throws IOException {
        return Recipe.resource(RECIPE);
    }

    /** The first {@code ```nginx} block of README.md's section "Behind nginx", verbatim. */
    static String readmeRecipe(Path readme) throws IOException {
        return Recipe.readmeBlock(readme, "### Behind nginx", "nginx");
    }

    /** The recipe as this test serves it: listening on 127.0.0.1:{@code port} over plain HTTP, upstream on its port. */
    static String recipeFor(int port, int upstreamPort) throws IOException {
        String recipe = recipe();
        if (Recipe.count(recipe, README_LISTEN) != 1 || Recipe.count(recipe, README_UPSTREAM) != 2) {
            throw new AssertionError(RECIPE + " no longer has one \"" + README_LISTEN.strip() + "\" and two \""
                    + README_UPSTREAM + "\"; update Nginx.recipeFor with it");
        }
        return recipe.replace(README_LISTEN, "    listen 127.0.0.1:" + port + ";\n")
                .replace(README_UPSTREAM, "proxy_pass http://127.0.0.1:" + upstreamPort + ";");
    }


    /**
     * Starts nginx in front of {@code 127.0.0.1:upstreamPort} and returns once it accepts connections. A free port is
     * picked by binding port 0 and closing it; if another process takes it before nginx binds it, nginx is started
     * again on another.
     */
    public static Nginx start(int upstreamPort) throws IOException, InterruptedException {
        Path nginx = binary();
        Files.createDirectories(Path.of("target"));
        Path prefix = Files.createTempDirectory(Path.of("target"), "nginx-").toAbsolutePath();
        try {
            Files.createDirectories(prefix.resolve("temp"));   // nginx makes the directories inside, not this one
            for (int attempt = 1; ; attempt++) {
                int port = freePort();
                Files.writeString(prefix.resolve("wisp-recipe.conf"), recipeFor(port, upstreamPort));
                Files.writeString(prefix.resolve("nginx.conf"), mainConfig(prefix));
                Path log = prefix.resolve("error.log");
                Process process = new ProcessBuilder(nginx.toString(), "-p", prefix + "/", "-c",
                        prefix.resolve("nginx.conf").toString(), "-e", log.toString(), "-g", "daemon off;")
                        .redirectErrorStream(true).redirectOutput(prefix.resolve("stdout.log").toFile()).start();
                Nginx started = new Nginx(prefix, process, port);
                if (started.awaitListening()) {
                    return started;
                }
                String errors = started.errorLog();
                started.stopProcess();
                if (!errors.contains("Address already in use") || attempt == PORT_ATTEMPTS) {
                    throw new AssertionError("nginx exited or was not listening within " + START + ":\n" + errors
                            + started.read("stdout.log"));
                }
            }
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            Trees.delete(prefix);
            throw e;
        }
    }

    /** pid, logs and temp paths under the prefix; the recipe included in the http block, as the README says. */
    private static String mainConfig(Path prefix) throws IOException {
        boolean root = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
        return (root ? "user root;\n" : "")
                + "worker_processes 1;\n"
                + "pid " + prefix.resolve("nginx.pid") + ";\n"
                + "error_log " + prefix.resolve("error.log") + " notice;\n"
                + "events { worker_connections 256; }\n"
                + "http {\n"
                + "    access_log " + prefix.resolve("access.log") + ";\n"
                + "    client_body_temp_path " + prefix.resolve("temp/client_body") + ";\n"
                + "    proxy_temp_path " + prefix.resolve("temp/proxy") + ";\n"
                + "    fastcgi_temp_path " + prefix.resolve("temp/fastcgi") + ";\n"
                + "    uwsgi_temp_path " + prefix.resolve("temp/uwsgi") + ";\n"
                + "    scgi_temp_path " + prefix.resolve("temp/scgi") + ";\n"
                + "    include " + prefix.resolve("wisp-recipe.conf") + ";\n"
                + "}\n";
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }

    /** Polls (bounded) until nginx accepts a connection; false if it exited or did not listen in time. */
    private boolean awaitListening() {
        return Recipe.awaitAccepting(process, port, () -> errorLog().contains("start worker process"), START);
    }

    public int port() {
        return port;
    }

    /** The master process's pid. */
    public long pid() {
        return process.pid();
    }

    /** nginx's error log so far (notices included), for failure messages and checks. */
    public String errorLog() {
        return read("error.log");
    }

    /** nginx's access log so far: one line per request, the client address first. */
    public String accessLog() {
        return read("access.log");
    }

    private String read(String name) {
        try {
            Path file = prefix.resolve(name);
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "(" + name + " unreadable: " + e + ")";
        }
    }

    /** The worker processes' pids, from the error log's "start worker process N" lines. */
    public List<Long> workerPids() {
        Matcher m = Pattern.compile("start worker process (\\d+)").matcher(errorLog());
        return m.results().map(r -> Long.parseLong(r.group(1))).toList();
    }

    /**
     * SIGTERM to the master, then a bounded wait for it and every worker; kills what is left and fails if anything
     * was. The prefix directory is deleted once nothing runs.
     */
    @Override
    public void close() throws IOException, InterruptedException {
        try {
            String left = stopProcess();
            if (!left.isEmpty()) {
                throw new AssertionError("nginx did not stop within " + STOP + " after SIGTERM: " + left + "\n"
                        + errorLog());
            }
        } finally {
            Trees.delete(prefix);
        }
    }

    /** Stops nginx; returns a description of what had to be killed (empty: it all exited by itself). */
    private String stopProcess() throws InterruptedException {
        List<ProcessHandle> workers = workerPids().stream().map(ProcessHandle::of).flatMap(java.util.Optional::stream)
                .toList();
        List<ProcessHandle> all = new java.util.ArrayList<>(workers);
        all.addAll(process.descendants().toList());
        all.add(process.toHandle());
        process.destroy();   // SIGTERM: nginx's fast shutdown, the master stops its workers
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

}
