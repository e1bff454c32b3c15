package org.wispwar.wisp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.wispwar.wisp.protocol.Close;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.Continue;
import org.wispwar.wisp.protocol.Role;
import org.wispwar.wisp.protocol.StreamType;
import org.wispwar.wisp.protocol.WispCodec;
import org.wispwar.wisp.testing.RawWebSocket;
import org.wispwar.wisp.testing.VanishingProxy;

/**
 * Faults of the client and of the server itself, each on a container of its own, on Jetty and Tomcat
 * ({@code ServerFaultsJettyIT}, {@code ServerFaultsTomcatIT}). Each states what each side gets:
 * <ul>
 *   <li>the server stops mid-transfer: every stream gets CLOSE 0x02, then the WebSocket 1001 {@code server shutting
 *       down}; every destination socket is closed;</li>
 *   <li>the client closes its TCP connection without a close frame mid-transfer: everything is released at once, well
 *       within the default send timeout;</li>
 *   <li>the client vanishes without a FIN: an idle one is released at the first ping it does not answer, one that was
 *       downloading at the send timeout, whichever comes first.</li>
 * </ul>
 * After each, no stream thread is left and every destination socket is closed.
 */
abstract class ServerFaultChecks {
    /** The shipped defaults with loopback destinations allowed (send timeout 30 s, pings every 30 s). */
    static final String DEFAULTS = "/defaults";
    /** Pings every second: a vanished client is found by the ping it does not answer. */
    static final String PINGED = "/pinged";
    /** No pings, a 2 s send timeout: a vanished client that was being sent to is found by the send timeout. */
    static final String SEND_TIMEOUT = "/send-timeout";
    /** Streams that transfer both ways: 2 uploads to sinks, 2 downloads from paced sources. */
    static final int TRANSFERS = 2;

    WarContainer server;

    /** Starts a container of its own with one deployment of the WAR per entry: context path → context params. */
    abstract WarContainer start(Map<String, Map<String, String>> contexts) throws Exception;

    private WarContainer startAll() throws Exception {
        Map<String, Map<String, String>> contexts = new LinkedHashMap<>();
        contexts.put(DEFAULTS, Map.of("wisp.allowPrivateAddresses", "true"));
        contexts.put(PINGED, Map.of("wisp.allowPrivateAddresses", "true", "wisp.pingInterval", "1s"));
        contexts.put(SEND_TIMEOUT, Map.of("wisp.allowPrivateAddresses", "true", "wisp.pingInterval", "0",
                "wisp.sendTimeout", "2s"));
        server = start(contexts);
        for (String path : contexts.keySet()) {
            assertTrue(server.isAvailable(path), path + " did not deploy: " + server.startupFailure(path));
        }
        return server;
    }

