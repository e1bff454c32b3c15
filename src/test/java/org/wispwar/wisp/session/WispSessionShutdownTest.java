package org.wispwar.wisp.session;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.Continue;
import org.wispwar.wisp.protocol.Data;
import org.wispwar.wisp.protocol.StreamType;
import org.wispwar.wisp.testing.Await;
import org.wispwar.wisp.testing.LoopbackServer;
import org.wispwar.wisp.testing.TestResolver;

/** The WebSocket goes away mid-transfer: the session releases every stream, socket and thread, and sends nothing. */
class WispSessionShutdownTest extends SessionTestSupport {
    private static final int STREAMS = 3;
    private static final int PACKETS_UP = 10;   // fewer than B/2, so -up sends no CONTINUE
    private static final int PACKET_SIZE = 1000;



    /** One destination connection: reads and counts; a second thread writes without end. */
    private record Peer(AtomicLong received, CompletableFuture<String> end) {
    }

    @Test
    void shutdownMidTransferReleasesEverySocketAndThreadAndSendsNothing() throws Exception {
        h = new SessionHarness(SessionHarness.config(128), new TestResolver(), true);
        List<Peer> peers = new CopyOnWriteArrayList<>();
        server = LoopbackServer.start(socket -> {
            Peer peer = new Peer(new AtomicLong(), new CompletableFuture<>());
            peers.add(peer);
            Thread.ofPlatform().daemon().start(() -> writeForever(socket));
            socket.setSoTimeout(5_000);
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[16 * 1024];
            try {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    peer.received().addAndGet(n);
                }
                peer.end().complete("EOF");
            } catch (SocketTimeoutException e) {
                peer.end().complete("no EOF or reset within 5 s");
            } catch (SocketException e) {
                peer.end().complete("reset");
            }
        });
        h.session.start();
        h.sender.assertNext(new Continue(0, 128));

        h.sender.closeGate();   // the WebSocket stops draining: every send from now on blocks
        for (int id = 1; id <= STREAMS; id++) {
            h.send(new Connect(id, StreamType.TCP, server.port(), "127.0.0.1"));
            for (int p = 0; p < PACKETS_UP; p++) {
                h.send(Data.of(id, new byte[PACKET_SIZE]));
            }
        }
        Await.until(() -> "every stream's -down is blocked sending DATA; blocked: " + h.sender.blockedSenders(),
                () -> h.sender.blockedSenders() == STREAMS);
        Await.until(() -> "every destination received the client's DATA",
                () -> peers.size() == STREAMS
                        && peers.stream().allMatch(p -> p.received().get() == PACKETS_UP * PACKET_SIZE));
        assertEquals(STREAMS, h.metrics.sockets(), "open sockets mid-transfer");

        h.session.shutdown();
        h.sender.stop();

        assertEquals(0, h.metrics.sockets(), "open sockets right after shutdown");
        assertEquals(0, h.metrics.streams(), "registered streams right after shutdown");
        assertEquals(0, h.metrics.sessions(), "live sessions right after shutdown");
        for (Peer peer : peers) {
            String end = assertDoesNotThrow(() -> peer.end().get(10, TimeUnit.SECONDS),
                    "a destination's reader ends within 10 s");
            assertTrue(end.equals("EOF") || end.equals("reset"), "a destination saw: " + end);
        }
        h.awaitNoThreads();
        assertTrue(h.session.awaitThreads(5, TimeUnit.SECONDS), "the session's executor terminates");
        // @AfterEach: the DATA blocked at shutdown was abandoned (its thread interrupted), and no send started later
    }

    @Test
    void shutdownWithIdleStreamsSendsNoClose() throws Exception {
        h = new SessionHarness(SessionHarness.config(128), new TestResolver(), true);
        server = LoopbackServer.start(LoopbackServer.HOLD);
        List<Socket> destinations = new ArrayList<>();
        for (int id = 1; id <= STREAMS; id++) {
            h.send(new Connect(id, StreamType.TCP, server.port(), "127.0.0.1"));
            Socket d = server.nextConnection();
            d.setSoTimeout(5_000);
            destinations.add(d);
        }
        Await.until("every stream is connected", () -> h.metrics.sockets() == STREAMS);

        h.session.shutdown();

        for (Socket d : destinations) {
            assertEquals(-1, d.getInputStream().read(), "a destination reads EOF");
        }
        h.awaitNoThreads();
        assertEquals(0, h.metrics.streams(), "registered streams");
        assertEquals(0, h.metrics.sockets(), "open sockets");
        // @AfterEach: no CLOSE was sent for the streams shutdown ended (the WebSocket is gone)
    }

    @Test
    void shutdownWhileAStreamIsConnectingEndsItsThread() throws Exception {
        TestResolver resolver = new TestResolver();
        h = new SessionHarness(SessionHarness.config(128), resolver, true);
        server = LoopbackServer.start(LoopbackServer.HOLD);
        h.send(new Connect(1, StreamType.TCP, server.port(), TestResolver.SLOW_NAME));
        resolver.awaitResolving();

        h.session.shutdown();   // interrupts the thread blocked resolving

        h.awaitNoThreads();
        assertTrue(h.session.awaitThreads(5, TimeUnit.SECONDS), "the session's executor terminates");
        assertEquals(0, h.metrics.streams(), "registered streams");
        assertEquals(0, h.metrics.sockets(), "open sockets");
    }

    private static void writeForever(Socket socket) {
        byte[] chunk = new byte[16 * 1024];
        try {
            OutputStream out = socket.getOutputStream();
            while (true) {
                out.write(chunk);
            }
        } catch (IOException e) {
            // the session closed the connection: the end of this writer
        }
    }
}
