package org.wispwar.wisp.wsproxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.wispwar.wisp.config.WispConfig;
import org.wispwar.wisp.transport.DestinationPolicy;
import org.wispwar.wisp.transport.TcpDialer;
import org.wispwar.wisp.testing.Await;
import org.wispwar.wisp.testing.LoopbackServer;
import org.wispwar.wisp.testing.RecordingPacketSender;
import org.wispwar.wisp.testing.TestResolver;
import org.wispwar.wisp.testing.RecordingReadControl;
import org.wispwar.wisp.config.BudgetConfig;
import org.wispwar.wisp.limits.ByteBudget;
import org.wispwar.wisp.stream.BufferPool;
import org.wispwar.wisp.metrics.WispMetrics;
import org.wispwar.wisp.stream.PacketSender;

/**
 * A {@link WsproxyBridge} without a container: a recording sender stands in for the WebSocket, destinations are real
 * loopback servers. Every test ends with the bridge's threads gone and the metrics back to zero.
 */
class WsproxyBridgeTest {
    private static final Duration SEND_TIMEOUT = Duration.ofMillis(300);
    private static final Duration STALL = Duration.ofMillis(300);

    /** The WebSocket side: the bytes sent to the client, and the close it was given. Thread-safe. */
    static final class RawSender implements PacketSender {
        private final ReentrantLock lock = new ReentrantLock();
        /** Guarded by lock. */
        private final ByteArrayOutputStream sent = new ByteArrayOutputStream();
        /** Guarded by lock. Every closeConnection call, as "code reason", after the bytes sent before it. */
        private final List<String> closes = new ArrayList<>();
        private volatile boolean broken;

