package org.wispwar.wisp.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.function.Executable;

/**
 * Interop with the reference JavaScript client: {@code @mercuryworkshop/wisp-js} 0.4.1 on Node (its own WebSocket
 * stack, Node's {@code ws}) against the built WAR on embedded Jetty, everything on 127.0.0.1.
 *
 * <p>The build installs the client itself: {@code src/test/js} is copied to {@code target/interop} and {@code npm ci}
 * runs there in {@code pre-integration-test} (see pom.xml). The Node script {@code wisp-interop.mjs} opens, on one
 * Wisp connection, a small and a 1 MiB TCP echo stream (256 DATA packets of 4 KiB: more than the initial credit, so the
 * real client's CONTINUE handling is exercised), a TCP stream to a target that sends known bytes and closes, and a UDP
 * echo stream with 8 datagrams. It prints one JSON line per result; this test asserts on them per mode. In v2 the
 * client also decodes the server's MOTD (extension 0x04).
 *
 * <p>Missing Node or a missing {@code npm ci} result is a failure, never a silent skip. Only {@code -DskipInterop}
 * skips this class, and JUnit reports it as skipped.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@DisabledIfSystemProperty(named = "wisp.interop.skip", matches = "true",
        disabledReason = "wisp-js interop skipped explicitly with -DskipInterop")
class WispJsJettyIT {
    /**
     * The Wisp version the server ends up speaking with the default wisp-js client, which offers
     * {@code Sec-WebSocket-Protocol: wisp-v2} and runs the v2 handshake only if the server's first packet is INFO.
     * <p>
     * <b>2</b> since the v2 handshake landed (commit 2595e36, draft 6): the server echoes the subprotocol, sends INFO
     * advertising UDP (0x01), the client answers with its INFO, then CONTINUE. The test then also requires that the
     * client received an INFO and that UDP was advertised, without which wisp-js refuses to open UDP streams.
     * <p>
     * <b>1</b> was the value while the server spoke v1 only: it echoed the subprotocol and sent CONTINUE first, so the
     * client fell back to v1 on the same WebSocket (wisp-protocol.md §8.1 step 4). Set it back to 1 only if a v2
     * client is meant to get v1 again (for example if this test's context were configured with v2 turned off).
     */
    static final int V2_CLIENT_NEGOTIATES = 2;

    static final String PATH = "/wisp";
    /** Sent in the v2 INFO (extension 0x04); non-ASCII on purpose: the string is UTF-8 on the wire. */
    static final String MOTD = "wisp-js interop \u2713 caf\u00e9";
    static final Path INTEROP = Path.of("target", "interop");
    static final String SCRIPT = "wisp-interop.mjs";
    static final Path WISP_JS = INTEROP.resolve(Path.of("node_modules", "@mercuryworkshop", "wisp-js", "package.json"));
    /** The script's own overall timeout; the process gets {@link #PROCESS_WAIT_SECONDS} before it is killed. */
    static final long SCRIPT_TIMEOUT_MS = 60_000;
    static final long PROCESS_WAIT_SECONDS = 90;
    static final int LARGE_TCP_BYTES = 1024 * 1024;
    static final int UDP_DATAGRAMS = 8;
    /** What the initial CONTINUE carries with the shipped default {@code wisp.bufferSize}. */
    static final long DEFAULT_CREDIT = 128;

    String nodeVersion;
    EmbeddedJetty jetty;
    Targets tcpEcho;
    Targets tcpEof;
    byte[] eofBytes;
    UdpEchoTarget udpEcho;

    @BeforeAll
    void startServerAndTargets() throws Exception {
        if (!Files.isRegularFile(WISP_JS)) {
            fail(WISP_JS.toAbsolutePath() + " is missing. The build installs it with npm ci in pre-integration-test"
                    + " (run the ITs through mvn verify), or skip this test explicitly with -DskipInterop.");
        }
        NodeRun version = NodeRun.run(List.of("node", "--version"), INTEROP, 30, "node-version");
        assertEquals(0, version.exitCode(), () -> "node --version failed\n" + version.transcript());
        nodeVersion = version.stdout().strip();

        jetty = EmbeddedJetty.start(Map.of(PATH, Map.of("wisp.allowPrivateAddresses", "true", "wisp.motd", MOTD)));
        assertTrue(jetty.context(PATH).isAvailable(),
                () -> PATH + " did not deploy: " + jetty.context(PATH).getUnavailableException());
        tcpEcho = Targets.echo();
        eofBytes = new byte[200_000];
        new Random(42).nextBytes(eofBytes);
        tcpEof = Targets.sendAndClose(eofBytes);
        udpEcho = UdpEchoTarget.start();
    }

    @AfterAll
    void stopServerAndTargets() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {udpEcho, tcpEof, tcpEcho, jetty}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @BeforeEach
    void resetUdpCount() {
        udpEcho.datagrams.set(0);
    }

    @AfterEach
    void nothingOutlivesTheClient() throws Exception {
        for (String stat : List.of("Sessions", "Streams", "Threads", "Sockets")) {
            awaitTrue(() -> PATH + " " + stat + " back to 0, is " + statOf(stat), () -> statOf(stat) == 0);
        }
        awaitTrue(() -> "every TCP target connection closed by the server: echo " + tcpEcho.connectionsClosed() + "/"
                        + tcpEcho.connectionsAccepted() + ", eof " + tcpEof.connectionsClosed() + "/"
                        + tcpEof.connectionsAccepted(),
                () -> tcpEcho.connectionsClosed() == tcpEcho.connectionsAccepted()
                        && tcpEof.connectionsClosed() == tcpEof.connectionsAccepted());
    }

    // ------------------------------------------------------------------------------------------------------- tests

    @Test
    void clientForcedToV1EchoesTcpAndUdpExactly() throws Exception {
        NodeRun run = runClient("v1");
        Map<String, Object> open = run.result("open");
        assertAll("wisp-js {wisp_version: 1}, node " + nodeVersion + "\n" + run.transcript(), concat(
                List.of(
                        () -> assertEquals(1L, open.get("wisp_version"), "negotiated version"),
                        () -> assertEquals("", open.get("subprotocol"), "a v1 client offers no subprotocol"),
                        () -> assertEquals(false, open.get("info_received"), "a v1 server sends no INFO"),
                        () -> assertEquals(null, open.get("motd"), "no MOTD without INFO"),
                        () -> assertEquals(DEFAULT_CREDIT, open.get("initial_credit"), "CONTINUE on stream 0")),
                echoChecks(run)));
    }

    @Test
    void defaultClientOfferingV2NegotiatesTheServersVersionAndEchoesTcpAndUdpExactly() throws Exception {
        NodeRun run = runClient("v2");
        Map<String, Object> open = run.result("open");
        List<Executable> handshake = new ArrayList<>(List.of(
                () -> assertEquals((long) V2_CLIENT_NEGOTIATES, open.get("wisp_version"),
                        "negotiated version (see V2_CLIENT_NEGOTIATES)"),
                () -> assertEquals("wisp-v2", open.get("subprotocol"),
                        "the offered subprotocol must be echoed, else wisp-js reconnects as a v1 client"),
                () -> assertEquals(DEFAULT_CREDIT, open.get("initial_credit"), "CONTINUE on stream 0")));
        if (V2_CLIENT_NEGOTIATES == 2) {
            handshake.add(() -> assertEquals(true, open.get("info_received"), "the server's INFO"));
            handshake.add(() -> assertTrue(asList(open.get("server_extensions")).contains(1L),
                    "the server's INFO advertises UDP (0x01): " + open.get("server_extensions")));
            handshake.add(() -> assertEquals(true, open.get("udp_enabled"), "UDP usable after the handshake"));
            handshake.add(() -> assertEquals(MOTD, open.get("motd"), "the MOTD (0x04) as the client decoded it"));
        } else {
            handshake.add(() -> assertEquals(false, open.get("info_received"),
                    "a v1 server sends CONTINUE first, no INFO"));
        }
        assertAll("wisp-js default options (offers wisp-v2), node " + nodeVersion + "\n" + run.transcript(),
                concat(handshake, echoChecks(run)));
    }

    // ----------------------------------------------------------------------------------------------------- helpers

    /** Runs the Node client in one mode against the Jetty context and the loopback targets. */
    NodeRun runClient(String mode) throws Exception {
        List<String> command = List.of("node", SCRIPT,
                "--url", jetty.wispUri(PATH).toString(),
                "--mode", mode,
                "--tcp-echo-port", Integer.toString(tcpEcho.port()),
                "--tcp-eof-port", Integer.toString(tcpEof.port()),
                "--tcp-eof-bytes", Integer.toString(eofBytes.length),
                "--tcp-eof-sha256", sha256(eofBytes),
                "--udp-echo-port", Integer.toString(udpEcho.port()),
                "--tcp-large-bytes", Integer.toString(LARGE_TCP_BYTES),
                "--chunk-bytes", "4096",
                "--timeout-ms", Long.toString(SCRIPT_TIMEOUT_MS));
        NodeRun run = NodeRun.run(command, INTEROP, PROCESS_WAIT_SECONDS, "wisp-js-" + mode);
        System.out.println("wisp-js " + mode + " (node " + nodeVersion + "), exit " + run.exitCode() + ":\n"
                + run.stdout());
        assertNotNull(run.results().get("open"), () -> "the client never opened its Wisp connection\n"
                + run.transcript());
        return run;
    }

    /** The TCP, EOF and UDP checks and the exit code: the same in every mode. */
    List<Executable> echoChecks(NodeRun run) {
        Map<String, Object> small = run.result("tcp-small");
        Map<String, Object> large = run.result("tcp-large");
        Map<String, Object> eof = run.result("tcp-eof");
        Map<String, Object> udp = run.result("udp");
        Map<String, Object> summary = run.result("summary");
        int udpSeen = udpEcho.datagrams.get();
        return List.of(
                () -> assertEquals(true, small.get("equal"), "tcp-small: short messages echoed byte for byte"),
                () -> assertEquals(null, small.get("close_reason"), "tcp-small: no CLOSE from the server"),
                () -> assertEquals((long) LARGE_TCP_BYTES, large.get("received"), "tcp-large: bytes echoed"),
                () -> assertEquals(large.get("sha256_sent"), large.get("sha256_received"), "tcp-large: SHA-256"),
                () -> assertEquals(null, large.get("close_reason"), "tcp-large: no CLOSE from the server"),
                () -> assertTrue(asLong(large.get("max_locally_queued")) > 0,
                        "tcp-large: the client ran out of credit and queued locally"),
                () -> assertTrue(asLong(large.get("continues_received")) > 0,
                        "tcp-large: the server refilled the credit with CONTINUE"),
                () -> assertEquals((long) eofBytes.length, eof.get("received"), "tcp-eof: bytes received"),
                () -> assertEquals(sha256(eofBytes), eof.get("sha256_received"), "tcp-eof: SHA-256"),
                () -> assertEquals("0x02", eof.get("close_reason"), "tcp-eof: destination EOF ends with CLOSE 0x02"),
                () -> assertEquals(null, udp.get("error"), "udp: stream creation in the client"),
                () -> assertEquals(null, udp.get("close_reason"), "udp: no CLOSE from the server"),
                () -> assertEquals((long) UDP_DATAGRAMS, udp.get("received"), "udp: datagrams echoed"),
                () -> assertEquals(List.of(), udp.get("missing"), "udp: datagrams never echoed (indexes)"),
                () -> assertEquals(List.of(), udp.get("unexpected_sizes"),
                        "udp: DATA that matched no datagram sent (boundaries must be kept)"),
                () -> assertEquals(0L, udp.get("continues_received"), "udp: no CONTINUE on UDP streams"),
                () -> assertEquals(UDP_DATAGRAMS, udpSeen, "udp: datagrams that reached the UDP target"),
                () -> assertEquals(true, summary.get("ok"), "summary: every check of the script passed"),
                () -> assertEquals(0, run.exitCode(), "exit code of the Node client"));
    }

    static List<Executable> concat(List<Executable> a, List<Executable> b) {
        List<Executable> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    static List<?> asList(Object o) {
        return o instanceof List<?> l ? l : List.of();
    }

    static long asLong(Object o) {
        return o instanceof Long l ? l : -1;
    }

    long statOf(String attribute) {
        try {
            return EmbeddedJetty.stat(PATH, attribute);
        } catch (Exception e) {
            throw new AssertionError("cannot read " + attribute + " of " + PATH, e);
        }
    }

    static void awaitTrue(Supplier<String> what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within 20 s: " + what.get());
            }
            Thread.sleep(10);   // polling a condition with a deadline, not waiting for time to pass
        }
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /**
     * One finished (or killed) Node process: exit code, stdout, stderr, and stdout's JSON lines by their "check".
     * Output goes to files under target/interop/logs (kept for reading after a failure), so a chatty process can
     * never block on a full pipe.
     */
    record NodeRun(List<String> command, int exitCode, String stdout, String stderr,
                   Map<String, Map<String, Object>> results) {

        static NodeRun run(List<String> command, Path dir, long waitSeconds, String name) throws Exception {
            Path logs = Files.createDirectories(dir.resolve("logs"));
            Path out = logs.resolve(name + ".stdout");
            Path err = logs.resolve(name + ".stderr");
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                throw new AssertionError("cannot run " + command.get(0) + " (" + e.getMessage() + "). The wisp-js"
                        + " interop test needs Node.js 18+ on the PATH; install it, or skip this test explicitly"
                        + " with -DskipInterop.", e);
            }
            p.getOutputStream().close();   // nothing on stdin
            boolean finished = p.waitFor(waitSeconds, TimeUnit.SECONDS);
            if (!finished) {
                p.destroyForcibly();
                boolean killed = p.waitFor(10, TimeUnit.SECONDS);
                fail(String.join(" ", command) + " did not finish within " + waitSeconds + " s, killed ("
                        + (killed ? "exited" : "still running after 10 s") + ")\n--- stdout\n" + Files.readString(out)
                        + "--- stderr\n" + Files.readString(err));
            }
            String stdout = Files.readString(out);
            Map<String, Map<String, Object>> results = new LinkedHashMap<>();
            for (String line : stdout.lines().toList()) {
                if (line.startsWith("{")) {
                    Map<String, Object> obj;
                    try {
                        obj = Json.parseObject(line);
                    } catch (IllegalArgumentException e) {
                        throw new AssertionError("unparsable JSON line from " + command + ": " + line, e);
                    }
                    Object client = obj.get("client");   // the browser driver's checks repeat per client
                    results.put(client == null ? String.valueOf(obj.get("check")) : client + ":" + obj.get("check"),
                            obj);
                }
            }
            return new NodeRun(command, p.exitValue(), stdout, Files.readString(err), results);
        }

        /** The result line of one check; a missing line is a failure that shows the whole transcript. */
        Map<String, Object> result(String check) {
            Map<String, Object> r = results.get(check);
            if (r == null) {
                fail("no \"" + check + "\" result from the Node client\n" + transcript());
            }
            return r;
        }

        String transcript() {
            return "$ " + String.join(" ", command) + "\nexit code " + exitCode + "\n--- stdout\n" + orEmpty(stdout)
                    + "--- stderr\n" + orEmpty(stderr) + "--- end of the Node client's output\n";
        }

        private static String orEmpty(String output) {
            return output.isEmpty() ? "(empty)\n" : output.endsWith("\n") ? output : output + "\n";
        }
    }

    /** A UDP echo on 127.0.0.1, port 0: every datagram goes back to its sender, on a virtual thread. */
    static final class UdpEchoTarget implements AutoCloseable {
        final DatagramSocket socket;
        final AtomicInteger datagrams = new AtomicInteger();
        final Thread thread;

        private UdpEchoTarget() throws SocketException {
            socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            thread = Thread.ofVirtual().name("udp-echo-" + socket.getLocalPort()).start(this::loop);
        }

        static UdpEchoTarget start() throws SocketException {
            return new UdpEchoTarget();
        }

        private void loop() {
            byte[] buf = new byte[65_536];
            while (!socket.isClosed()) {
                DatagramPacket packet = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(packet);
                    datagrams.incrementAndGet();
                    socket.send(new DatagramPacket(packet.getData(), packet.getOffset(), packet.getLength(),
                            packet.getSocketAddress()));
                } catch (IOException e) {
                    return;   // closed by close()
                }
            }
        }

        int port() {
            return socket.getLocalPort();
        }

        @Override
        public void close() throws InterruptedException {
            socket.close();
            if (!thread.join(java.time.Duration.ofSeconds(5))) {
                throw new AssertionError("the UDP echo thread did not end within 5 s of closing its socket");
            }
        }
    }

    /**
     * Just enough JSON for the script's output lines: objects, arrays, strings, integers (as Long), other numbers
     * (as Double), booleans and null. Throws IllegalArgumentException with the position on anything else.
     */
    static final class Json {
        private final String s;
        private int i;

        private Json(String s) {
            this.s = s;
        }

        static Map<String, Object> parseObject(String text) {
            Json p = new Json(text);
            Object v = p.value();
            p.space();
            if (p.i != text.length() || !(v instanceof Map<?, ?>)) {
                throw p.error("one JSON object per line expected");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) v;
            return m;
        }

        private Object value() {
            space();
            if (i >= s.length()) {
                throw error("value expected");
            }
            char c = s.charAt(i);
            switch (c) {
                case '{' -> {
                    i++;
                    Map<String, Object> m = new LinkedHashMap<>();
                    space();
                    if (peek('}')) {
                        return m;
                    }
                    do {
                        space();
                        if (i >= s.length() || s.charAt(i) != '"') {
                            throw error("object key expected");
                        }
                        String key = string();
                        space();
                        expect(':');
                        m.put(key, value());
                        space();
                    } while (peek(','));
                    expect('}');
                    return m;
                }
                case '[' -> {
                    i++;
                    List<Object> l = new ArrayList<>();
                    space();
                    if (peek(']')) {
                        return l;
                    }
                    do {
                        l.add(value());
                        space();
                    } while (peek(','));
                    expect(']');
                    return l;
                }
                case '"' -> {
                    return string();
                }
                default -> {
                    for (String word : List.of("true", "false", "null")) {
                        if (s.startsWith(word, i)) {
                            i += word.length();
                            return word.equals("null") ? null : Boolean.valueOf(word);
                        }
                    }
                    return number();
                }
            }
        }

        private String string() {
            i++;   // opening quote
            StringBuilder b = new StringBuilder();
            while (i < s.length()) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                if (i >= s.length()) {
                    break;
                }
                char e = s.charAt(i++);
                switch (e) {
                    case '"', '\\', '/' -> b.append(e);
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        if (i + 4 > s.length()) {
                            throw error("truncated \\u escape");
                        }
                        b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> throw error("bad escape \\" + e);
                }
            }
            throw error("unterminated string");
        }

        private Object number() {
            int start = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
            String n = s.substring(start, i);
            if (n.isEmpty()) {
                throw error("unexpected character");
            }
            try {
                return n.matches("-?\\d+") ? (Object) Long.valueOf(n) : (Object) Double.valueOf(n);
            } catch (NumberFormatException e) {
                throw error("bad number " + n);
            }
        }

        private void space() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private boolean peek(char c) {
            if (i < s.length() && s.charAt(i) == c) {
                i++;
                return true;
            }
            return false;
        }

        private void expect(char c) {
            if (!peek(c)) {
                throw error("'" + c + "' expected");
            }
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException(what + " at " + i + " in " + s);
        }
    }
}
