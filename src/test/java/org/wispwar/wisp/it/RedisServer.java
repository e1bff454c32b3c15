package org.wispwar.wisp.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's real redis-server, started by a test in the foreground on 127.0.0.1 and an ephemeral port, without
 * persistence ({@code --save "" --appendonly no}), its working directory and log in a temp directory under
 * {@code target/} that {@link #close} deletes. {@link #stop} and {@link #restart} take it down and bring it back on the
 * same port (an outage). Every wait is bounded; a process that does not exit in time is killed and the test fails. Not
 * thread-safe: one test thread drives it.
 */
public final class RedisServer implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/redis-server");
    private static final Duration START = Duration.ofSeconds(10);
    private static final Duration STOP = Duration.ofSeconds(10);

    private final Path dir;
    private final int port;
    private Process process;

    private RedisServer(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    public static RedisServer start() throws IOException, InterruptedException {
        if (!Files.isExecutable(BINARY)) {
            throw new AssertionError(BINARY + " is not installed: apt-get install redis-server (CI's .ci/run does)");
        }
        Files.createDirectories(Path.of("target"));
        Path dir = Files.createTempDirectory(Path.of("target"), "redis-").toAbsolutePath();
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        RedisServer r = new RedisServer(dir, port);
        r.restart();
        return r;
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:<port>/0}, for wisp.sharedState. */
    public String uri() {
        return "redis://127.0.0.1:" + port + "/0";
    }

    /** Starts the server (again) on the same port and returns once it answers PING. */
    public void restart() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        process = new ProcessBuilder(BINARY.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--daemonize", "no",
                "--logfile", "")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log")
                        .toFile()))
                .start();
        long deadline = System.nanoTime() + START.toNanos();
        while (!"+PONG".equals(command("PING"))) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                String log = Files.readString(dir.resolve("redis.log"));
                stop();
                throw new AssertionError("redis-server did not answer PING within " + START + ":\n" + log);
            }
            Thread.sleep(20);
        }
    }

    /** Stops the server (SIGTERM, then a bounded wait); fails if it does not exit. */
    public void stop() throws InterruptedException {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroy();
        if (!p.waitFor(STOP.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(STOP.toSeconds(), TimeUnit.SECONDS);
            throw new AssertionError("redis-server did not exit within " + STOP + " of SIGTERM");
        }
        process = null;
    }

    /**
     * One inline command; the reply's text: a status or error line as sent ({@code +PONG}), an integer's digits, a bulk
     * string's content, {@code null} for a nil reply or when the server cannot be reached.
     */
    public String command(String line) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            s.setSoTimeout(2000);
            s.getOutputStream().write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            var in = new java.io.DataInputStream(s.getInputStream());
            String first = readLine(in);
            if (first.startsWith(":")) {
                return first.substring(1);
            }
            if (first.startsWith("$")) {
                int n = Integer.parseInt(first.substring(1));
                if (n < 0) {
                    return null;
                }
                byte[] body = new byte[n];
                in.readFully(body);
                return new String(body, StandardCharsets.UTF_8);
            }
            return first;
        } catch (IOException e) {
            return null;
        }
    }

    private static String readLine(java.io.InputStream in) throws IOException {
        StringBuilder reply = new StringBuilder();
        for (int c = in.read(); c != '\r'; c = in.read()) {
            if (c < 0) {
                throw new java.io.EOFException();
            }
            reply.append((char) c);
        }
        in.read();   // '\n'
        return reply.toString();
    }

    /** Clients connected now (INFO's connected_clients, this query's own connection included), or -1. */
    public int connectedClients() {
        String info = command("INFO clients");
        if (info == null) {
            return -1;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("connected_clients:(\\d+)").matcher(info);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            stop();
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
