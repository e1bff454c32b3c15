package org.wispwar.wisp.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.wispwar.wisp.protocol.Close;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Continue;
import org.wispwar.wisp.protocol.Role;
import org.wispwar.wisp.protocol.WispCodec;
import org.wispwar.wisp.testing.RawWebSocket;

/**
 * README "Behind nginx", tested: Debian's real nginx ({@link Nginx}) runs the README's recipe in front of the built
 * WAR at {@code /wisp} in an embedded container, everything on loopback. Shows that the WebSocket upgrade passes and
 * Wisp and wsproxy work end to end through it; that with {@code wisp.trustedProxies=127.0.0.1, ::1} each client is
 * counted by its own address (clients bound to 127.0.0.2 and 127.0.0.3, one WebSocket each under
 * {@code wisp.maxConnectionsPerIp=1}), and without it every client is nginx's 127.0.0.1; and that the recipe's
 * {@code allow 127.0.0.1; deny all;} keeps {@code /wisp/stats} from everyone else. nginx is stopped after, and must
 * leave no process behind. Each container's IT says how to start the container. Not thread-safe: JUnit runs the tests
 * one by one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class NginxChecks {
    static final Duration WAIT = Duration.ofSeconds(20);
    /** The recipe's location: the WAR at /wisp, as the README deploys it. */
    static final String WISP = "/wisp";
    static final InetAddress NGINX_SIDE = loopback("127.0.0.1");
    static final InetAddress CLIENT_A = loopback("127.0.0.2");
    static final InetAddress CLIENT_B = loopback("127.0.0.3");
    /** What the README tells operators to set behind this recipe, and a per-IP cap of one to see who is who. */
    static final Map<String, String> TRUSTING = Map.of("wisp.allowPrivateAddresses", "true",
            "wisp.stats.enabled", "true", "wisp.maxConnectionsPerIp", "1", "wisp.trustedProxies", "127.0.0.1, ::1");
    /** The same without wisp.trustedProxies: the mistake the README warns about. */
    static final Map<String, String> UNTRUSTING = Map.of("wisp.allowPrivateAddresses", "true",
            "wisp.stats.enabled", "true", "wisp.maxConnectionsPerIp", "1");
    static final int GOING_AWAY_TRY_AGAIN_LATER = 1013;

    WarContainer server;
    Nginx nginx;
    Map<String, String> deployed;

    /** Starts the container with one WAR context per entry: context path → context params. */
    abstract WarContainer start(Map<String, Map<String, String>> contexts) throws Exception;

    @BeforeAll
    void start() throws Exception {
        Path binary = Nginx.binary();   // fails with how to install it, before a container is started for nothing
        assertTrue(binary.isAbsolute());
        Map<String, Map<String, String>> contexts = new LinkedHashMap<>();
        contexts.put(WISP, TRUSTING);
        server = start(contexts);
        deployed = TRUSTING;
        assertTrue(server.isAvailable(WISP), WISP + " did not deploy: " + server.startupFailure(WISP));
        nginx = Nginx.start(server.port());
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (nginx != null) {
                List<Long> pids = new java.util.ArrayList<>(nginx.workerPids());
                String log = nginx.errorLog();
                pids.add(nginx.pid());
                nginx.close();   // fails if a process had to be killed
                assertEquals(2, pids.size(), "one master and one worker:\n" + log);
                for (long pid : pids) {
                    assertTrue(ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true), "nginx pid " + pid + " runs");
                }
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    @AfterEach
    void nothingLeft() throws Exception {
        awaitTrue(() -> stat("Sessions") == 0 && stat("Streams") == 0 && stat("Threads") == 0
                && stat("Sockets") == 0, "the deployment back to 0 sessions, streams, threads and sockets");
        String log = nginx.errorLog();
        for (String level : List.of("[emerg]", "[alert]", "[crit]")) {
            assertTrue(!log.contains(level), "nginx logged " + level + ":\n" + log);
        }
    }

    // ---------------------------------------------------------------------------------------------------- the recipe

    @Test
    void theTestedRecipeIsTheReadmesWithOnlyTheListenLineAndUpstreamPortChanged() throws Exception {
        assertEquals(Nginx.recipe(), Nginx.readmeRecipe(Path.of("README.md")),
                "README \"Behind nginx\" and src/test/resources" + Nginx.RECIPE + " must be the same lines");
        String served = Nginx.recipeFor(nginx.port(), server.port());
        List<String> readme = Nginx.recipe().lines().toList();
        List<String> tested = served.lines().toList();
        assertEquals(readme.size(), tested.size());
        int changed = 0;
        for (int i = 0; i < readme.size(); i++) {
            if (!readme.get(i).equals(tested.get(i))) {
                changed++;
                assertTrue(readme.get(i).contains("listen 443 ssl;") || readme.get(i).contains("127.0.0.1:8080;"),
                        "changed line " + (i + 1) + ": " + readme.get(i));
            }
        }
        assertEquals(3, changed, "the listen line and the two proxy_pass lines");
    }

    // ------------------------------------------------------------------------------------------------- end to end

    @Test
    void aWispStreamGoesThroughNginxBothWays() throws Exception {
        URI uri = URI.create("ws://127.0.0.1:" + nginx.port() + WISP + "/");
        byte[] hello = "hello through nginx".getBytes(StandardCharsets.UTF_8);
        byte[] big = new byte[256 * 1024];
        new java.util.Random(7).nextBytes(big);
        try (Targets echo = Targets.echo(); WispClient c = WispClient.connect(uri)) {
            assertEquals(128, c.awaitInitialCredit(), "the Wisp v1 greeting came through nginx");
            c.connectTcp(1, "127.0.0.1", echo.port());
            c.sendWithCredit(1, hello, 1024);
            assertArrayEquals(hello, c.awaitBytes(1, hello.length));
            c.sendWithCredit(1, big, 16 * 1024);
            byte[] all = c.awaitBytes(1, hello.length + big.length);
            assertArrayEquals(big, java.util.Arrays.copyOfRange(all, hello.length, all.length), "256 KiB echoed");
            c.send(new Close(1, CloseReason.VOLUNTARY));
            awaitTrue(() -> echo.connectionsClosed() == 1, "the destination sees the stream's socket close");
        }
        awaitTrue(() -> nginx.accessLog().contains("\"GET /wisp/ HTTP/1.1\" 101 "),
                "nginx logs the upgrade as 101:\n" + nginx.accessLog());
    }

    @Test
    void aWsproxyPathWithPercentEncodedBracketsGoesThroughUnchanged() throws Exception {
        byte[] hello = "wsproxy through nginx".getBytes(StandardCharsets.UTF_8);
        try (Targets echo = Targets.echo()) {
            RawWebSocket.Upgrade upgrade = RawWebSocket.upgradeFrom(NGINX_SIDE, nginx.port(),
                    WISP + "/%5B::ffff:127.0.0.1%5D:" + echo.port());
            assertTrue(upgrade.accepted(), upgrade.head() + upgrade.body());
            try (RawWebSocket ws = upgrade.socket()) {
                ws.sendBinary(hello);
                RawWebSocket.Frame frame = ws.readFrame();
                assertEquals(RawWebSocket.OPCODE_BINARY, frame.opcode());
                assertArrayEquals(hello, frame.payload());
            }
            awaitTrue(() -> echo.connectionsClosed() == 1, "the destination sees the socket close");
        }
    }

    // ------------------------------------------------------------------------------------------ the client's address

    @Test
    void behindTheTrustedProxyEachClientIsCountedByItsOwnAddress() throws Exception {
        redeploy(TRUSTING);
        try (RawWebSocket a = admitted(CLIENT_A); RawWebSocket b = admitted(CLIENT_B)) {
            awaitTrue(() -> stat("Sessions") == 2, "127.0.0.2 and 127.0.0.3 each hold one WebSocket");
            assertEquals(GOING_AWAY_TRY_AGAIN_LATER, refusedAfterUpgrade(CLIENT_A),
                    "a second WebSocket from 127.0.0.2 is over its cap of 1");
            assertEquals(GOING_AWAY_TRY_AGAIN_LATER, refusedAfterUpgrade(CLIENT_A, "X-Forwarded-For", "198.51.100.7"),
                    "a client's own X-Forwarded-For does not make it someone else: nginx appends the real address");
            assertEquals(GOING_AWAY_TRY_AGAIN_LATER, refusedAfterUpgrade(CLIENT_B));
            assertEquals(2L, stat("Sessions"), "the two admitted ones are still open");
        }
    }

    @Test
    void withoutTrustedProxiesEveryClientIsNginx() throws Exception {
        redeploy(UNTRUSTING);
        try (RawWebSocket a = admitted(CLIENT_A)) {
            assertEquals(GOING_AWAY_TRY_AGAIN_LATER, refusedAfterUpgrade(CLIENT_B),
                    "127.0.0.3 is refused: both clients are nginx's 127.0.0.1 to the server");
            assertEquals(1L, stat("Sessions"));
        } finally {
            redeploy(TRUSTING);
        }
    }

    // ------------------------------------------------------------------------------------------------------- stats

    @Test
    void statsAreForTheLocalMonitoringOnly() throws Exception {
        HttpAnswer outside = get(CLIENT_A, nginx.port(), WISP + "/stats");
        assertEquals(403, outside.status(), outside.text());
        assertTrue(outside.text().contains("nginx"), "refused by nginx itself: " + outside.text());
        awaitTrue(() -> nginx.errorLog().contains("access forbidden by rule, client: 127.0.0.2"),
                "nginx logs the recipe's deny for 127.0.0.2:\n" + nginx.errorLog());
        HttpAnswer local = get(NGINX_SIDE, nginx.port(), WISP + "/stats");
        assertEquals(200, local.status(), local.text());
        assertTrue(local.body().startsWith("{") && local.body().contains("\"sessions\":0,"), local.text());

        HttpAnswer page = get(CLIENT_A, nginx.port(), WISP + "/");
        assertEquals(200, page.status(), "127.0.0.2 gets everything else through nginx: " + page.text());
        HttpAnswer direct = get(CLIENT_A, server.port(), WISP + "/stats");
        assertEquals(200, direct.status(), "the WAR itself would answer 127.0.0.2: the refusal is the recipe's");
    }

    // ------------------------------------------------------------------------------------------------------ helpers

    /** Redeploys /wisp with these params, unless they are the ones deployed. */
    private void redeploy(Map<String, String> params) throws Exception {
        if (params.equals(deployed)) {
            return;
        }
        server.undeploy(WISP);
        deployed = null;
        server.deploy(WISP, params);
        assertTrue(server.isAvailable(WISP), WISP + " did not deploy: " + server.startupFailure(WISP));
        deployed = params;
    }

    /** A WebSocket through nginx from {@code local} that the endpoint admitted: its first frame is the greeting. */
    private RawWebSocket admitted(InetAddress local) throws Exception {
        RawWebSocket.Upgrade upgrade = RawWebSocket.upgradeFrom(local, nginx.port(), WISP + "/");
        assertTrue(upgrade.accepted(), upgrade.head() + upgrade.body());
        RawWebSocket ws = upgrade.socket();
        RawWebSocket.Frame first = ws.readFrame();
        if (first.opcode() != RawWebSocket.OPCODE_BINARY) {
            ws.close();
            fail("from " + local.getHostAddress() + ": expected the greeting, got opcode " + first.opcode()
                    + (first.opcode() == RawWebSocket.OPCODE_CLOSE ? " close " + first.closeCode() + " "
                    + first.closeReason() : ""));
        }
        assertEquals(new Continue(0, 128), WispCodec.decode(java.nio.ByteBuffer.wrap(first.payload()), Role.SERVER));
        return ws;
    }

    /** Upgrades through nginx from {@code local}; returns the close code the server sends right after (the upgrade passes). */
    private int refusedAfterUpgrade(InetAddress local, String... headers) throws Exception {
        RawWebSocket.Upgrade upgrade = RawWebSocket.upgradeFrom(local, nginx.port(), WISP + "/", headers);
        assertTrue(upgrade.accepted(), upgrade.head() + upgrade.body());
        try (RawWebSocket ws = upgrade.socket()) {
            for (int i = 0; i < 3; i++) {   // the greeting may come first
                RawWebSocket.Frame frame = ws.readFrame();   // bounded by the socket's read timeout
                if (frame.opcode() == RawWebSocket.OPCODE_CLOSE) {
                    assertEquals("too many connections from your address", frame.closeReason());
                    return frame.closeCode();
                }
            }
            return fail("no close frame from the server for " + local.getHostAddress());
        }
    }

    record HttpAnswer(int status, String head, String body) {
        String text() {
            return head + body;
        }
    }

    /** A GET over a socket bound to {@code local} (java.net.http cannot choose its source address). */
    static HttpAnswer get(InetAddress local, int port, String path) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(local, 0));
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), (int) WAIT.toMillis());
            s.setSoTimeout((int) WAIT.toMillis());
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);   // to EOF, each read bounded
            int end = all.indexOf("\r\n\r\n");
            assertTrue(end > 0, "no complete response head: " + all);
            String head = all.substring(0, end + 4);
            String body = all.substring(end + 4);
            if (head.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked")) {
                body = unchunk(body);
            }
            return new HttpAnswer(Integer.parseInt(head.substring(9, 12)), head, body);
        }
    }

    private static String unchunk(String chunked) {
        StringBuilder body = new StringBuilder();
        int at = 0;
        while (true) {
            int lineEnd = chunked.indexOf("\r\n", at);
            int size = Integer.parseInt(chunked.substring(at, lineEnd).split(";")[0].strip(), 16);
            if (size == 0) {
                return body.toString();
            }
            body.append(chunked, lineEnd + 2, lineEnd + 2 + size);
            at = lineEnd + 2 + size + 2;
        }
    }

    static long stat(String attribute) {
        try {
            return (Long) WarContainer.stat(WISP, attribute);
        } catch (Exception e) {
            throw new AssertionError("no " + attribute + " from " + WISP + "'s MBean", e);
        }
    }

    static void awaitTrue(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("not within " + WAIT + ": " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    private static InetAddress loopback(String literal) {
        try {
            return InetAddress.getByName(literal);   // a literal: never looked up
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