    @AfterEach
    void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
        awaitTrue(() -> "no stream thread left: " + ThreadCensus.streamThreads(),
                () -> ThreadCensus.streamThreads().isEmpty(), Duration.ofSeconds(20));
    }

    // -------------------------------------------------------------------------------------------------- server stop

    /**
     * One connection downloads from two paced sources; another uploads one 256 MiB DATA to a sink through a raw
     * WebSocket, which reads the frames off the wire even while its write is blocked: Jetty drops the TCP connection
     * right after a close code other than 1000, so a client whose own write fails first (as the Jetty client does)
     * may never read them (see README, "Fault behaviour").
     */
    @Test
    void serverStopMidTransferSendsEveryStreamItsCloseThenGoingAway() throws Exception {
        startAll();
        Targets.Digest digest = Targets.newDigest();
        try (Targets sinks = Targets.sink(digest); Targets sources = pacedSources();
                WispClient c = WispClient.connect(server.wispUri(DEFAULTS));
                RawWebSocket up = RawWebSocket.upgrade(server.port(), DEFAULTS + "/").socket()) {
            c.awaitInitialCredit();
            for (int i = 1; i <= TRANSFERS; i++) {
                c.connectTcp(i, "127.0.0.1", sources.port());
            }
            assertEquals(new Continue(0, 128), WispCodec.decode(ByteBuffer.wrap(up.readFrame().payload()),
                    Role.SERVER), "the uploader's initial credit");
            up.sendBinary(WispCodec.encode(new Connect(1, StreamType.TCP, sinks.port(), "127.0.0.1")).array());
            Thread uploader = Thread.ofVirtual().name("raw-upload").start(() -> up.streamData(1, 256L << 20));
            for (int i = 1; i <= TRANSFERS; i++) {
                c.awaitBytes(i, 256 * 1024);
            }
            awaitTrue(() -> "the upload reaches its sink: " + digest.count() + " bytes",
                    () -> digest.count() >= 1 << 20, Duration.ofSeconds(20));
            assertEquals(TRANSFERS + 1L, WarContainer.stat(DEFAULTS, "Sockets"));

            CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> {
                try {
                    server.close();
                } catch (Exception e) {
                    throw new IllegalStateException("the server did not stop", e);
                }
            });

            assertEquals(new Close(1, CloseReason.VOLUNTARY), WispCodec.decode(ByteBuffer.wrap(up.readFrame()
                    .payload()), Role.SERVER), "the uploader's CLOSE 0x02");
            RawWebSocket.Frame last = up.readFrame();
            assertEquals(RawWebSocket.OPCODE_CLOSE, last.opcode(), "then the close frame, nothing in between");
            assertEquals(1001, last.closeCode());
            assertEquals("server shutting down", last.closeReason());
            assertEquals(1001, c.awaitWebSocketClose(), () -> "going away; error " + c.error());
            assertEquals("server shutting down", c.webSocketCloseReason());
            for (int id = 1; id <= TRANSFERS; id++) {
                // recorded before the close frame was handled: every CLOSE came first
                assertEquals(new Close(id, CloseReason.VOLUNTARY), c.closeOf(id), "stream " + id + " got CLOSE 0x02");
            }
            stop.get(30, TimeUnit.SECONDS);
            server = null;
            up.close();
            uploader.join(Duration.ofSeconds(20));
            assertFalse(uploader.isAlive(), "the upload ends with its connection");
            awaitTrue(() -> "every destination socket closed: " + sinks.connectionsClosed() + " sinks, "
                    + sources.connectionsClosed() + " sources",
                    () -> sinks.connectionsClosed() == 1 && sources.connectionsClosed() == TRANSFERS,
                    Duration.ofSeconds(20));
        }
    }

    // ----------------------------------------------------------------------------------------- client disconnects

    /**
     * No close frame, just a FIN while streams move bytes both ways. With the default send timeout (30 s) and pings
     * (30 s), only the container's notice of the closed connection can release it within the 10 s allowed here.
     */
    @Test
    void clientClosingItsConnectionMidTransferIsReleasedAtOnce() throws Exception {
        startAll();
        Targets.Digest digest = Targets.newDigest();
        try (Targets sinks = Targets.sink(digest); Targets sources = pacedSources();
                WispClient c = WispClient.connect(server.wispUri(DEFAULTS))) {
            Transfers transfers = Transfers.start(c, sinks, sources);
            transfers.awaitFlowing(digest);

            c.session().disconnect();   // the TCP connection just goes away

            awaitReleased(DEFAULTS, sinks, sources, Duration.ofSeconds(10));
            transfers.stop();
        }
    }

    /** The same with nothing moving: only the container's notice of the FIN can release it within 10 s. */
    @Test
    void clientClosingItsIdleConnectionIsReleasedAtOnce() throws Exception {
        startAll();
        Targets.Digest digest = Targets.newDigest();
        try (Targets sinks = Targets.sink(digest); Targets sources = Targets.echo();
                WispClient c = WispClient.connect(server.wispUri(DEFAULTS))) {
            c.awaitInitialCredit();
            for (int i = 1; i <= TRANSFERS; i++) {
                c.connectTcp(i, "127.0.0.1", sinks.port());
                c.connectTcp(100 + i, "127.0.0.1", sources.port());
                c.sendWithCredit(100 + i, "idle after this".getBytes(), 16);
                c.awaitBytes(100 + i, 15);
            }

            c.session().disconnect();

            awaitReleased(DEFAULTS, sinks, sources, Duration.ofSeconds(10));
        }
    }

    @Test
    void vanishedIdleClientIsReleasedAtTheFirstUnansweredPing() throws Exception {
        startAll();
        Targets.Digest digest = Targets.newDigest();
        try (Targets sinks = Targets.sink(digest); Targets sources = Targets.echo();
                VanishingProxy proxy = VanishingProxy.to(new InetSocketAddress("127.0.0.1", server.port()));
                WispClient c = WispClient.connect(viaProxy(proxy, PINGED))) {
            c.awaitInitialCredit();
            for (int i = 1; i <= TRANSFERS; i++) {
                c.connectTcp(i, "127.0.0.1", sinks.port());
                c.connectTcp(100 + i, "127.0.0.1", sources.port());
                c.sendWithCredit(100 + i, "ping?".getBytes(), 16);
                c.awaitBytes(100 + i, 5);
            }
            assertEquals(2L * TRANSFERS, WarContainer.stat(PINGED, "Sockets"));

            long vanishedAt = System.nanoTime();
            proxy.vanish();

            // pings every 1 s: the one after the unanswered one closes it, so within about 2 s
            awaitReleased(PINGED, sinks, sources, Duration.ofSeconds(10));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - vanishedAt);
            assertTrue(ms < 6_000, "released " + ms + " ms after vanishing, with pings every 1 s");
        }
    }

    @Test
    void vanishedClientThatWasDownloadingIsReleasedAtTheSendTimeout() throws Exception {
        startAll();
        Targets.Digest digest = Targets.newDigest();
        try (Targets sinks = Targets.sink(digest); Targets sources = Targets.source();
                VanishingProxy proxy = VanishingProxy.to(new InetSocketAddress("127.0.0.1", server.port()));
                WispClient c = WispClient.connect(viaProxy(proxy, SEND_TIMEOUT))) {
            c.awaitInitialCredit();
            for (int i = 1; i <= TRANSFERS; i++) {
                c.connectTcp(i, "127.0.0.1", sinks.port());
                c.connectTcp(100 + i, "127.0.0.1", sources.port());
                c.awaitBytes(100 + i, 100_000);
            }

            proxy.vanish();   // the sources go on writing: the server's sends to the client stall

            awaitReleased(SEND_TIMEOUT, sinks, sources, Duration.ofSeconds(15));
            assertNull(c.error(), "the client itself saw no error: it never learnt it was gone");
        }
    }

    // ------------------------------------------------------------------------------------------------------ helpers

    private static URI viaProxy(VanishingProxy proxy, String path) {
        return URI.create("ws://127.0.0.1:" + proxy.port() + path + "/");
    }

    /** The connection is gone from the server, every destination socket is closed and no stream thread is left. */
    private static void awaitReleased(String path, Targets sinks, Targets sources, Duration within)
            throws InterruptedException {
        awaitTrue(() -> "the connection is released: " + stats(path) + ", closed " + sinks.connectionsClosed()
                + " sinks and " + sources.connectionsClosed() + " sources",
                () -> statOf(path, "Sessions") == 0 && statOf(path, "Sockets") == 0 && statOf(path, "Threads") == 0
                        && statOf(path, "BufferedBytes") == 0
                        && sinks.connectionsClosed() == TRANSFERS && sources.connectionsClosed() == TRANSFERS,
                within);
    }

    private static String stats(String path) {
        StringBuilder s = new StringBuilder();
        for (String stat : List.of("Sessions", "Streams", "Threads", "Sockets", "BufferedBytes")) {
            s.append(stat).append('=').append(statOf(path, stat)).append(' ');
        }
        return s.toString().trim();
    }

    static long statOf(String path, String attribute) {
        try {
            return (Long) WarContainer.stat(path, attribute);
        } catch (Exception e) {
            throw new AssertionError("cannot read " + attribute + " of " + path, e);
        }
    }

    /** Destinations that send 16 KiB every 5 ms (about 3 MiB/s each) until the connection breaks. */
    private static Targets pacedSources() throws java.io.IOException {
        return Targets.of(s -> {
            OutputStream out = s.getOutputStream();
            byte[] buf = new byte[16 * 1024];
            while (true) {
                out.write(buf);
                Thread.sleep(5);   // pacing the load, not waiting for a condition
            }
        });
    }

    static void awaitTrue(Supplier<String> what, BooleanSupplier condition, Duration within)
            throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within " + within.toSeconds() + " s: " + what.get());
            }
            Thread.sleep(10);   // polling a condition with a deadline, not waiting for time to pass
        }
    }

    /**
     * Streams 1..{@link #TRANSFERS} upload to sinks (honest credit, 8 KiB packets), streams 101.. download from the
     * paced sources. The uploaders run until {@link #stop} or until their stream or connection ends.
     */
    private static final class Transfers {
        private final WispClient client;
        private final List<Thread> uploaders = new ArrayList<>();
        private final AtomicBoolean stopped = new AtomicBoolean();
        private final AtomicReference<Throwable> unexpected = new AtomicReference<>();

        private Transfers(WispClient client) {
            this.client = client;
        }

        static Transfers start(WispClient c, Targets sinks, Targets sources) throws Exception {
            Transfers t = new Transfers(c);
            c.awaitInitialCredit();
            for (int i = 1; i <= TRANSFERS; i++) {
                int id = i;
                c.connectTcp(id, "127.0.0.1", sinks.port());
                c.connectTcp(100 + id, "127.0.0.1", sources.port());
                t.uploaders.add(Thread.ofVirtual().name("upload-" + id).start(() -> t.upload(id)));
            }
            return t;
        }

        private void upload(int id) {
            byte[] chunk = new byte[8 * 1024];
            try {
                while (!stopped.get() && client.closeOf(id) == null && client.session().isOpen()) {
                    client.sendWithCredit(id, chunk, chunk.length);
                    Thread.sleep(1);   // pacing the load
                }
            } catch (Throwable e) {
                // a send racing the end of the stream or the connection is the fault under test; anything else is not
                if (client.closeOf(id) == null && client.session().isOpen() && !stopped.get()) {
                    unexpected.set(e);
                }
            }
        }

        /** Bytes moved both ways: every download got 256 KiB, and the sinks 256 KiB of the uploads. */
        void awaitFlowing(Targets.Digest uploaded) throws InterruptedException {
            for (int i = 1; i <= TRANSFERS; i++) {
                client.awaitBytes(100 + i, 256 * 1024);
            }
            awaitTrue(() -> "uploads reach the sinks: " + uploaded.count() + " bytes so far, uploader failure: "
                    + unexpected.get(), () -> uploaded.count() >= 256 * 1024, Duration.ofSeconds(20));
            for (Thread t : uploaders) {
                if (!t.isAlive()) {
                    fail("an uploader ended before the fault: " + unexpected.get());
                }
            }
        }

        void stop() throws InterruptedException {
            stopped.set(true);
            for (Thread t : uploaders) {
                t.join(Duration.ofSeconds(30));
                assertTrue(!t.isAlive(), "uploader " + t.getName() + " ends");
            }
            if (unexpected.get() != null) {
                throw new AssertionError("an uploader failed other than by the fault", unexpected.get());
            }
        }
    }
}
