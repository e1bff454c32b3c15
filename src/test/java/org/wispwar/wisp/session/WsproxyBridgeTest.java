package org.wispwar.wisp.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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

/**
 * A {@link WsproxyBridge} without a container: a recording sender stands in for the WebSocket, destinations are real
 * loopback servers. Every test ends with the bridge's threads gone and the metrics back to zero.
 */
class WsproxyBridgeTest {
    private static final Duration SEND_TIMEOUT = Duration.ofMillis(300);

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
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    static WispConfig config() {
        return new WispConfig(128, 1024, 4096, Duration.ofSeconds(5), SEND_TIMEOUT, Duration.ZERO, 1024, true, true);
    }

    void open(String host, int port, boolean allowPrivateAddresses) {
        TcpDialer dialer = new TcpDialer(resolver, DestinationPolicy.of(allowPrivateAddresses), Duration.ofSeconds(5),
                true);
        bridge = new WsproxyBridge("t", new WsproxyTarget(host, port, ""), config(), sender, dialer, metrics);
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

    void awaitClosed() throws Exception {
        bridge.closed().toCompletableFuture().get(RecordingPacketSender.WAIT_SECONDS, TimeUnit.SECONDS);
    }

    // ---------------------------------------------------------------------------------------------------- tests

    @Test
    void cleanClientCloseWritesTheLastBytesThenTheDestinationSeesEof() throws Exception {
        Received r = recordingServer();
        open("127.0.0.1", server.port(), true);
        bridge.acceptFromClient(ascii("hello, "));
        Await.until("the destination got the first message", () -> r.text().equals("hello, "));
        assertEquals(1, metrics.sessions(), "a wsproxy connection counts as a session");
        assertEquals(1, metrics.streams(), "and as a stream");
        assertEquals(1, metrics.sockets());
        assertEquals(2, metrics.threads(), "-up and -down");

        bridge.acceptFromClient(ascii("world"));
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
        bridge = new WsproxyBridge("t", new WsproxyTarget(TestResolver.SLOW_NAME, server.port(), ""), config(), sender,
                slow, metrics);
        bridge.start();
        resolver.awaitResolving();
        for (String m : new String[] {"one ", "two ", "three"}) {
            bridge.acceptFromClient(ascii(m));
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
    void fullQueueWaitsAtMostTheSendTimeoutThenClosesWith1008() throws Exception {
        server = LoopbackServer.startWithReceiveBuffer(4096, LoopbackServer.HOLD);   // accepts, never reads
        open("127.0.0.1", server.port(), true);
        server.nextConnection();
        byte[] message = new byte[1024];
        long longest = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            long max = 0;
            // Socket buffers first, then the 4 × 1024-byte queue; then a message waits for room and gives up.
            for (int i = 0; i < 1_000_000 && sender.closes().isEmpty(); i++) {
                long start = System.nanoTime();
                bridge.acceptFromClient(ByteBuffer.wrap(message.clone()));
                max = Math.max(max, System.nanoTime() - start);
            }
            return max;
        }, "the receive thread is never held longer than the send timeout per message");
        assertEquals(List.of("1008 destination not reading"), sender.closes());
        assertTrue(longest >= SEND_TIMEOUT.toNanos(), "the full queue waited the send timeout: " + longest + " ns");
        assertTrue(longest < SEND_TIMEOUT.toNanos() * 10, "but not much longer: " + longest + " ns");
        awaitClosed();
        long start = System.nanoTime();
        bridge.acceptFromClient(ByteBuffer.wrap(message));
        assertTrue(System.nanoTime() - start < SEND_TIMEOUT.toNanos(), "after the close, messages are dropped at once");
    }

    @Test
    void cleanCloseToADestinationThatDoesNotReadIsCutOffAfterTheSendTimeout() throws Exception {
        server = LoopbackServer.startWithReceiveBuffer(4096, LoopbackServer.HOLD);   // accepts, never reads
        open("127.0.0.1", server.port(), true);
        server.nextConnection();
        // A message always fits an empty queue; 16 MB is far more than the socket buffers take, so -up stays blocked
        // writing it and it stays queued.
        bridge.acceptFromClient(ByteBuffer.allocate(16 * 1024 * 1024));
        long start = System.nanoTime();
        bridge.finish();
        awaitClosed();
        long waited = System.nanoTime() - start;
        assertTrue(waited >= SEND_TIMEOUT.toNanos(), "the destination had the send timeout to take the bytes: " + waited);
        assertEquals(List.of(), sender.closes(), "the client had closed: nothing is sent");
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
        bridge = new WsproxyBridge("t", new WsproxyTarget(TestResolver.SLOW_NAME, server.port(), ""), config(), sender,
                slow, metrics);
        bridge.start();
        resolver.awaitResolving();
        bridge.acceptFromClient(ascii("queued"));
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
        bridge.acceptFromClient(ByteBuffer.allocate(0));
        bridge.acceptFromClient(ascii("x"));
        Await.until("the destination got x", () -> r.text().equals("x"));
        assertArrayEquals(new byte[0], sender.sent().getBytes(StandardCharsets.ISO_8859_1));
    }
}
