package org.wispwar.wisp.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.wispwar.wisp.protocol.Continue;
import org.wispwar.wisp.testing.UnansweredPort;
import org.wispwar.wisp.testing.RawWebSocket;

/**
 * wsproxy mode and fixed routes on the built WAR on embedded Jetty 12 (ee11): {@code /<context>/<host:port>} and
 * {@code /<context>/<route>} bridged raw to real loopback TCP servers, with the WebSocket close codes of the README's
 * "wsproxy mode" table. After every test each deployment is back to zero sessions, streams, threads and sockets (a
 * wsproxy connection counts as one session and one stream).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WsproxyJettyIT {
    /** Loopback destinations allowed, a 1 s connect timeout. */
    static final String OPEN = "/wsproxy";
    /** The shipped defaults plus two routes to loopback echo servers: arbitrary loopback targets are refused. */
    static final String STRICT = "/wsproxy-strict";
    /** wisp.allowWsproxy=false with one route: only the route is served. */
    static final String OFF = "/wsproxy-off";
    /** A 1 s send timeout, so stalled peers are cut off quickly. */
    static final String TIGHT = "/wsproxy-tight";
    /** Stopped by one test, to show what undeploy does to live wsproxy connections. */
    static final String UNDEPLOYED = "/wsproxy-undeployed";
    static final List<String> COUNTED = List.of(OPEN, STRICT, OFF, TIGHT);

    /** The routes' backends: started before Jetty, because the route params name their ports. */
    Targets routeEcho;
    Ipv6Echo routeEcho6;
    EmbeddedJetty jetty;

    @BeforeAll
    void startTargetsThenJetty() throws Exception {
        routeEcho = Targets.echo();
        routeEcho6 = Ipv6Echo.startIfAvailable();
        String routes = "echo=127.0.0.1:" + routeEcho.port()
                + (routeEcho6 == null ? "" : ",echo6=[::1]:" + routeEcho6.port());
        Map<String, Map<String, String>> contexts = new LinkedHashMap<>();
        contexts.put(OPEN, Map.of("wisp.allowPrivateAddresses", "true", "wisp.connectTimeout", "1s"));
        contexts.put(STRICT, Map.of("wisp.wsproxyRoutes", routes));
        contexts.put(OFF, Map.of("wisp.allowWsproxy", "false", "wisp.allowPrivateAddresses", "true",
                "wisp.wsproxyRoutes", "echo=127.0.0.1:" + routeEcho.port()));
        contexts.put(TIGHT, Map.of("wisp.allowPrivateAddresses", "true", "wisp.sendTimeout", "1s",
                "wisp.destinationTimeout", "1s"));
        contexts.put(UNDEPLOYED, Map.of("wisp.allowPrivateAddresses", "true"));
        jetty = EmbeddedJetty.start(contexts);
        for (String path : contexts.keySet()) {
            assertTrue(jetty.context(path).isAvailable(), path + " did not deploy: "
                    + jetty.context(path).getUnavailableException());
        }
    }

    @AfterAll
    void stopJettyThenTargets() throws Exception {
        try {
            if (jetty != null) {
                jetty.close();
            }
        } finally {
            if (routeEcho != null) {
                routeEcho.close();
            }
            if (routeEcho6 != null) {
                routeEcho6.close();
            }
        }
    }

    @AfterEach
    void nothingOutlivesItsConnection() throws Exception {
        for (String path : COUNTED) {
            for (String stat : List.of("Sessions", "Streams", "Threads", "Sockets")) {
                awaitTrue(path + " " + stat + " back to 0", () -> statOf(path, stat) == 0);
            }
        }
    }

    URI wsproxy(String context, String segment) {
        return URI.create("ws://127.0.0.1:" + jetty.port() + context + "/" + segment);
    }

    // ---------------------------------------------------------------------------------------------- data paths

    @Test
    void binaryAndTextMessagesReachTheDestinationAndItsBytesComeBackAsBinary() throws Exception {
        try (Targets echo = Targets.echo(); WsproxyClient c = WsproxyClient.connect(wsproxy(OPEN, "127.0.0.1:" + echo.port()))) {
            c.sendBinary(new byte[] {0, 1, 2, (byte) 0xff});
            c.sendText("héllo");   // written as its UTF-8 bytes
            byte[] expected = new byte[] {0, 1, 2, (byte) 0xff, 'h', (byte) 0xc3, (byte) 0xa9, 'l', 'l', 'o'};
            assertArrayEquals(expected, c.awaitBytes(expected.length));
            assertEquals(1, statOf(OPEN, "Sessions"), "a wsproxy connection is one session");
            assertEquals(1, statOf(OPEN, "Streams"), "and one stream");
            assertEquals(1, statOf(OPEN, "Sockets"));
            assertEquals(2, statOf(OPEN, "Threads"), "two virtual threads, as for a Wisp TCP stream");
        }
    }

    @Test
    void fiveMebibytesEachWayArriveIntact() throws Exception {
        byte[] payload = new byte[5 * 1024 * 1024];
        new Random(5).nextBytes(payload);
        try (Targets echo = Targets.echo(); WsproxyClient c = WsproxyClient.connect(wsproxy(OPEN, "127.0.0.1:" + echo.port()))) {
            c.sendInChunks(payload, 60_000);
            byte[] back = c.awaitBytes(payload.length);
            assertEquals(payload.length, back.length, "bytes echoed back; close " + c.closeReason());
            assertEquals(sha256(payload), sha256(back), "SHA-256 of the 5 MiB echoed back");
            assertTrue(!c.isClosed(), "a healthy connection stays open");
        }
    }

    @Test
    void messagesSentWhileConnectingAreQueuedAndDeliveredInOrder() throws Exception {
        try (Targets echo = Targets.echo(); WsproxyClient c = WsproxyClient.connect(wsproxy(OPEN, "localhost:" + echo.port()))) {
            ByteArrayOutputStream sent = new ByteArrayOutputStream();
            for (int i = 0; i < 50; i++) {
                byte[] m = ("message " + i + ";").getBytes(StandardCharsets.US_ASCII);
                c.sendBinary(m);   // the first ones arrive while localhost is still resolving and connecting
                sent.writeBytes(m);
            }
            assertArrayEquals(sent.toByteArray(), c.awaitBytes(sent.size()));
        }
    }

    @Test
    void percentEncodedIpv6TargetReachesTheIpv6Destination() throws Exception {
        assumeTrue(routeEcho6 != null, "no IPv6 loopback (::1) on this machine");
        try (Ipv6Echo echo = Ipv6Echo.startIfAvailable();
                WsproxyClient c = WsproxyClient.connect(wsproxy(OPEN, "%5B%3A%3A1%5D%3A" + echo.port()))) {
            c.sendBinary("over v6".getBytes());
            assertArrayEquals("over v6".getBytes(), c.awaitBytes(7));
            assertEquals(1, echo.accepted(), "the ::1 server took the connection");
        }
    }

    /**
     * Raw brackets never reach the endpoint on Jetty: its default URI compliance answers 400. (Relaxing it with
     * {@code ILLEGAL_PATH_CHARACTERS} does not help: Jetty 12.1.10's WebSocket handshake then fails with 500 in
     * {@code URI.create}.) So IPv6 targets must be percent-encoded, as the README says.
     */
    @Test
    void literalBracketsInTheRequestPathAreRefusedByJettyWith400() throws Exception {
        try (Targets echo = Targets.echo()) {
            RawWebSocket.Upgrade refused = RawWebSocket.upgrade(jetty.port(), OPEN + "/[::1]:" + echo.port());
            assertTrue(refused.head().startsWith("HTTP/1.1 400 "), refused.head());
            assertTrue(refused.body().contains("Illegal Path Character"), refused.body());
            RawWebSocket.Upgrade encoded = RawWebSocket.upgrade(jetty.port(), OPEN + "/%5B::1%5D:" + echo.port());
            assertTrue(encoded.accepted(), "the percent-encoded form is upgraded: " + encoded.head());
            encoded.socket().close();
        }
    }

    @Test
    void trailingSlashStillServesWisp() throws Exception {
        try (WispClient c = WispClient.connect(jetty.wispUri(OPEN))) {
            assertEquals(new Continue(0, 128), c.next(), "the Wisp endpoint answers /<context>/ as before");
        }
    }

    @Test
    void destinationEofClosesTheWebSocketWith1000AfterItsBytes() throws Exception {
        byte[] banner = "SSH-2.0-banner then bye\r\n".getBytes();
        try (Targets t = Targets.sendAndClose(banner);
                WsproxyClient c = WsproxyClient.connect(wsproxy(OPEN, "127.0.0.1:" + t.port()))) {
            assertEquals(1000, c.awaitClose());
            assertEquals("destination closed the connection", c.closeReason());
            assertArrayEquals(banner, c.received(), "every byte before EOF arrives before the close");
        }
    }

    @Test
    void cleanClientCloseDeliversItsLastBytesThenTheDestinationSeesEof() throws Exception {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        CountDownLatch eof = new CountDownLatch(1);
        try (Targets sink = Targets.of(s -> {
                    InputStream in = s.getInputStream();
                    byte[] buf = new byte[64 * 1024];
                    for (int n; (n = in.read(buf)) >= 0; ) {
                        synchronized (got) {
                            got.write(buf, 0, n);
                        }
                    }
                    eof.countDown();
                });
                WsproxyClient c = WsproxyClient.connect(wsproxy(OPEN, "127.0.0.1:" + sink.port()))) {
            byte[] payload = new byte[1024 * 1024];
            new Random(9).nextBytes(payload);
            c.sendInChunks(payload, 32 * 1024);
            c.closeNormally();
            assertTrue(eof.await(20, TimeUnit.SECONDS), "the destination sees EOF after the client's close");
            synchronized (got) {
                assertEquals(sha256(payload), sha256(got.toByteArray()), "every byte sent before the close arrived");
            }
        }
    }

    @Test
    void abruptClientDisconnectReleasesTheSocketAndThreads() throws Exception {
        try (Targets source = Targets.source();
                WsproxyClient c = WsproxyClient.connect(wsproxy(OPEN, "127.0.0.1:" + source.port()))) {
            c.awaitBytes(100_000);
            assertEquals(1, statOf(OPEN, "Sockets"));
            c.session().disconnect();   // no close handshake: the TCP connection just goes away
            awaitTrue("the destination socket is closed", () -> source.connectionsClosed() == 1);
        }
        // @AfterEach then proves sessions, streams, threads and sockets are all back to 0
    }

    @Test
    void clientThatStopsReadingIsClosedWith1001AfterTheSendTimeout() throws Exception {
        try (Targets source = Targets.source();
                WsproxyClient c = WsproxyClient.connect(wsproxy(TIGHT, "127.0.0.1:" + source.port()))) {
            c.awaitBytes(1);
            c.pauseReading();   // the client's TCP window closes, the server's send blocks, and after 1 s it gives up
            awaitTrue("the server closes the destination socket after its send timed out",
                    () -> source.connectionsClosed() == 1);
            c.resumeReading();  // to read what was in flight, then the close frame
            assertEquals(1001, c.awaitClose());
            assertEquals("send timed out", c.closeReason());
        }
    }

    @Test
    void destinationThatStopsReadingClosesTheWebSocketWith1008() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (Targets stalled = Targets.of(s -> release.await(60, TimeUnit.SECONDS));
                RawWebSocket ws = RawWebSocket.upgrade(jetty.port(), TIGHT + "/127.0.0.1:" + stalled.port()).socket()) {
            stalled.nextAccepted(10);
            // Loopback socket buffers take a few MB; then the 1 MiB stream budget fills and reading pauses, and once
            // the destination has taken no byte for the 1 s destination timeout, the server gives up. The writer stops when its writes fail (Jetty resets the connection:
            // it had unread bytes), but the close frame sent before the reset can still be read. See RawWebSocket.
            AtomicLong sent = new AtomicLong();
            Thread writer = Thread.ofVirtual().name("raw-writer").start(() -> {
                byte[] chunk = new byte[60_000];
                try {
                    while (sent.get() < 512L * 1024 * 1024) {
                        ws.sendBinary(chunk);
                        sent.addAndGet(chunk.length);
                    }
                } catch (IOException e) {
                    // the server closed the connection: the frame read below says why
                }
            });
            RawWebSocket.Frame frame = ws.readFrame();
            assertEquals(RawWebSocket.OPCODE_CLOSE, frame.opcode(), "the server sends nothing but its close");
            assertEquals(1008, frame.closeCode(), () -> "after " + sent.get() + " bytes");
            assertEquals("destination not reading", frame.closeReason());
            ws.close();
            writer.join(TimeUnit.SECONDS.toMillis(20));
            assertTrue(!writer.isAlive(), "the writer ends once the connection is gone");
            release.countDown();
            awaitTrue("the destination socket is closed", () -> stalled.connectionsClosed() == 1);
        }
    }

    // ---------------------------------------------------------------------------------------- routes and policy

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "localhost", "%5B::1%5D", "%5B::ffff:127.0.0.1%5D"})
    void loopbackTargetIsBlockedByDefault(String host) throws Exception {
        int before = routeEcho.connectionsAccepted();
        try (WsproxyClient c = WsproxyClient.connect(wsproxy(STRICT, host + ":" + routeEcho.port()))) {
            assertEquals(1008, c.awaitClose());
            assertEquals("destination blocked", c.closeReason());
        }
        assertEquals(before, routeEcho.connectionsAccepted(), "nothing reached the loopback target");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0177.0.0.1", "0177.1", "127.1"})
    void ambiguousIpv4TargetIsInvalid(String host) throws Exception {
        int before = routeEcho.connectionsAccepted();
        try (WsproxyClient c = WsproxyClient.connect(wsproxy(STRICT, host + ":" + routeEcho.port()))) {
            assertEquals(1008, c.awaitClose());
            assertEquals("invalid wsproxy target: IPv4 address must be four decimal numbers 0-255 without leading zeros",
                    c.closeReason());
        }
        assertEquals(before, routeEcho.connectionsAccepted(), "nothing reached the loopback target");
    }

    @Test
    void fixedRouteReachesItsLoopbackBackendWhereTheSameRawTargetIsRefused() throws Exception {
        int before = routeEcho.connectionsAccepted();
        try (WsproxyClient c = WsproxyClient.connect(wsproxy(STRICT, "echo"))) {
            c.sendBinary("via route".getBytes());
            assertArrayEquals("via route".getBytes(), c.awaitBytes(9));
        }
        assertEquals(before + 1, routeEcho.connectionsAccepted(), "the route's backend took one connection");
        try (WsproxyClient c = WsproxyClient.connect(wsproxy(STRICT, "127.0.0.1:" + routeEcho.port()))) {
            assertEquals(1008, c.awaitClose());
            assertEquals("destination blocked", c.closeReason());
        }
        assertEquals(before + 1, routeEcho.connectionsAccepted(), "the raw target reached nothing");
    }

    @Test
    void fixedRouteToAnIpv6Backend() throws Exception {
        assumeTrue(routeEcho6 != null, "no IPv6 loopback (::1) on this machine");
        try (WsproxyClient c = WsproxyClient.connect(wsproxy(STRICT, "echo6"))) {
            c.sendBinary("route v6".getBytes());
            assertArrayEquals("route v6".getBytes(), c.awaitBytes(8));
        }
    }

    @Test
    void disabledWsproxyRefusesTargetsButServesItsRoutes() throws Exception {
        try (Targets echo = Targets.echo(); WsproxyClient c = WsproxyClient.connect(wsproxy(OFF, "127.0.0.1:" + echo.port()))) {
            assertEquals(1008, c.awaitClose());
            assertEquals("wsproxy is disabled", c.closeReason());
            assertEquals(0, echo.connectionsAccepted(), "nothing was dialed");
        }
        try (WsproxyClient c = WsproxyClient.connect(wsproxy(OFF, "echo"))) {
            c.sendText("route only");
            assertArrayEquals("route only".getBytes(), c.awaitBytes(10));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "no-such-route|unknown route or missing port",
            "::1:80|IPv6 literal needs brackets",
            "example.com:0|port must be 1..65535",
            "example.com:65536|port must be 1..65535",
            "%5B::1:80|unclosed bracket",
            "%5B::1%5D|expected :port after ]",
            "%5Bexample.com%5D:80|brackets must hold an IPv6 literal",
            "bad%20host:80|hostname contains a control or blank character"})
    void malformedTargetClosesWith1008NamingTheProblem(String row) throws Exception {
        String[] parts = row.split("\\|");
        try (WsproxyClient c = WsproxyClient.connect(wsproxy(OPEN, parts[0]))) {
            assertEquals(1008, c.awaitClose());
            assertEquals("invalid wsproxy target: " + parts[1], c.closeReason());
        }
    }

    // ------------------------------------------------------------------------------------- destination failures

    @Test
    void refusedConnectionClosesWith1014() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        try (WsproxyClient c = WsproxyClient.connect(wsproxy(OPEN, "127.0.0.1:" + closedPort))) {
            assertEquals(1014, c.awaitClose());
            assertEquals("connection refused", c.closeReason());
        }
    }

    @Test
    void unresolvableHostClosesWith1014() throws Exception {
        try (WsproxyClient c = WsproxyClient.connect(wsproxy(OPEN, "no-such-host.invalid:80"))) {
            assertEquals(1014, c.awaitClose());
            assertEquals("host not found", c.closeReason());
        }
    }

    @Test
    void unansweredConnectClosesWith1014AfterTheConnectTimeout() throws Exception {
        try (UnansweredPort silent = new UnansweredPort()) {
            long start = System.nanoTime();
            try (WsproxyClient c = WsproxyClient.connect(wsproxy(OPEN, "127.0.0.1:" + silent.port()))) {
                assertEquals(1014, c.awaitClose());
                assertEquals("connect timed out", c.closeReason());
            }
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(ms >= 900, "closed only after the 1 s connect timeout, came after " + ms + " ms");
        }
    }

    @Test
    void undeployClosesLiveWsproxyConnectionsWith1001() throws Exception {
        try (Targets echo = Targets.echo();
                WsproxyClient c = WsproxyClient.connect(wsproxy(UNDEPLOYED, "127.0.0.1:" + echo.port()))) {
            c.sendBinary("up".getBytes());
            c.awaitBytes(2);
            jetty.context(UNDEPLOYED).stop();
            assertEquals(1001, c.awaitClose(), "going away");
            awaitTrue("the destination socket is closed", () -> echo.connectionsClosed() == 1);
        }
    }

    // ----------------------------------------------------------------------------------------------------- helpers

    static long statOf(String path, String attribute) {
        try {
            return EmbeddedJetty.stat(path, attribute);
        } catch (Exception e) {
            throw new AssertionError("cannot read " + attribute + " of " + path, e);
        }
    }

    static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
        EmbeddedJettyIT.awaitTrue(what, condition);
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** An echo server on ::1, port 0 ({@link Targets} binds 127.0.0.1 only). */
    static final class Ipv6Echo implements AutoCloseable {
        private final ServerSocket server;
        private final AtomicInteger accepted = new AtomicInteger();
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();

        private Ipv6Echo(ServerSocket server) {
            this.server = server;
            Thread.ofVirtual().name("echo6-accept-" + server.getLocalPort()).start(() -> {
                while (!server.isClosed()) {
                    Socket s;
                    try {
                        s = server.accept();
                    } catch (IOException e) {
                        return;
                    }
                    accepted.incrementAndGet();
                    sockets.add(s);
                    Thread.ofVirtual().start(() -> {
                        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                            byte[] buf = new byte[16 * 1024];
                            for (int n; (n = in.read(buf)) >= 0; ) {
                                out.write(buf, 0, n);
                            }
                        } catch (IOException e) {
                            // the peer went away
                        }
                    });
                }
            });
        }

        /** An echo on ::1, or null when this machine has no IPv6 loopback. */
        static Ipv6Echo startIfAvailable() throws IOException {
            ServerSocket s = new ServerSocket();
            try {
                s.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0), 50);
            } catch (IOException e) {
                s.close();
                return null;
            }
            return new Ipv6Echo(s);
        }

        int port() {
            return server.getLocalPort();
        }

        int accepted() {
            return accepted.get();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}