        @Override
        public void sendFrame(ByteBuffer frame) throws IOException {
            if (broken) {
                throw new IOException("WebSocket is closed");
            }
            byte[] copy = new byte[frame.remaining()];
            frame.duplicate().get(copy);   // the bridge reuses its read buffer once this returns
            lock.lock();
            try {
                sent.writeBytes(copy);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void closeConnection(int code, String reason) {
            lock.lock();
            try {
                closes.add(code + " " + reason);
            } finally {
                lock.unlock();
            }
        }

        String sent() {
            lock.lock();
            try {
                return sent.toString(StandardCharsets.ISO_8859_1);
            } finally {
                lock.unlock();
            }
        }

        List<String> closes() {
            lock.lock();
            try {
                return List.copyOf(closes);
            } finally {
                lock.unlock();
            }
        }
    }

    /** What one destination connection received, and how it ended. */
    record Received(ByteArrayOutputStream bytes, CompletableFuture<String> end) {
        static Received create() {
            return new Received(new ByteArrayOutputStream(), new CompletableFuture<>());
        }

        String text() {
            synchronized (bytes) {
                return bytes.toString(StandardCharsets.ISO_8859_1);
            }
        }
    }

    final RawSender sender = new RawSender();
    final WispMetrics metrics = new WispMetrics();
    final RecordingReadControl reads = new RecordingReadControl();
    final ByteBudget serverBudget = new ByteBudget("wisp.serverByteBudget", 64L << 20, null);
    final TestResolver resolver = new TestResolver();
    LoopbackServer server;
    WsproxyBridge bridge;

    @AfterEach
    void everythingIsReleased() throws Exception {
        try {
            if (bridge != null) {
                resolver.release();
                bridge.shutdown();
                assertTrue(bridge.awaitThreads(RecordingPacketSender.WAIT_SECONDS, TimeUnit.SECONDS),
                        "the bridge's threads end after shutdown");
                Await.until(() -> "metrics back to 0: sessions " + metrics.sessions() + ", streams " + metrics.streams()
                                + ", threads " + metrics.threads() + ", sockets " + metrics.sockets(),
                        () -> metrics.sessions() == 0 && metrics.streams() == 0 && metrics.threads() == 0
                                && metrics.sockets() == 0);
                Await.until(() -> "every buffer back; held " + serverBudget.used(), () -> serverBudget.used() == 0);
                assertEquals(0, reads.misuses(), "pause and resume alternate");
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    /** Budgets of 64 KiB per stream and connection; the destination timeout is {@link #STALL}. */
    static WispConfig config() {
        return new WispConfig(128, 1 << 20, 4096, Duration.ofSeconds(5), SEND_TIMEOUT, Duration.ZERO, 1024, true, true)
                .withBudgets(new BudgetConfig(64 * 1024, 64 * 1024, 64L << 20, STALL));
    }

    void open(String host, int port, boolean allowPrivateAddresses) {
        TcpDialer dialer = new TcpDialer(resolver, DestinationPolicy.of(allowPrivateAddresses), Duration.ofSeconds(5),
                true);
        open(new WsproxyTarget(host, port, ""), dialer);
    }

    void open(WsproxyTarget target, TcpDialer dialer) {
        bridge = WsproxyBridge.create("t", target, config(), new WsproxyBridge.Resources(sender, dialer, metrics,
                new BufferPool(1 << 20), serverBudget, reads, null));
        bridge.start();
    }

    /** A destination that records what it reads until EOF (or reset). */
    Received recordingServer() throws IOException {
        Received r = Received.create();
        server = LoopbackServer.start(socket -> {
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[16 * 1024];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    synchronized (r.bytes()) {
                        r.bytes().write(buf, 0, n);
                    }
                }
                r.end().complete("EOF");
            } catch (IOException e) {
                r.end().complete("reset");
            }
        });
        return r;
    }

    static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Whether reading is paused and stays so for {@code d} (a destination that still drains resumes it). */
    boolean pausedFor(Duration d) throws InterruptedException {
        long end = System.nanoTime() + d.toNanos();
        while (reads.paused()) {
            if (System.nanoTime() >= end) {
                return true;
            }
            Thread.sleep(10);
        }
        return false;
    }

    void awaitClosed() throws Exception {
        bridge.closed().toCompletableFuture().get(RecordingPacketSender.WAIT_SECONDS, TimeUnit.SECONDS);
    }

    // ---------------------------------------------------------------------------------------------------- tests

    @Test
    void cleanClientCloseWritesTheLastBytesThenTheDestinationSeesEof() throws Exception {
        Received r = recordingServer();
        open("127.0.0.1", server.port(), true);
        bridge.acceptPart(ascii("hello, "), true);
        Await.until("the destination got the first message", () -> r.text().equals("hello, "));
        assertEquals(1, metrics.sessions(), "a wsproxy connection counts as a session");
        assertEquals(1, metrics.streams(), "and as a stream");
        assertEquals(1, metrics.sockets());
        assertEquals(2, metrics.threads(), "-up and -down");

        bridge.acceptPart(ascii("world"), true);
        bridge.finish();

        assertEquals("EOF", r.end().get(RecordingPacketSender.WAIT_SECONDS, TimeUnit.SECONDS));
        assertEquals("hello, world", r.text(), "every byte before the close, then EOF");
        awaitClosed();
        assertEquals(List.of(), sender.closes(), "the client closed: nothing is sent back");
        assertEquals(12, metrics.bytesFromClients());
    }

    @Test
    void destinationBytesAreSentAsTheyArriveAndItsEofClosesWith1000() throws Exception {
        server = LoopbackServer.start(socket -> {
            socket.getOutputStream().write("SSH-2.0-test\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.close();
        });
        open("127.0.0.1", server.port(), true);
        awaitClosed();
        assertEquals("SSH-2.0-test\r\n", sender.sent(), "every byte before EOF");
        assertEquals(List.of("1000 destination closed the connection"), sender.closes());
        assertEquals(14, metrics.bytesToClients());
    }

    @Test
    void messagesThatArriveWhileConnectingAreWrittenInOrder() throws Exception {
        Received r = recordingServer();
        TcpDialer slow = new TcpDialer(resolver, DestinationPolicy.of(true), Duration.ofSeconds(5), true);
        open(new WsproxyTarget(TestResolver.SLOW_NAME, server.port(), ""), slow);
        resolver.awaitResolving();
        for (String m : new String[] {"one ", "two ", "three"}) {
            bridge.acceptPart(ascii(m), true);
        }
        assertEquals(0, server.acceptedCount(), "still resolving");
        resolver.release();
        Await.until(() -> "queued messages written in order; got \"" + r.text() + "\"", () -> r.text().equals("one two three"));
    }

    @Test
    void refusedConnectClosesWith1014() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        open("127.0.0.1", closedPort, true);
        awaitClosed();
        assertEquals(List.of("1014 connection refused"), sender.closes());
    }

    @Test
    void unknownHostClosesWith1014() throws Exception {
        open("no-such-host.invalid", 80, true);
        awaitClosed();
        assertEquals(List.of("1014 host not found"), sender.closes());
    }

    @Test
    void loopbackRefusedByThePolicyClosesWith1008AndDialsNothing() throws Exception {
        recordingServer();
        open("127.0.0.1", server.port(), false);
        awaitClosed();
        assertEquals(List.of("1008 destination blocked"), sender.closes());
        assertEquals(0, server.acceptedCount(), "nothing was dialed");
    }

    @Test
    void aFullBudgetPausesReadingWithoutBlockingAndAStalledDestinationClosesWith1008() throws Exception {
        server = LoopbackServer.startWithReceiveBuffer(4096, LoopbackServer.HOLD);   // accepts, never reads
        open("127.0.0.1", server.port(), true);
        server.nextConnection();
        byte[] message = new byte[1024];
        long longest = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            long max = 0;
            // Socket buffers first, then the 64 KiB budget; then reading pauses, and stays paused.
            for (int i = 0; i < 4_000_000 && !pausedFor(Duration.ofMillis(200)); i++) {
                long start = System.nanoTime();
                bridge.acceptPart(ByteBuffer.wrap(message), true);
                max = Math.max(max, System.nanoTime() - start);
            }
            return max;
        }, "reading pauses once the budget is full, for good");
        assertTrue(reads.paused(), "reading paused");
        assertTrue(longest < Duration.ofMillis(200).toNanos(), "the receive thread is never held: " + longest + " ns");
        assertTrue(bridge.heldBytes() <= 64 * 1024 + 1024, "held within the budget plus one part: " + bridge.heldBytes());
        assertEquals(List.of(), sender.closes(), "nothing was refused or closed for it");
        assertFalse(bridge.closeIfStalled(System.nanoTime(), STALL.toNanos() * 100), "not stalled yet");
        Await.until("the stall is seen", () -> bridge.closeIfStalled(System.nanoTime(), STALL.toNanos()));
        awaitClosed();
        assertEquals(List.of("1008 destination not reading"), sender.closes());
        assertFalse(reads.paused(), "closing lets the paused reader go");
        Await.until(() -> "what the bridge held is released once -up's write returns; held " + serverBudget.used(),
                () -> serverBudget.used() == 0);
    }

