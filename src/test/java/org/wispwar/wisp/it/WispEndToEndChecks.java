package org.wispwar.wisp.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.wispwar.wisp.protocol.Close;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.Continue;
import org.wispwar.wisp.protocol.Data;
import org.wispwar.wisp.protocol.Info;
import org.wispwar.wisp.protocol.MotdExtension;
import org.wispwar.wisp.protocol.PasswordExtension;
import org.wispwar.wisp.protocol.StreamConfirmExtension;
import org.wispwar.wisp.protocol.UdpExtension;
import org.wispwar.wisp.protocol.WispCodec;
import org.wispwar.wisp.protocol.WispVersion;
import org.wispwar.wisp.auth.PasswordStore;
import org.wispwar.wisp.protocol.StreamType;
import org.wispwar.wisp.protocol.WispPacket;
import org.wispwar.wisp.testing.UdpEcho;
import org.wispwar.wisp.testing.UnansweredPort;
import org.wispwar.wisp.testing.RawWebSocket;

/**
 * The reference end-to-end checks: the built WAR in an embedded container, driven by a real Wisp client over real
 * WebSockets against real loopback TCP servers. Each container's IT extends this and says how to start the container
 * ({@link #start}), so Jetty and Tomcat pass exactly the same checks. After every test the deployment must be back to
 * zero sessions, streams, threads and sockets.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class WispEndToEndChecks {
    /** Opted in to loopback destinations, with short timeouts so failure cases are quick. */
    static final String OPEN = "/wisp";
    /** The shipped defaults: private and loopback destinations refused. */
    static final String STRICT = "/strict";
    /** A tiny window (B = 4) so the credit cap is reached with little data. */
    static final String TIGHT = "/tight";
    /** A context whose config is invalid: it must not deploy. */
    static final String BAD = "/bad";
    /** Stopped by one test, to show what undeploy does to live connections. */
    static final String UNDEPLOYED = "/undeployed";
    /** wisp.version=1: v2 clients must fall back. */
    static final String V1_ONLY = "/v1only";
    /** v2 with password auth required and a MOTD. */
    static final String AUTH = "/auth";
    /** A users file that is not one: must not deploy. */
    static final String BAD_USERS = "/badusers";
    /** The shipped defaults (message size, budgets) with loopback destinations allowed: uploads as browsers send them. */
    static final String UPLOADS = "/uploads";
    /**
     * The container's request threads, at most (Jetty's pool, Tomcat's connector): well below the number of paused
     * connections in {@link #pausedConnectionsHoldNoContainerThread}, so a pause that held a thread would starve
     * everyone after them.
     */
    static final int MAX_THREADS = 24;
    /** Connections held back at once by destinations that do not read; more than {@link #MAX_THREADS}. */
    static final int HELD_BACK = 40;

    WarContainer server;

    /** Starts the container with one deployment of the WAR per entry: context path → context params. */
    abstract WarContainer start(Map<String, Map<String, String>> contexts) throws Exception;

    @BeforeAll
    void startServer() throws Exception {
        Map<String, Map<String, String>> contexts = new LinkedHashMap<>();
        // sendTimeout 5s: a client that vanished without Tomcat noticing (seen intermittently with abrupt disconnects)
        // is released by the send timeout, within the checks' 20 s bounds
        contexts.put(OPEN, Map.of("wisp.allowPrivateAddresses", "true", "wisp.connectTimeout", "1s",
                "wisp.maxMessageSize", "65536", "wisp.sendTimeout", "5s"));
        contexts.put(STRICT, Map.of());
        contexts.put(TIGHT, Map.of("wisp.allowPrivateAddresses", "true", "wisp.bufferSize", "4",
                "wisp.sendTimeout", "20s"));
        contexts.put(BAD, Map.of("wisp.bufferSize", "0"));
        contexts.put(UNDEPLOYED, Map.of("wisp.allowPrivateAddresses", "true"));
        contexts.put(V1_ONLY, Map.of("wisp.version", "1"));
        java.nio.file.Path users = java.nio.file.Files.createTempFile("wisp-users", ".txt");
        users.toFile().deleteOnExit();
        java.nio.file.Files.writeString(users, PasswordStore.line("admin", "hunter2", 1000) + "\n");
        contexts.put(AUTH, Map.of("wisp.allowPrivateAddresses", "true", "wisp.passwordUsersFile", users.toString(),
                "wisp.passwordRequired", "true", "wisp.motd", "welcome"));
        java.nio.file.Path notUsers = java.nio.file.Files.createTempFile("wisp-not-users", ".txt");
        notUsers.toFile().deleteOnExit();
        java.nio.file.Files.writeString(notUsers, "admin:hunter2\n");   // a plaintext password: refused
        contexts.put(BAD_USERS, Map.of("wisp.passwordUsersFile", notUsers.toString()));
        contexts.put(UPLOADS, Map.of("wisp.allowPrivateAddresses", "true"));
        server = start(contexts);
        for (String path : List.of(OPEN, STRICT, TIGHT, UNDEPLOYED, V1_ONLY, AUTH, UPLOADS)) {
            assertTrue(server.isAvailable(path), path + " did not deploy: " + server.startupFailure(path));
        }
    }

    @AfterAll
    void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @AfterEach
    void nothingOutlivesItsConnection() throws Exception {
        for (String path : List.of(OPEN, TIGHT, UPLOADS)) {
            for (String stat : List.of("Sessions", "Streams", "Threads", "Sockets", "BufferedBytes", "ReadsPaused")) {
                String what = path + " " + stat;
                awaitTrue(what + " back to 0", () -> statOf(path, stat) == 0);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ deployment, HTTP

    @Test
    void invalidContextParamFailsTheDeploymentNamingTheParam() {
        assertFalse(server.isAvailable(BAD), "a context with wisp.bufferSize=0 must not be available");
        Throwable t = server.startupFailure(BAD);
        assertNotNull(t, "the failed context must keep its startup exception");
        StringBuilder messages = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            messages.append(c.getMessage()).append(" | ");
        }
        assertTrue(messages.toString().contains("wisp.bufferSize must be 1..65535, was 0"), messages.toString());
    }

    @Test
    void undeployClosesEveryWebSocketAndDestinationSocket() throws Exception {
        try (Targets echo = Targets.echo(); WispClient c = WispClient.connect(server.wispUri(UNDEPLOYED))) {
            c.awaitInitialCredit();
            for (int i = 1; i <= 3; i++) {
                c.connectTcp(i, "127.0.0.1", echo.port());
                c.sendWithCredit(i, "up".getBytes(), 16);
                c.awaitBytes(i, 2);
            }
            assertEquals(3, statOf(UNDEPLOYED, "Sockets"));
            assertEquals(6, statOf(UNDEPLOYED, "Threads"), "two virtual threads per TCP stream");
            server.undeploy(UNDEPLOYED);
            assertEquals(1001, c.awaitWebSocketClose(), "going away");
            assertEquals("server shutting down", c.webSocketCloseReason());
            for (int i = 1; i <= 3; i++) {
                // recorded before the close frame was handled: every CLOSE came first
                assertEquals(new Close(i, CloseReason.VOLUNTARY), c.closeOf(i), "stream " + i + " got CLOSE 0x02");
            }
            awaitTrue("all 3 destination sockets closed", () -> echo.connectionsClosed() == 3);
            assertFalse(WarContainer.statsRegistered(UNDEPLOYED), "the MBean is unregistered");
            awaitTrue(() -> "no stream thread left: " + ThreadCensus.streamThreads(),
                    () -> ThreadCensus.streamThreads().isEmpty());
        }
    }

    @Test
    void malformedUsersFileFailsTheDeploymentNamingTheParam() {
        assertFalse(server.isAvailable(BAD_USERS), "a context with a malformed users file must not deploy");
        StringBuilder messages = new StringBuilder();
        for (Throwable c = server.startupFailure(BAD_USERS); c != null; c = c.getCause()) {
            messages.append(c.getMessage()).append(" | ");
        }
        assertTrue(messages.toString().contains("wisp.passwordUsersFile: line 1 of "), messages.toString());
    }

    @Test
    void malformedClientInfoClosesWith1002AndReleasesEverything() throws Exception {
        try (WispClient c = WispClient.connect(server.wispUri(OPEN), "wisp-v2")) {
            assertTrue(c.next() instanceof Info, "server INFO first");
            // INFO v2.0 whose one extension record claims 16 bytes and carries 2
            c.sendRaw(ByteBuffer.wrap(new byte[] {5, 0, 0, 0, 0, 2, 0, 0x01, 16, 0, 0, 0, 9, 9}));
            assertEquals(1002, c.awaitWebSocketClose());
            assertEquals("INFO extension 0x01 length 16 exceeds the 2 bytes left", c.webSocketCloseReason());
        }
        // @AfterEach: sessions, streams, threads and sockets back to 0
    }

    @Test
    void plainGetServesTheIndexPage() throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.httpUri(OPEN)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertTrue(r.body().contains("Wisp server"), r.body());
        }
    }

    @Test
    void anyOfferedSubprotocolIsEchoedAndSelectsV2() throws Exception {
        String uuid = "6f1c7a52-2b1e-4c8e-9d55-0d6e1f7d9a10";   // epoxy's browser client offers a random UUID
        try (WispClient c = WispClient.connect(server.wispUri(OPEN), uuid, "wisp-v2")) {
            assertEquals(uuid, c.session().getUpgradeResponse().getAcceptedSubProtocol());
            assertEquals(new Info(WispVersion.V2_0, List.of(new UdpExtension(), new StreamConfirmExtension())), c.next(),
                    "v2: the server INFO comes first");
            c.send(new Info(WispVersion.V2_0, List.of(new UdpExtension())));
            assertEquals(new Continue(0, 128), c.next(), "accepted: CONTINUE on stream 0");
        }
        try (WispClient c = WispClient.connect(server.wispUri(OPEN))) {
            String accepted = c.session().getUpgradeResponse().getAcceptedSubProtocol();
            assertTrue(accepted == null || accepted.isEmpty(), "no subprotocol offered, none selected: " + accepted);
            assertEquals(128, c.awaitInitialCredit(), "no subprotocol: v1, CONTINUE first");
        }
    }

    @Test
    void v2ClientAgainstAVersion1ServerSeesContinueFirstAndFallsBack() throws Exception {
        try (WispClient c = WispClient.connect(server.wispUri(V1_ONLY), "wisp-v2")) {
            assertEquals("wisp-v2", c.session().getUpgradeResponse().getAcceptedSubProtocol(), "still echoed");
            assertEquals(128, c.awaitInitialCredit(), "CONTINUE first tells a v2 client to fall back to v1");
        }
    }

    @Test
    void passwordAuthThroughTheWar() throws Exception {
        try (Targets echo = Targets.echo(); WispClient c = WispClient.connect(server.wispUri(AUTH), "wisp-v2")) {
            Info server = (Info) c.next();
            assertEquals(new PasswordExtension.Server(true), server.find(PasswordExtension.Server.class).orElseThrow());
            assertEquals(new MotdExtension("welcome"), server.find(MotdExtension.class).orElseThrow());
            c.send(new Info(WispVersion.V2_0, List.of(new PasswordExtension.Client("admin", "hunter2", true))));
            assertEquals(128, c.awaitInitialCredit());
            c.connectTcp(1, "127.0.0.1", echo.port());
            c.sendWithCredit(1, "authenticated".getBytes(), 64);
            assertArrayEquals("authenticated".getBytes(), c.awaitBytes(1, 13));
        }
    }

    @Test
    void wrongPasswordGetsCloseOnStreamZeroThenWebSocketClose1008() throws Exception {
        try (WispClient c = WispClient.connect(server.wispUri(AUTH), "wisp-v2")) {
            assertTrue(c.next() instanceof Info, "server INFO first");
            c.send(new Info(WispVersion.V2_0, List.of(new PasswordExtension.Client("admin", "nope", false))));
            assertEquals(new Close(0, CloseReason.EXTENSIONS_PASSWORD_AUTH_FAILED), c.next());
            assertEquals(1008, c.awaitWebSocketClose());
            assertEquals("password authentication failed", c.webSocketCloseReason());
        }
        try (WispClient c = WispClient.connect(server.wispUri(AUTH), "wisp-v2")) {
            assertTrue(c.next() instanceof Info, "server INFO first");
            c.send(new Info(WispVersion.V2_0, List.of(new UdpExtension())));
            assertEquals(new Close(0, CloseReason.EXTENSIONS_AUTH_REQUIRED), c.next());
            assertEquals(1008, c.awaitWebSocketClose());
        }
    }

    @Test
    void permessageDeflateIsRefused() throws Exception {
        try (WispClient c = WispClient.connect(server.wispUri(OPEN), List.of("permessage-deflate"))) {
            assertEquals(List.of(), c.session().getUpgradeResponse().getExtensions());
            assertEquals(128, c.awaitInitialCredit());
        }
    }

    // ------------------------------------------------------------------------------------------------ data paths

    @Test
    void echoRoundTripAndClientCloseClosesTheDestination() throws Exception {
        try (Targets echo = Targets.echo(); WispClient c = WispClient.connect(server.wispUri(OPEN))) {
            c.awaitInitialCredit();
            c.connectTcp(1, "127.0.0.1", echo.port());
            byte[] hello = "hello, wisp".getBytes();
            c.sendWithCredit(1, hello, 1024);   // sent right after CONNECT, before the socket is up
            assertArrayEquals(hello, c.awaitBytes(1, hello.length));
            c.send(new Close(1, CloseReason.VOLUNTARY));
            awaitTrue("the destination sees the stream's socket close", () -> echo.connectionsClosed() == 1);
            assertNull(c.closeOf(1), "a client CLOSE is not answered");
        }
    }

    @Test
    void destinationEofSendsVoluntaryClose() throws Exception {
        byte[] banner = "220 banner then bye\r\n".getBytes();
        try (Targets t = Targets.sendAndClose(banner); WispClient c = WispClient.connect(server.wispUri(OPEN))) {
            c.awaitInitialCredit();
            c.connectTcp(1, "127.0.0.1", t.port());
            c.assertClosedWith(1, CloseReason.VOLUNTARY);
            assertArrayEquals(banner, c.received(1), "every byte before EOF arrives before the CLOSE");
        }
    }

    @Test
    void tenMebibytesEachWayOnOneStreamArriveIntact() throws Exception {
        byte[] payload = new byte[10 * 1024 * 1024];
        new Random(42).nextBytes(payload);
        try (Targets echo = Targets.echo(); WispClient c = WispClient.connect(server.wispUri(OPEN))) {
            c.awaitInitialCredit();
            c.connectTcp(1, "127.0.0.1", echo.port());
            c.sendWithCredit(1, payload, 60_000);
            byte[] back = c.awaitBytes(1, payload.length);
            assertEquals(payload.length, back.length);
            assertEquals(sha256(payload), sha256(back), "SHA-256 of the 10 MiB echoed back");
            assertNull(c.closeOf(1), "no CLOSE on a healthy stream");
        }
    }

    @Test
    void hundredConcurrentStreamsEachEchoTheirOwnBytes() throws Exception {
        int streams = 100;
        try (Targets echo = Targets.echo(); WispClient c = WispClient.connect(server.wispUri(OPEN));
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            c.awaitInitialCredit();
            List<byte[]> payloads = new ArrayList<>();
            for (int i = 1; i <= streams; i++) {
                byte[] p = new byte[64 * 1024 + i];
                new Random(i).nextBytes(p);
                payloads.add(p);
                c.connectTcp(i, "127.0.0.1", echo.port());
            }
            List<Future<Integer>> sent = new ArrayList<>();
            for (int i = 1; i <= streams; i++) {
                int id = i;
                sent.add(pool.submit(() -> c.sendWithCredit(id, payloads.get(id - 1), 4096)));
            }
            for (Future<Integer> f : sent) {
                f.get(60, TimeUnit.SECONDS);
            }
            for (int i = 1; i <= streams; i++) {
                byte[] p = payloads.get(i - 1);
                int id = i;
                assertArrayEquals(p, c.awaitBytes(i, p.length), () -> "stream " + id + ", CLOSE " + c.closeOf(id));
            }
            assertEquals(streams, echo.connectionsAccepted());
            assertEquals(streams, statOf(OPEN, "Streams"), "all streams live at once");
        }
    }

    @Test
    void honestClientWithSlowReceiverIsSlowedByBackpressureNotThrottled() throws Exception {
        byte[] payload = new byte[6 * 1024 * 1024];
        new Random(7).nextBytes(payload);
        try (Targets echo = Targets.echo(); WispClient c = WispClient.connect(server.wispUri(OPEN))) {
            c.awaitInitialCredit();
            c.receiveDelay(Duration.ofMillis(1));
            c.connectTcp(1, "127.0.0.1", echo.port());
            c.sendWithCredit(1, payload, 16 * 1024);
            byte[] back = c.awaitBytes(1, payload.length);
            assertEquals(sha256(payload), sha256(back));
            assertNull(c.closeOf(1), "an honest client is never throttled");
        }
    }

    @Test
    void clientIgnoringCreditIsThrottledAfterEverythingQueuedIsDelivered() throws Exception {
        int packet = 60_000;
        int packets = 300;   // 18 MB: far more than the ~4.3 MB loopback socket buffers plus the 2B = 8 packet queue
        CountDownLatch startReading = new CountDownLatch(1);
        ByteArrayOutputStream delivered = new ByteArrayOutputStream();
        CountDownLatch eof = new CountDownLatch(1);
        try (Targets stalled = Targets.of(s -> {
                    startReading.await(60, TimeUnit.SECONDS);
                    InputStream in = s.getInputStream();
                    byte[] buf = new byte[64 * 1024];
                    for (int n; (n = in.read(buf)) >= 0; ) {
                        delivered.write(buf, 0, n);
                    }
                    eof.countDown();
                });
                WispClient c = WispClient.connect(server.wispUri(TIGHT))) {
            assertEquals(4, c.awaitInitialCredit());
            c.connectTcp(1, "127.0.0.1", stalled.port());
            stalled.nextAccepted(10);
            byte[] buf = new byte[packet];
            for (int i = 0; i < packets && c.closeOf(1) == null; i++) {
                fillPacket(buf, i);
                c.send(new Data(1, ByteBuffer.wrap(buf)));
            }
            // The CLOSE comes once -up has written everything queued before the overrun. The destination reads
            // nothing until the client has sent it all, so the queue overruns either while the socket still had room
            // (Jetty delivers messages faster than -up drains: the CLOSE is already here) or once the socket is full
            // (Tomcat delivers them slower: -up can finish the drain only when the destination reads, then the CLOSE
            // follows). Waiting for the CLOSE before reading would instead test wisp.sendTimeout's cut-off.
            startReading.countDown();
            Close close = c.awaitClose(1);
            assertEquals(CloseReason.SERVER_STREAM_THROTTLED, close.reason());
            assertTrue(eof.await(20, TimeUnit.SECONDS), "the destination socket closes after the drain");
            byte[] got = delivered.toByteArray();
            assertEquals(0, got.length % packet, "whole packets only: the queue drained before the close");
            int whole = got.length / packet;
            assertTrue(whole >= 8 && whole < packets, "delivered " + whole + " packets");
            byte[] expected = new byte[packet];
            for (int i = 0; i < whole; i++) {
                fillPacket(expected, i);
                assertArrayEquals(expected, java.util.Arrays.copyOfRange(got, i * packet, (i + 1) * packet),
                        "packet " + i + " delivered in order");
            }
        }
    }

    private static void fillPacket(byte[] buf, int index) {
        java.util.Arrays.fill(buf, (byte) (index * 31 + 7));
        buf[0] = (byte) index;
        buf[1] = (byte) (index >>> 8);
    }

    @Test
    void udpDatagramsRoundTripThroughTheWarAndNoContinueIsSent() throws Exception {
        try (UdpEcho udp = new UdpEcho(InetAddress.getLoopbackAddress());
                WispClient c = WispClient.connect(server.wispUri(OPEN))) {
            c.awaitInitialCredit();
            c.send(new Connect(9, StreamType.UDP, udp.port(), "127.0.0.1"));
            for (int i = 0; i < 100; i++) {
                byte[] d = ("datagram " + i).getBytes();
                c.send(Data.of(9, d));
                WispPacket back = c.next();
                assertEquals(Data.of(9, d), back, "one DATA per datagram, never a CONTINUE");
            }
            assertEquals(1, statOf(OPEN, "Sockets"));
            c.send(new Close(9, CloseReason.VOLUNTARY));
        }
    }

    @Test
    void udpToLoopbackIsRefusedByDefault() throws Exception {
        try (UdpEcho udp = new UdpEcho(InetAddress.getLoopbackAddress());
                WispClient c = WispClient.connect(server.wispUri(STRICT))) {
            c.awaitInitialCredit();
            c.send(new Connect(9, StreamType.UDP, udp.port(), "127.0.0.1"));
            c.assertClosedWith(9, CloseReason.SERVER_STREAM_BLOCKED_ADDRESS);
            assertEquals(0, udp.received(), "no datagram reached the loopback target");
        }
    }

    // ---------------------------------------------------------------------------------------- failures and reasons

    @Test
    void refusedConnectionGetsConnectionRefused() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        try (WispClient c = WispClient.connect(server.wispUri(OPEN))) {
            c.awaitInitialCredit();
            c.connectTcp(1, "127.0.0.1", closedPort);
            c.assertClosedWith(1, CloseReason.SERVER_STREAM_CONNECTION_REFUSED);
        }
    }

    @Test
    void unresolvableHostGetsUnreachable() throws Exception {
        try (WispClient c = WispClient.connect(server.wispUri(OPEN))) {
            c.awaitInitialCredit();
            c.connectTcp(1, "no-such-host.invalid", 80);
            c.assertClosedWith(1, CloseReason.SERVER_STREAM_UNREACHABLE);
        }
    }

    @Test
    void unansweredConnectGetsConnectionTimedOut() throws Exception {
        try (UnansweredPort silent = new UnansweredPort();
                WispClient c = WispClient.connect(server.wispUri(OPEN))) {
            c.awaitInitialCredit();
            long start = System.nanoTime();
            c.connectTcp(1, "127.0.0.1", silent.port());
            c.assertClosedWith(1, CloseReason.SERVER_STREAM_CONNECTION_TIMED_OUT);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(ms >= 900, "CLOSE 0x43 only after the 1 s connect timeout, came after " + ms + " ms");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "localhost", "::1", "::ffff:127.0.0.1", "::ffff:7f00:1"})
    void loopbackIsRefusedByDefault(String host) throws Exception {
        try (Targets echo = Targets.echo(); WispClient c = WispClient.connect(server.wispUri(STRICT))) {
            c.awaitInitialCredit();
            c.connectTcp(1, host, echo.port());
            c.assertClosedWith(1, CloseReason.SERVER_STREAM_BLOCKED_ADDRESS);
            assertEquals(0, echo.connectionsAccepted(), "nothing reached the loopback target");
        }
    }

    /** Octal, hex and short IPv4 spellings (browsers read 0177.1 as 127.0.0.1, the JDK as 177.0.0.1) are invalid. */
    @ParameterizedTest
    @ValueSource(strings = {"0177.0.0.1", "0177.1", "127.1", "0x7f.0.0.1", "2130706433"})
    void ambiguousIpv4SpellingsAreInvalidEvenWhereLoopbackIsAllowed(String host) throws Exception {
        try (Targets echo = Targets.echo(); WispClient c = WispClient.connect(server.wispUri(OPEN))) {
            c.awaitInitialCredit();
            c.connectTcp(1, host, echo.port());
            c.assertClosedWith(1, CloseReason.SERVER_STREAM_INVALID_INFO);
            assertEquals(0, echo.connectionsAccepted(), "nothing reached the loopback target");
        }
    }

    @Test
    void invalidConnectsGetInvalidInfoAndTheConnectionLivesOn() throws Exception {
        try (Targets echo = Targets.echo(); WispClient c = WispClient.connect(server.wispUri(OPEN))) {
            c.awaitInitialCredit();
            c.send(new Connect(1, 0x01, echo.port(), ""));             // no host
            c.assertClosedWith(1, CloseReason.SERVER_STREAM_INVALID_INFO);
            c.send(new Connect(2, 0x01, 0, "127.0.0.1"));               // port 0
            c.assertClosedWith(2, CloseReason.SERVER_STREAM_INVALID_INFO);
            c.send(new Connect(3, 0x03, echo.port(), "127.0.0.1"));     // TWisp: not offered
            c.assertClosedWith(3, CloseReason.SERVER_STREAM_INVALID_INFO);
            c.send(new Connect(4, 0x01, echo.port(), "bad host"));      // blank inside a name
            c.assertClosedWith(4, CloseReason.SERVER_STREAM_INVALID_INFO);
            c.connectTcp(5, "127.0.0.1", echo.port());
            c.sendWithCredit(5, "still alive".getBytes(), 64);
            assertArrayEquals("still alive".getBytes(), c.awaitBytes(5, 11));
        }
    }

    @Test
    void connectReusingALiveStreamIdEndsThatStreamWithInvalidInfo() throws Exception {
        try (Targets echo = Targets.echo(); WispClient c = WispClient.connect(server.wispUri(OPEN))) {
            c.awaitInitialCredit();
            c.connectTcp(7, "127.0.0.1", echo.port());
            c.sendWithCredit(7, "ping".getBytes(), 64);
            assertArrayEquals("ping".getBytes(), c.awaitBytes(7, 4));
            c.send(new Connect(7, 0x01, echo.port(), "127.0.0.1"));
            c.assertClosedWith(7, CloseReason.SERVER_STREAM_INVALID_INFO);
            awaitTrue("the live stream's socket is closed", () -> echo.connectionsClosed() == 1);
            assertEquals(1, echo.connectionsAccepted(), "the duplicate CONNECT opened nothing");
        }
    }

    @Test
    void dataForAnUnknownStreamIsIgnored() throws Exception {
        try (Targets echo = Targets.echo(); WispClient c = WispClient.connect(server.wispUri(OPEN))) {
            c.awaitInitialCredit();
            c.send(Data.of(99, "nobody".getBytes()));
            c.send(new Close(98, CloseReason.VOLUNTARY));
            c.connectTcp(1, "127.0.0.1", echo.port());
            c.sendWithCredit(1, "x".getBytes(), 8);
            assertArrayEquals("x".getBytes(), c.awaitBytes(1, 1));
            for (WispPacket p : c.drained()) {
                assertEquals(1, p.streamId(), "only stream 1 hears back: " + p);
            }
        }
    }

    // ------------------------------------------------------------------------------------ connection-level errors

    @Test
    void packetShorterThanTheHeaderClosesWith1002() throws Exception {
        assertConnectionClosed(ByteBuffer.wrap(new byte[] {0x02, 0x01, 0x00}), 1002, "packet shorter than header: 3");
    }

    @Test
    void unknownPacketTypeClosesWith1002() throws Exception {
        assertConnectionClosed(ByteBuffer.wrap(new byte[] {0x07, 1, 0, 0, 0}), 1002, "unknown packet type 0x07");
    }

    @Test
    void continueFromAClientClosesWith1002() throws Exception {
        assertConnectionClosed(ByteBuffer.wrap(new byte[] {0x03, 1, 0, 0, 0, 5, 0, 0, 0}), 1002,
                "CONTINUE from a client on stream 1");
    }

    /**
     * Repeated: the close races the echo of the message's first parts going out. Ending the streams before the close
     * frame was sent interrupted that send, and Tomcat then closed with 1001 and dropped the socket (one run in a few
     * under CPU load, so several rounds here).
     */
    @Test
    void messageOverTheConfiguredMaximumClosesWith1009() throws Exception {
        for (int round = 0; round < OVERSIZE_ROUNDS; round++) {
            ByteBuffer big = ByteBuffer.allocate(65_537);
            big.put(0, (byte) 0x02).put(1, (byte) 1);
            try (Targets echo = Targets.echo(); WispClient c = WispClient.connect(server.wispUri(OPEN))) {
                c.awaitInitialCredit();
                c.connectTcp(1, "127.0.0.1", echo.port());
                echo.nextAccepted(10);
                c.sendRaw(big);
                int r = round;
                assertEquals(1009, c.awaitWebSocketClose(),
                        () -> "round " + r + ": the WebSocket failed instead: " + c.error());
                awaitTrue("the stream's socket closes with its connection", () -> echo.connectionsClosed() == 1);
            }
        }
    }

    private static final int OVERSIZE_ROUNDS = 20;

    // ------------------------------------------------------------------------------- uploads and byte budgets

    /**
     * What browser clients do: epoxy sends a whole request body as one DATA packet. With the shipped defaults a 64 MiB
     * packet goes through, streamed in parts, and the server never holds much more than one stream's budget of it.
     */
    @Test
    void aSingle64MiBDataPacketGoesThroughWithTheDefaultsAndIsNeverHeldWhole() throws Exception {
        byte[] upload = new byte[64 * 1024 * 1024];
        new Random(64).nextBytes(upload);
        Targets.Digest got = Targets.newDigest();
        try (Targets sink = Targets.sink(got); WispClient c = WispClient.connect(server.wispUri(UPLOADS))) {
            c.awaitInitialCredit();
            c.connectTcp(1, "127.0.0.1", sink.port());
            c.sendWithCredit(1, upload, upload.length);   // one DATA packet: a 67,108,869-byte WebSocket message
            awaitTrue(() -> "the destination got all 64 MiB; got " + got.count(), () -> got.count() == upload.length);
            assertEquals(sha256(upload), got.sha256(), "every byte, in order");
            assertEquals(List.of(), c.drained().stream().filter(p -> p instanceof Close).toList(), "no stream closed");
            long peak = statOf(UPLOADS, "BufferedBytesPeak");
            long budget = statOf(UPLOADS, "StreamByteBudget");
            assertTrue(peak <= budget + 2 * 64 * 1024, "held at most the stream budget and a part: peak " + peak);
            c.send(new Close(1, CloseReason.VOLUNTARY));
        }
    }

    /**
     * Backpressure without a thread per paused connection: {@value #HELD_BACK} WebSockets, more than the container's
     * {@value #MAX_THREADS} request threads, each in the middle of a 64 MiB upload to a destination that accepts and
     * never reads. Each is paused (its reading stopped by the container's own mechanism), none is closed, and a new
     * client still connects, opens a stream and moves 1 MiB each way within 2 s.
     */
    @Test
    void pausedConnectionsHoldNoContainerThread() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<RawWebSocket> held = new ArrayList<>();
        List<Thread> writers = new ArrayList<>();
        try (Targets stalled = Targets.of(s -> release.await(60, TimeUnit.SECONDS)); Targets echo = Targets.echo()) {
            try {
                for (int i = 0; i < HELD_BACK; i++) {
                    RawWebSocket ws = RawWebSocket.upgrade(server.port(), UPLOADS + "/", 64 * 1024).socket();
                    assertNotNull(ws, "upgrade " + i);
                    held.add(ws);
                    assertEquals(new Continue(0, 128), WispCodec.decode(ByteBuffer.wrap(ws.readFrame().payload()),
                            org.wispwar.wisp.protocol.Role.SERVER), "initial credit");
                    ws.sendBinary(bytes(WispCodec.encode(new Connect(1, StreamType.TCP, stalled.port(), "127.0.0.1"))));
                    writers.add(Thread.ofVirtual().name("held-back-" + i).start(() -> ws.streamData(1, 64L << 20)));
                }
                awaitTrue(() -> "all " + HELD_BACK + " connections paused; paused now: " + statOf(UPLOADS, "ReadsPaused"),
                        () -> statOf(UPLOADS, "ReadsPaused") == HELD_BACK);
                assertEquals(HELD_BACK, statOf(UPLOADS, "Sessions"), "none was closed");

                byte[] payload = new byte[1024 * 1024];
                new Random(1).nextBytes(payload);
                long start = System.nanoTime();
                try (WispClient c = WispClient.connect(server.wispUri(UPLOADS))) {
                    c.awaitInitialCredit();
                    long connected = System.nanoTime();
                    c.connectTcp(1, "127.0.0.1", echo.port());
                    c.sendWithCredit(1, payload, 64 * 1024);
                    assertArrayEquals(payload, c.awaitBytes(1, payload.length), "1 MiB echoed");
                    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    System.out.println("[held back] " + server.name() + ": " + HELD_BACK + " connections paused, "
                            + statOf(UPLOADS, "BufferedBytes") + " bytes held; a new client connected in "
                            + TimeUnit.NANOSECONDS.toMillis(connected - start) + " ms and moved 1 MiB each way in "
                            + millis + " ms in all");
                    assertTrue(millis < 2_000, "a new client moved 1 MiB each way in " + millis + " ms");
                    c.send(new Close(1, CloseReason.VOLUNTARY));
                }
                assertEquals(HELD_BACK, statOf(UPLOADS, "ReadsPaused"), "the held-back connections stayed paused");
            } finally {
                release.countDown();   // the destinations close: their streams end and let their connections go
                for (RawWebSocket ws : held) {
                    ws.close();
                }
                for (Thread t : writers) {
                    t.join(TimeUnit.SECONDS.toMillis(20));
                }
            }
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    @Test
    void textFrameClosesWith1003() throws Exception {
        try (Targets echo = Targets.echo(); WispClient c = WispClient.connect(server.wispUri(OPEN))) {
            c.awaitInitialCredit();
            c.connectTcp(1, "127.0.0.1", echo.port());
            echo.nextAccepted(10);
            c.sendText("hello?");
            assertEquals(1003, c.awaitWebSocketClose());
            assertEquals("text frames are not part of the Wisp protocol", c.webSocketCloseReason());
            awaitTrue("the stream's socket closes with its connection", () -> echo.connectionsClosed() == 1);
        }
    }

    private void assertConnectionClosed(ByteBuffer frame, int code, String reason) throws Exception {
        try (Targets echo = Targets.echo(); WispClient c = WispClient.connect(server.wispUri(OPEN))) {
            c.awaitInitialCredit();
            c.connectTcp(1, "127.0.0.1", echo.port());
            echo.nextAccepted(10);
            c.sendRaw(frame);
            assertEquals(code, c.awaitWebSocketClose());
            assertEquals(reason, c.webSocketCloseReason());
            awaitTrue("every stream's socket is released", () -> echo.connectionsClosed() == 1);
        }
    }

    @Test
    void abruptClientDisconnectMidTransferLeavesNoThreadsOrSockets() throws Exception {
        try (Targets source = Targets.source(); Targets echo = Targets.echo();
                WispClient c = WispClient.connect(server.wispUri(OPEN))) {
            c.awaitInitialCredit();
            for (int i = 1; i <= 5; i++) {
                c.connectTcp(i, "127.0.0.1", source.port());
                c.connectTcp(100 + i, "127.0.0.1", echo.port());
                c.sendWithCredit(100 + i, new byte[50_000], 10_000);
            }
            for (int i = 1; i <= 5; i++) {
                c.awaitBytes(i, 100_000);
                c.awaitBytes(100 + i, 50_000);
            }
            assertEquals(10, statOf(OPEN, "Sockets"));
            assertEquals(20, statOf(OPEN, "Threads"), "two virtual threads per TCP stream");
            c.session().disconnect();   // no close handshake: the TCP connection just goes away
            // The echo streams are idle, so only the end of the whole connection releases them: on @OnClose, or at the
            // latest when a source stream's send fails or times out (wisp.sendTimeout 5 s here).
            awaitTrue(() -> "all 10 destination sockets closed; closed so far: " + source.connectionsClosed()
                    + " of 5 source, " + echo.connectionsClosed() + " of 5 echo",
                    () -> source.connectionsClosed() + echo.connectionsClosed() == 10);
        }
        // @AfterEach then proves sessions, streams, threads and sockets are all back to 0
    }

    // ----------------------------------------------------------------------------------------------------- helpers

    static long statOf(String path, String attribute) {
        try {
            return (Long) WarContainer.stat(path, attribute);
        } catch (Exception e) {
            throw new AssertionError("cannot read " + attribute + " of " + path, e);
        }
    }

    static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
        awaitTrue(() -> what, condition);
    }

    static void awaitTrue(java.util.function.Supplier<String> what, BooleanSupplier condition)
            throws InterruptedException {
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
}
