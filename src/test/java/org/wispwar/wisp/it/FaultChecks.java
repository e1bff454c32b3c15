package org.wispwar.wisp.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.wispwar.wisp.protocol.Close;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.Continue;
import org.wispwar.wisp.protocol.Data;
import org.wispwar.wisp.protocol.Role;
import org.wispwar.wisp.protocol.StreamType;
import org.wispwar.wisp.protocol.WispCodec;
import org.wispwar.wisp.protocol.WispPacket;
import org.wispwar.wisp.testing.PausableSink;
import org.wispwar.wisp.testing.RawWebSocket;
import org.wispwar.wisp.testing.UnansweredPort;

/**
 * The fault suite: what each side gets when something goes wrong in the middle of a transfer, on the built WAR in an
 * embedded container, with real WebSockets and real loopback destinations. A destination resets, hangs, half-closes;
 * a client stops reading for a while or for good; the application is undeployed under bulk transfers. Each check
 * states the close the client gets and what the destination sees, and after each one the deployment must be back to
 * zero sessions, streams, threads, sockets, held bytes and paused reads, with no connection thread alive in the JVM.
 * Each container's IT extends this and says how to start the container ({@link #start}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class FaultChecks {
    /** Loopback destinations allowed, every timeout short so each fault shows within seconds. */
    static final String FAULTS = "/faults";
    /** As {@link #FAULTS} with a long send timeout: a client may stop reading for seconds without being cut off. */
    static final String PATIENT = "/faults-patient";
    static final List<String> COUNTED = List.of(FAULTS, PATIENT);
    /** Deployed by the undeploy check only, and undeployed by it under load. */
    static final String UNDEPLOYED = "/faults-undeployed";

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);
    static final Duration DESTINATION_TIMEOUT = Duration.ofSeconds(2);
    static final Duration SEND_TIMEOUT = Duration.ofSeconds(3);
    static final Duration PATIENT_SEND_TIMEOUT = Duration.ofSeconds(15);
    /** wisp.streamByteBudget here: small, so a stalled destination fills it with little data. */
    static final long STREAM_BUDGET = 256 * 1024;
    /**
     * What the README allows beyond a budget: one part consumed before its handler returns (at most 64 KiB on Jetty,
     * 32 KiB on Tomcat) plus the rounding of the last pooled buffer (buffers are at most 64 KiB).
     */
    static final long BUDGET_SLACK = 128 * 1024;
    /** How long undeploy may take with live transfers: the registry's 5 s grace for slow clients, plus start-up noise. */
    static final Duration UNDEPLOY_BOUND = Duration.ofSeconds(10);
    /** Pattern sources stop here in any case, so a check that goes wrong cannot write forever. */
    static final long SOURCE_LIMIT = 1L << 30;

    WarContainer server;

    /** Starts the container with one deployment of the WAR per entry: context path → context params. */
    abstract WarContainer start(Map<String, Map<String, String>> contexts) throws Exception;

    /**
     * Whether a client that stopped reading, once it reads again, finds the server's 1001 close frame after the data
     * in flight. Jetty queues the frame and keeps the connection until it is written; Tomcat gives up writing it after
     * 2 s (JakartaPacketSender's close wait) and drops the connection, so that client sees the connection end without
     * a close frame.
     */
    abstract boolean closeFrameReachesAClientThatStoppedReading();

    @BeforeAll
    void startServer() throws Exception {
        Map<String, Map<String, String>> contexts = new LinkedHashMap<>();
        contexts.put(FAULTS, params(SEND_TIMEOUT));
        contexts.put(PATIENT, params(PATIENT_SEND_TIMEOUT));
        server = start(contexts);
        for (String path : COUNTED) {
            assertTrue(server.isAvailable(path), path + " did not deploy: " + server.startupFailure(path));
        }
    }

    private static Map<String, String> params(Duration sendTimeout) {
        return Map.of("wisp.allowPrivateAddresses", "true",
                "wisp.connectTimeout", CONNECT_TIMEOUT.toMillis() + "ms",
                "wisp.destinationTimeout", DESTINATION_TIMEOUT.toMillis() + "ms",
                "wisp.sendTimeout", sendTimeout.toMillis() + "ms",
                "wisp.streamByteBudget", Long.toString(STREAM_BUDGET),
                "wisp.connectionByteBudget", Long.toString(4 * STREAM_BUDGET),
                "wisp.pingInterval", "0");   // a paused client answers no ping: keep that verdict out of these checks
    }

    @AfterAll
    void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @AfterEach
    void everythingIsReleased() throws Exception {
        for (String path : COUNTED) {
            for (String stat : List.of("Sessions", "Streams", "Threads", "Sockets", "BufferedBytes", "ReadsPaused")) {
                awaitTrue(path + " " + stat + " back to 0", () -> statOf(path, stat) == 0);
            }
        }
        awaitTrue(() -> "no connection thread left in the JVM: " + ThreadCensus.streamThreads(),
                () -> ThreadCensus.streamThreads().isEmpty());
    }

    // ---------------------------------------------------------------------------------- 1. destination resets

    /**
     * The destination resets (SO_LINGER 0, then close) while the server writes the client's upload to it: the stream
     * ends with CLOSE 0x03, the upload stops there, and the WebSocket and its other streams go on.
     */
    @Test
    void destinationResetWhileTheServerWritesToItClosesTheStreamWith0x03() throws Exception {
        long resetAfter = 1024 * 1024;
        AtomicLong readBeforeReset = new AtomicLong();
        try (Targets resetting = Targets.of(s -> {
                    InputStream in = s.getInputStream();
                    byte[] buf = new byte[16 * 1024];
                    long got = 0;
                    for (int n; got < resetAfter && (n = in.read(buf)) >= 0; ) {
                        got += n;
                    }
                    readBeforeReset.set(got);
                    reset(s);
                });
                Targets echo = Targets.echo();
                WispClient c = WispClient.connect(server.wispUri(FAULTS));
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            c.awaitInitialCredit();
            c.connectTcp(2, "127.0.0.1", echo.port());
            assertEchoes(c, 2, "before the reset");
            c.connectTcp(1, "127.0.0.1", resetting.port());
            byte[] upload = new byte[64 * 1024 * 1024];
            Future<Long> sent = pool.submit(() -> c.sendUntilClosed(1, upload, 32 * 1024));
            c.assertClosedWith(1, CloseReason.UNEXPECTED);
            long uploaded = sent.get(WispClient.WAIT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(readBeforeReset.get() >= resetAfter, "the destination read before resetting");
            assertTrue(uploaded < upload.length, "the reset cut the upload short: " + uploaded + " bytes sent");
            assertEchoes(c, 2, "after the reset, on the same WebSocket");
            assertEquals(0, c.packetsAfterClose(1), "nothing for stream 1 after its CLOSE");
            awaitTrue("only the echo stream's socket is left", () -> statOf(FAULTS, "Sockets") == 1);
            c.send(new Close(2, CloseReason.VOLUNTARY));
        }
    }

    /**
     * The destination resets while it sends to the server: the client gets a prefix of what it sent (what was still
     * in the destination's buffers is lost with the reset), then CLOSE 0x03; the WebSocket goes on.
     */
    @Test
    void destinationResetWhileItSendsClosesTheStreamWith0x03AfterAPrefixOfItsBytes() throws Exception {
        PatternSource source = new PatternSource();
        try (Targets resetting = Targets.of(source::serve); Targets echo = Targets.echo();
                WispClient c = WispClient.connect(server.wispUri(FAULTS))) {
            c.awaitInitialCredit();
            c.connectTcp(2, "127.0.0.1", echo.port());
            c.connectTcp(1, "127.0.0.1", resetting.port());
            c.awaitBytes(1, 1024 * 1024);
            source.resetNow();
            c.assertClosedWith(1, CloseReason.UNEXPECTED);
            assertEquals("reset", source.end());
            byte[] got = c.received(1);
            assertTrue(got.length <= source.written(), got.length + " bytes received, " + source.written() + " sent");
            assertPatternPrefix(got, "stream 1");
            assertEquals(0, c.packetsAfterClose(1), "nothing for stream 1 after its CLOSE");
            assertEchoes(c, 2, "after the reset, on the same WebSocket");
            c.send(new Close(2, CloseReason.VOLUNTARY));
        }
    }

    /** wsproxy: a destination that resets while it sends ends the WebSocket with 1014 after a prefix of its bytes. */
    @Test
    void wsproxyDestinationResetClosesTheWebSocketWith1014() throws Exception {
        PatternSource source = new PatternSource();
        try (Targets resetting = Targets.of(source::serve);
                WsproxyClient w = WsproxyClient.connect(wsproxyUri(FAULTS, resetting.port()))) {
            w.awaitBytes(1024 * 1024);
            source.resetNow();
            assertEquals(1014, w.awaitClose(), () -> "error " + w.error());
            assertEquals("destination connection failed", w.closeReason());
            assertEquals("reset", source.end());
            assertPatternPrefix(w.received(), "wsproxy");
        }
    }

    // ------------------------------------------------------------------------------- 2. destination hangs

    /**
     * The destination accepts and then neither reads nor writes. What the client sends within its credit is held by
     * the server up to the stream budget (then the WebSocket is not read further), and once the destination has
     * taken no byte for wisp.destinationTimeout the stream ends with CLOSE 0x47, its socket is closed, what it held
     * is released and reading resumes. A stream to the same kind of destination with nothing waiting for it is not
     * a stalled one: it stays open.
     */
    @Test
    void destinationThatAcceptsAndHangsIsHeldWithinTheBudgetThenClosedWith0x47() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<Long> drained = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (Targets hanging = Targets.withReceiveBuffer(64 * 1024, s -> {
                    release.await(60, TimeUnit.SECONDS);
                    drained.add(s.getInputStream().transferTo(OutputStream.nullOutputStream()));
                });
                Targets echo = Targets.echo();
                WispClient c = WispClient.connect(server.wispUri(FAULTS));
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            c.awaitInitialCredit();
            c.connectTcp(2, "127.0.0.1", echo.port());
            c.connectTcp(3, "127.0.0.1", hanging.port());
            c.sendWithCredit(3, "quiet".getBytes(), 64);   // fits the socket buffers: nothing waits
            c.connectTcp(1, "127.0.0.1", hanging.port());
            long start = System.nanoTime();
            byte[] upload = new byte[32 * 1024 * 1024];   // 128 credits × 64 KiB: far more than any buffer on the way
            Future<Long> sent = pool.submit(() -> c.sendUntilClosed(1, upload, 64 * 1024));
            awaitTrue("reading paused: the stream budget is full", () -> statOf(FAULTS, "ReadsPaused") == 1);
            long maxHeld = 0;
            long deadline = System.nanoTime() + WispClient.WAIT.toNanos();
            while (c.closeOf(1) == null && System.nanoTime() < deadline) {
                maxHeld = Math.max(maxHeld, statOf(FAULTS, "BufferedBytes"));
                Thread.sleep(20);   // sampling what is held until the CLOSE, which is bounded by the deadline
            }
            c.assertClosedWith(1, CloseReason.SERVER_STREAM_TIMED_OUT);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.printf("[faults] %s: stalled destination held at most %d bytes (budget %d); CLOSE 0x47 after"
                    + " %d ms%n", server.name(), maxHeld, STREAM_BUDGET, millis);
            assertTrue(maxHeld >= STREAM_BUDGET / 2 && maxHeld <= STREAM_BUDGET + BUDGET_SLACK,
                    "held " + maxHeld + " bytes against a budget of " + STREAM_BUDGET);
            assertTrue(millis >= DESTINATION_TIMEOUT.toMillis(), "CLOSE 0x47 only after the destination timeout: "
                    + millis + " ms");
            long uploaded = sent.get(WispClient.WAIT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(uploaded < upload.length, "the upload ended with the stream: " + uploaded);
            awaitTrue("the stalled stream's memory is released", () -> statOf(FAULTS, "BufferedBytes") == 0);
            awaitTrue("reading resumed", () -> statOf(FAULTS, "ReadsPaused") == 0);
            assertEquals(2, statOf(FAULTS, "Sockets"), "the echo stream and the quiet stream keep their sockets");
            assertNull(c.closeOf(3), "the quiet stream, open just as long, is not cut off: nothing waited for it");
            assertEchoes(c, 2, "after the stall, on the same WebSocket");
            c.send(new Close(3, CloseReason.VOLUNTARY));
            c.send(new Close(2, CloseReason.VOLUNTARY));
            release.countDown();
            awaitTrue("both destination sockets closed", () -> hanging.connectionsClosed() == 2);
            long delivered = drained.stream().mapToLong(Long::longValue).sum();
            assertTrue(delivered < uploaded + 5, "the destination got only part of the upload: " + delivered);
        }
    }

    /**
     * A connect that is never answered (a listener whose accept queue is full) ends with CLOSE 0x43 after
     * wisp.connectTimeout; the DATA sent right after the CONNECT, held meanwhile, is released. wsproxy: 1014.
     */
    @Test
    void unansweredConnectIsClosedWith0x43AfterTheConnectTimeoutAndReleasesWhatWasQueued() throws Exception {
        try (UnansweredPort silent = new UnansweredPort(); WispClient c = WispClient.connect(server.wispUri(FAULTS))) {
            c.awaitInitialCredit();
            long start = System.nanoTime();
            c.connectTcp(1, "127.0.0.1", silent.port());
            c.sendWithCredit(1, new byte[48 * 1024], 16 * 1024);   // allowed before the stream is up: queued
            awaitTrue("the early DATA is held while connecting", () -> statOf(FAULTS, "BufferedBytes") > 0);
            c.assertClosedWith(1, CloseReason.SERVER_STREAM_CONNECTION_TIMED_OUT);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(millis >= CONNECT_TIMEOUT.toMillis() - 100, "CLOSE 0x43 after " + millis + " ms");
            awaitTrue("the queued DATA is released", () -> statOf(FAULTS, "BufferedBytes") == 0);
            try (WsproxyClient w = WsproxyClient.connect(wsproxyUri(FAULTS, silent.port()))) {
                assertEquals(1014, w.awaitClose());
                assertEquals("connect timed out", w.closeReason());
            }
        }
    }

    // ------------------------------------------------------------------------------ 3. destination half-closes

    /**
     * The destination answers, then shuts down its output and keeps reading. Wisp has no half-close: the client gets
     * every byte, then CLOSE 0x02, and the server closes the whole socket at once, so the destination's read sees EOF.
     * A DATA the client sends after that CLOSE is ignored: it reaches no one and gets no answer.
     */
    @Test
    void destinationHalfCloseGivesEveryByteThenClose0x02AndEndsTheWholeStream() throws Exception {
        byte[] request = "request\n".getBytes();
        byte[] response = PausableSink.pattern(0, 200_000);
        HalfClosingDestination half = new HalfClosingDestination(request.length, response);
        try (Targets halfClosing = Targets.of(half::serve); Targets echo = Targets.echo();
                WispClient c = WispClient.connect(server.wispUri(FAULTS))) {
            c.awaitInitialCredit();
            c.connectTcp(2, "127.0.0.1", echo.port());
            c.connectTcp(1, "127.0.0.1", halfClosing.port());
            c.sendWithCredit(1, request, 64);
            c.assertClosedWith(1, CloseReason.VOLUNTARY);
            assertArrayEquals(response, c.received(1), "every byte before the half-close, then the CLOSE");
            assertEquals("EOF after 0 more bytes", half.afterHalfClose(), "the server closed its end too");
            assertArrayEquals(request, half.request());
            c.send(Data.of(1, "too late".getBytes()));
            assertEchoes(c, 2, "after the half-closed stream ended");
            assertEquals(0, c.packetsAfterClose(1), "a DATA after the CLOSE gets no answer");
            assertEquals(1, halfClosing.connectionsAccepted(), "the late DATA opened nothing");
            c.send(new Close(2, CloseReason.VOLUNTARY));
        }
    }

    /** wsproxy: the same half-close ends the WebSocket with 1000 after every byte; the destination sees EOF. */
    @Test
    void wsproxyDestinationHalfCloseGivesEveryByteThen1000() throws Exception {
        byte[] request = "request\n".getBytes();
        byte[] response = PausableSink.pattern(0, 200_000);
        HalfClosingDestination half = new HalfClosingDestination(request.length, response);
        try (Targets halfClosing = Targets.of(half::serve);
                WsproxyClient w = WsproxyClient.connect(wsproxyUri(FAULTS, halfClosing.port()))) {
            w.sendBinary(request);
            assertEquals(1000, w.awaitClose(), () -> "error " + w.error());
            assertEquals("destination closed the connection", w.closeReason());
            assertArrayEquals(response, w.received());
            assertEquals("EOF after 0 more bytes", half.afterHalfClose());
        }
    }

    /**
     * The other direction: the client sends CLOSE while the destination is still sending. The server closes the
     * destination socket at once, with the destination's bytes unread, so the destination's next write fails (a
     * reset); the client's CLOSE gets no answer, and the WebSocket goes on.
     */
    @Test
    void clientCloseWhileTheDestinationSendsClosesItsSocketAndIsNotAnswered() throws Exception {
        PatternSource source = new PatternSource();
        try (Targets sending = Targets.of(source::serve); Targets echo = Targets.echo();
                WispClient c = WispClient.connect(server.wispUri(FAULTS))) {
            c.awaitInitialCredit();
            c.connectTcp(2, "127.0.0.1", echo.port());
            c.connectTcp(1, "127.0.0.1", sending.port());
            c.awaitBytes(1, 512 * 1024);
            c.send(new Close(1, CloseReason.VOLUNTARY));
            String end = source.end();
            assertTrue(end.startsWith("write failed: "), "the destination's write fails once its socket is closed: "
                    + end);
            assertEchoes(c, 2, "after the client's CLOSE");
            assertNull(c.closeOf(1), "a client CLOSE is not answered");
            assertPatternPrefix(c.received(1), "stream 1 (DATA already in flight may follow the client's CLOSE)");
            c.send(new Close(2, CloseReason.VOLUNTARY));
        }
    }

    // ---------------------------------------------------------------------------------- 4. client reads slowly

    /**
     * The client stops reading its WebSocket in the middle of a 32 MiB echo, until the whole transfer has stalled (the
     * server's sends to it block, and without the CONTINUEs it does not read, its credit runs out), and half a second
     * more; then it resumes. Nothing is lost or reordered, no stream is closed, and meanwhile the server held no more
     * than the stream budget of the upload. (A context with a long send timeout: {@link #PATIENT}.)
     */
    @Test
    void clientThatPausesReadingLosesNothingAndIsHeldWithinTheBudget() throws Exception {
        byte[] payload = new byte[32 * 1024 * 1024];
        new Random(32).nextBytes(payload);
        // small socket buffers at the destination, so the server, not the kernel, holds what backs up
        try (Targets echo = Targets.withReceiveBuffer(64 * 1024, FaultChecks::echoWithSmallSendBuffer);
                WispClient c = WispClient.connect(server.wispUri(PATIENT));
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            c.awaitInitialCredit();
            c.connectTcp(1, "127.0.0.1", echo.port());
            Future<Integer> sent = pool.submit(() -> c.sendWithCredit(1, payload, 32 * 1024));
            c.awaitBytes(1, 1024 * 1024);
            c.pauseReading();
            long pausedAt = System.nanoTime();
            long maxHeld = 0;
            long stableSince = System.nanoTime();
            long toClient = statOf(PATIENT, "BytesToClients");
            long fromClient = statOf(PATIENT, "BytesFromClients");
            long deadline = pausedAt + PATIENT_SEND_TIMEOUT.toNanos() / 2;
            // The pause: until the server has moved no byte either way for half a second (its sends to the client
            // block, and the client, which gets no CONTINUE now, has spent its credit), sampling what it holds.
            while (System.nanoTime() - stableSince < TimeUnit.MILLISECONDS.toNanos(500)) {
                if (System.nanoTime() > deadline) {
                    fail("the transfer did not stall within " + PATIENT_SEND_TIMEOUT.dividedBy(2) + "; held " + maxHeld);
                }
                maxHeld = Math.max(maxHeld, statOf(PATIENT, "BufferedBytes"));
                long to = statOf(PATIENT, "BytesToClients");
                long from = statOf(PATIENT, "BytesFromClients");
                if (to != toClient || from != fromClient) {
                    stableSince = System.nanoTime();
                    toClient = to;
                    fromClient = from;
                }
                Thread.sleep(10);
            }
            long pauseMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - pausedAt);
            int receivedBefore = c.receivedCount(1);
            c.resumeReading();
            byte[] back = c.awaitBytes(1, payload.length);
            sent.get(WispClient.WAIT.toSeconds(), TimeUnit.SECONDS);
            System.out.printf("[faults] %s: client stopped reading for %d ms after %d bytes; the transfer stalled at"
                    + " %d bytes up, %d down; the server held at most %d bytes of the upload%n", server.name(),
                    pauseMillis, receivedBefore, fromClient, toClient, maxHeld);
            assertEquals(sha256(payload), sha256(back), "SHA-256 of the 32 MiB echoed back");
            assertNull(c.closeOf(1), "a client that pauses is not closed");
            assertTrue(maxHeld <= STREAM_BUDGET + BUDGET_SLACK, "held " + maxHeld + " bytes while the client paused");
            c.send(new Close(1, CloseReason.VOLUNTARY));
        }
    }

    /**
     * The client stops reading for good: after wisp.sendTimeout the server closes the WebSocket (1001 `send timed
     * out`) and the destination socket at once, and releases the connection. The client, once it reads again, gets a
     * prefix of the destination's bytes, then the close frame on Jetty, or the end of the connection on Tomcat (see
     * {@link #closeFrameReachesAClientThatStoppedReading}).
     */
    @Test
    void clientThatStopsReadingIsCutOffAfterTheSendTimeout() throws Exception {
        PatternSource source = new PatternSource();
        try (Targets sending = Targets.of(source::serve); WispClient c = WispClient.connect(server.wispUri(FAULTS))) {
            c.awaitInitialCredit();
            c.connectTcp(1, "127.0.0.1", sending.port());
            c.awaitBytes(1, 256 * 1024);
            c.pauseReading();
            long start = System.nanoTime();
            String end = source.end();
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(end.startsWith("write failed: "), "the destination socket is closed: " + end);
            assertTrue(millis >= SEND_TIMEOUT.toMillis() - 200, "not before the send timeout: " + millis + " ms");
            // at the timeout: Tomcat's attempt to write the close frame (up to 2 s) used to come first
            assertTrue(millis < SEND_TIMEOUT.toMillis() + 1_500, "at the send timeout: " + millis + " ms");
            awaitTrue("the connection is released on the server", () -> statOf(FAULTS, "Sessions") == 0);
            c.resumeReading();
            if (closeFrameReachesAClientThatStoppedReading()) {
                assertEquals(1001, c.awaitWebSocketClose(), () -> "error " + c.error());
                assertEquals("send timed out", c.webSocketCloseReason());
            } else {
                assertEquals(-1, c.awaitWebSocketClose(), "the connection ends without a close frame");
            }
            assertPatternPrefix(c.received(1), "stream 1");
            System.out.printf("[faults] %s: a client that stopped reading was cut off after %d ms%n", server.name(),
                    millis);
        }
    }

    // ------------------------------------------------------------------------------------ 5. undeploy mid-transfer

    /**
     * Undeploy under bulk transfers both ways: a Wisp download, a Wisp upload (one 256 MiB DATA packet, as browsers
     * send a request body) and a wsproxy download. Each Wisp stream gets CLOSE 0x02, then its WebSocket closes with
     * 1001 {@code server shutting down}; the wsproxy client gets the 1001; every destination socket is closed, no
     * connection thread is left, and undeploy returns within the bound. The uploading client reads raw frames: Jetty
     * drops the TCP connection right after a close code other than 1000, so a client still sending gets a reset, and
     * the Jetty client then discards what it had not read yet, CLOSEs and close frame included (README, "Fault
     * behaviour"). What matters here is what was on the wire.
     */
    @Test
    void undeployMidTransferClosesEveryStreamThenEveryWebSocketAndLeavesNothing() throws Exception {
        server.deploy(UNDEPLOYED, Map.of("wisp.allowPrivateAddresses", "true", "wisp.pingInterval", "0"));
        boolean deployed = true;
        PatternSource download = new PatternSource();
        PatternSource wsproxyDownload = new PatternSource();
        Targets.Digest sunk = Targets.newDigest();
        try (Targets sink = Targets.sink(sunk); Targets source = Targets.of(download::serve);
                Targets wsproxySource = Targets.of(wsproxyDownload::serve);
                WispClient c = WispClient.connect(server.wispUri(UNDEPLOYED));
                RawWebSocket up = RawWebSocket.upgrade(server.port(), UNDEPLOYED + "/").socket();
                WsproxyClient w = WsproxyClient.connect(wsproxyUri(UNDEPLOYED, wsproxySource.port()))) {
            assertTrue(server.isAvailable(UNDEPLOYED), "deployed: " + server.startupFailure(UNDEPLOYED));
            c.awaitInitialCredit();
            c.connectTcp(1, "127.0.0.1", source.port());
            assertEquals(new Continue(0, 128), decode(up.readFrame()), "initial credit");
            up.sendBinary(bytes(WispCodec.encode(new Connect(1, StreamType.TCP, sink.port(), "127.0.0.1"))));
            Thread uploader = Thread.ofVirtual().name("raw-upload").start(() -> up.streamData(1, 256L << 20));
            awaitTrue("all three transfers under way", () -> sunk.count() >= 1 << 20 && c.receivedCount(1) >= 1 << 20
                    && wsproxyDownload.written() >= 1 << 20);
            assertEquals(3, statOf(UNDEPLOYED, "Streams"), "2 Wisp streams and 1 wsproxy connection");
            assertEquals(3, statOf(UNDEPLOYED, "Sockets"));
            long start = System.nanoTime();
            server.undeploy(UNDEPLOYED);
            deployed = false;
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertEquals(new Close(1, CloseReason.VOLUNTARY), decode(up.readFrame()), "the uploader's CLOSE 0x02");
            RawWebSocket.Frame last = up.readFrame();
            assertEquals(RawWebSocket.OPCODE_CLOSE, last.opcode(), "then the close frame, nothing in between");
            assertEquals(1001, last.closeCode());
            assertEquals("server shutting down", last.closeReason());
            up.close();
            uploader.join(WispClient.WAIT.toMillis());
            assertFalse(uploader.isAlive(), "the upload ends with the connection");

            assertEquals(1001, c.awaitWebSocketClose(), () -> "error " + c.error());
            assertEquals("server shutting down", c.webSocketCloseReason());
            // recorded before the close frame was handled: the CLOSE came first
            assertEquals(new Close(1, CloseReason.VOLUNTARY), c.closeOf(1), "the downloader's CLOSE 0x02");
            assertPatternPrefix(c.received(1), "the Wisp download");
            assertEquals(1001, w.awaitClose(), () -> "error " + w.error());
            assertEquals("server shutting down", w.closeReason());
            assertPatternPrefix(w.received(), "the wsproxy download");

            assertTrue(download.end().startsWith("write failed: "), "the Wisp download's destination: "
                    + download.end());
            assertTrue(wsproxyDownload.end().startsWith("write failed: "), "the wsproxy download's destination: "
                    + wsproxyDownload.end());
            awaitTrue("the upload's sink sees its socket closed", () -> sink.connectionsClosed() == 1);
            awaitTrue(() -> "no stream thread left: " + ThreadCensus.streamThreads(),
                    () -> ThreadCensus.streamThreads().isEmpty());
            assertFalse(WarContainer.statsRegistered(UNDEPLOYED), "the MBean is unregistered");
            System.out.printf("[faults] %s: undeploy under 3 bulk transfers took %d ms; DATA after the CLOSE on the"
                    + " download: %d packets%n", server.name(), millis, c.packetsAfterClose(1));
            assertTrue(millis < UNDEPLOY_BOUND.toMillis(), "undeploy took " + millis + " ms");
        } finally {
            if (deployed) {
                server.undeploy(UNDEPLOYED);
            }
        }
    }

    private static WispPacket decode(RawWebSocket.Frame frame) throws Exception {
        assertEquals(RawWebSocket.OPCODE_BINARY, frame.opcode(), "a Wisp packet");
        return WispCodec.decode(ByteBuffer.wrap(frame.payload()), Role.SERVER);
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    // ----------------------------------------------------------------------------------------------------- helpers

    /** Round-trips 64 KiB on the echo stream {@code streamId}: the WebSocket and that stream still work. */
    private static void assertEchoes(WispClient c, int streamId, String when) throws Exception {
        byte[] before = c.received(streamId);
        byte[] probe = new byte[64 * 1024];
        new Random(streamId).nextBytes(probe);
        c.sendWithCredit(streamId, probe, 16 * 1024);
        byte[] all = c.awaitBytes(streamId, before.length + probe.length);
        assertArrayEquals(probe, java.util.Arrays.copyOfRange(all, before.length, all.length),
                "the echo stream works " + when);
        assertNull(c.closeOf(streamId), "the echo stream is open " + when);
    }

    /** Echoes until EOF through a small send buffer, so the echo backs up soon when its bytes are not taken. */
    private static void echoWithSmallSendBuffer(Socket s) throws IOException {
        s.setSendBufferSize(64 * 1024);
        s.getInputStream().transferTo(s.getOutputStream());
    }

    /** A destination socket reset: SO_LINGER 0, then close sends RST instead of FIN. */
    private static void reset(Socket s) throws IOException {
        s.setSoLinger(true, 0);
        s.close();
    }

    URI wsproxyUri(String context, int port) {
        return URI.create(server.wispUri(context) + "127.0.0.1:" + port);
    }

    /** Bytes must be the start of {@link PausableSink#expected}'s pattern: nothing lost, reordered or invented. */
    private static void assertPatternPrefix(byte[] got, String what) {
        for (int i = 0; i < got.length; i++) {
            if (got[i] != PausableSink.expected(i)) {
                fail(what + ": byte " + i + " of " + got.length + " is not the destination's");
            }
        }
    }

    /**
     * A destination that writes {@link PausableSink#expected}'s pattern in 16 KiB writes until its write fails, until
     * told to reset (then it does, between two writes), or until {@link #SOURCE_LIMIT}. Thread-safe.
     */
    static final class PatternSource {
        private final CountDownLatch resetNow = new CountDownLatch(1);
        private final CompletableFuture<String> end = new CompletableFuture<>();
        private final AtomicLong written = new AtomicLong();

        void serve(Socket s) throws IOException {
            OutputStream out = s.getOutputStream();
            byte[] chunk = new byte[16 * 1024];
            long position = 0;
            try {
                while (position < SOURCE_LIMIT) {
                    if (resetNow.getCount() == 0) {
                        reset(s);
                        end.complete("reset");
                        return;
                    }
                    for (int i = 0; i < chunk.length; i++) {
                        chunk[i] = PausableSink.expected(position + i);
                    }
                    out.write(chunk);
                    position += chunk.length;
                    written.set(position);
                }
                end.complete("wrote " + SOURCE_LIMIT + " bytes without a failure");
            } catch (IOException e) {
                end.complete("write failed: " + e.getMessage());
            }
        }

        void resetNow() {
            resetNow.countDown();
        }

        long written() {
            return written.get();
        }

        /** How the destination's writing ended, waiting at most 20 s. */
        String end() throws Exception {
            return end.get(WispClient.WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /**
     * A destination that reads a request of known length, writes its response, shuts its output down (half-close) and
     * keeps reading, recording what more arrives and how its reading ends. Thread-safe.
     */
    static final class HalfClosingDestination {
        private final int requestLength;
        private final byte[] response;
        private final CompletableFuture<byte[]> request = new CompletableFuture<>();
        private final CompletableFuture<String> afterHalfClose = new CompletableFuture<>();

        HalfClosingDestination(int requestLength, byte[] response) {
            this.requestLength = requestLength;
            this.response = response;
        }

        void serve(Socket s) throws IOException {
            InputStream in = s.getInputStream();
            request.complete(in.readNBytes(requestLength));
            s.getOutputStream().write(response);
            s.shutdownOutput();
            ByteArrayOutputStream more = new ByteArrayOutputStream();
            byte[] buf = new byte[16 * 1024];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    more.write(buf, 0, n);
                }
                afterHalfClose.complete("EOF after " + more.size() + " more bytes");
            } catch (IOException e) {
                afterHalfClose.complete(e.getMessage() + " after " + more.size() + " more bytes");
            }
        }

        byte[] request() throws Exception {
            return request.get(WispClient.WAIT.toSeconds(), TimeUnit.SECONDS);
        }

        String afterHalfClose() throws Exception {
            return afterHalfClose.get(WispClient.WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    static long statOf(String path, String attribute) {
        return WispEndToEndChecks.statOf(path, attribute);
    }

    static void awaitTrue(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        WispEndToEndChecks.awaitTrue(what, condition);
    }

    static void awaitTrue(java.util.function.Supplier<String> what, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        WispEndToEndChecks.awaitTrue(what, condition);
    }

    static String sha256(byte[] bytes) throws Exception {
        return WispEndToEndChecks.sha256(bytes);
    }
}