    @Test
    void cleanCloseToADestinationThatDoesNotReadIsCutOffOnceStalled() throws Exception {
        server = LoopbackServer.startWithReceiveBuffer(4096, LoopbackServer.HOLD);   // accepts, never reads
        open("127.0.0.1", server.port(), true);
        server.nextConnection();
        byte[] message = new byte[16 * 1024];
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            // until the socket buffers and the budget are full and -up stays blocked writing
            for (int i = 0; i < 1_000_000 && !pausedFor(Duration.ofMillis(200)); i++) {
                bridge.acceptPart(ByteBuffer.wrap(message), true);
            }
        });
        assertTrue(bridge.heldBytes() > 0, "bytes wait for the destination");
        bridge.finish();
        Await.until("the destination is seen taking nothing",
                () -> bridge.closeIfStalled(System.nanoTime(), STALL.toNanos()));
        awaitClosed();
        assertEquals(List.of(), sender.closes(), "the client had closed: nothing is sent");
        Await.until(() -> "what the bridge held is released once -up's write returns; held " + serverBudget.used(),
                () -> serverBudget.used() == 0);
    }

    @Test
    void aMessageOverTheLimitClosesWith1009() throws Exception {
        Received r = recordingServer();
        open("127.0.0.1", server.port(), true);
        bridge.acceptPart(ascii("first"), true);
        Await.until("connected and written", () -> r.text().equals("first"));
        bridge.acceptPart(ByteBuffer.allocate(600 * 1024), false);
        bridge.acceptPart(ByteBuffer.allocate(600 * 1024), true);   // 1.2 MB in one message, over the 1 MiB limit
        awaitClosed();
        assertEquals(List.of("1009 message too big"), sender.closes());
        Await.until(() -> "what the bridge held is released once -up's write returns; held " + serverBudget.used(),
                () -> serverBudget.used() == 0);
        assertTrue(r.end().get(RecordingPacketSender.WAIT_SECONDS, TimeUnit.SECONDS) != null, "the socket is closed");
    }

    @Test
    void aMessageInPartsReachesTheDestinationWhole() throws Exception {
        Received r = recordingServer();
        open("127.0.0.1", server.port(), true);
        bridge.acceptPart(ascii("hel"), false);
        bridge.acceptPart(ascii("lo, "), false);
        bridge.acceptPart(ascii("parts"), true);
        Await.until(() -> "got \"" + r.text() + "\"", () -> r.text().equals("hello, parts"));
    }

    @Test
    void failedSendEndsTheBridgeWithoutASecondClose() throws Exception {
        Received r = Received.create();
        server = LoopbackServer.start(socket -> {
            socket.getOutputStream().write("banner".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            try {
                while (in.read() >= 0) {
                    // wait for EOF
                }
                r.end().complete("EOF");
            } catch (IOException e) {
                r.end().complete("reset");
            }
        });
        sender.broken = true;   // the WebSocket is gone; a real sender has closed it already
        open("127.0.0.1", server.port(), true);
        awaitClosed();
        assertEquals("EOF", r.end().get(RecordingPacketSender.WAIT_SECONDS, TimeUnit.SECONDS),
                "the destination socket is closed");
        assertEquals(List.of(), sender.closes(), "the sender closes the WebSocket itself when a send fails");
    }

    @Test
    void shutdownWhileConnectingReleasesEverythingAndSendsNothing() throws Exception {
        recordingServer();
        TcpDialer slow = new TcpDialer(resolver, DestinationPolicy.of(true), Duration.ofSeconds(5), true);
        open(new WsproxyTarget(TestResolver.SLOW_NAME, server.port(), ""), slow);
        resolver.awaitResolving();
        bridge.acceptPart(ascii("queued"), true);
        bridge.shutdown();
        resolver.release();
        assertTrue(bridge.awaitThreads(RecordingPacketSender.WAIT_SECONDS, TimeUnit.SECONDS), "threads end");
        assertEquals(List.of(), sender.closes());
        assertEquals(0, server.acceptedCount(), "the connect that finished after the shutdown was abandoned");
    }

    @Test
    void emptyMessageWritesNothing() throws Exception {
        Received r = recordingServer();
        open("127.0.0.1", server.port(), true);
        bridge.acceptPart(ByteBuffer.allocate(0), true);
        bridge.acceptPart(ascii("x"), true);
        Await.until("the destination got x", () -> r.text().equals("x"));
        assertArrayEquals(new byte[0], sender.sent().getBytes(StandardCharsets.ISO_8859_1));
    }
}
