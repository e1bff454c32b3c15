package org.wispwar.wisp.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.wispwar.wisp.config.BudgetConfig;
import org.wispwar.wisp.config.WispConfig;
import org.wispwar.wisp.protocol.Close;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.Continue;
import org.wispwar.wisp.protocol.Data;
import org.wispwar.wisp.protocol.StreamType;
import org.wispwar.wisp.protocol.WispPacket;
import org.wispwar.wisp.protocol.WispProtocolException;
import org.wispwar.wisp.testing.Await;
import org.wispwar.wisp.testing.LoopbackServer;
import org.wispwar.wisp.testing.PausableSink;
import org.wispwar.wisp.testing.TestResolver;

/**
 * Byte budgets through a whole session (design.md §5): large DATA packets arrive in parts and stream through; a full
 * budget pauses the WebSocket's reading instead of dropping or closing, and withholds refills; everything held comes
 * back when a stream ends. The test thread plays the container: it delivers parts and honours a pause.
 */
class WispSessionBudgetTest extends SessionTestSupport {
    static final int STREAM_BUDGET = 64 * 1024;
    static final int CONNECTION_BUDGET = 256 * 1024;
    /** Tomcat's part size with its default buffer; Jetty's are larger. */
    static final int PART = 8 * 1024;

    final TestResolver resolver = new TestResolver();

    static WispConfig config(int window) {
        return SessionHarness.config(window).withBudgets(new BudgetConfig(STREAM_BUDGET, CONNECTION_BUDGET, 1L << 30,
                Duration.ofMillis(300)));
    }

    void open(int window) throws Exception {
        h = new SessionHarness(config(window), resolver, true);
        h.session.start();
        assertEquals(new Continue(0, window), h.sender.next(), "initial credit");
    }

    /** A session with B = {@code window}, and stream 1 open to a fresh reading sink. */
    PausableSink streamToSink(int window) throws Exception {
        open(window);
        PausableSink sink = new PausableSink();
        server = LoopbackServer.start(sink::serve);
        h.send(new Connect(1, StreamType.TCP, server.port(), "127.0.0.1"));
        return sink;
    }

    /** Delivers a packet in parts as a container would, waiting (bounded) while reading is paused. */
    void deliver(WispPacket packet) throws Exception {
        java.nio.ByteBuffer whole = org.wispwar.wisp.protocol.WispCodec.encode(packet);
        while (whole.hasRemaining()) {
            Await.until("reading resumes", () -> !h.reads.paused());
            int n = Math.min(PART, whole.remaining());
            java.nio.ByteBuffer part = whole.slice(whole.position(), n);
            whole.position(whole.position() + n);
            h.session.onMessagePart(part, !whole.hasRemaining());
        }
    }

    @Test
    void aSixteenMiBPacketStreamsThroughInPartsAndNothingIsHeldAfterwards() throws Exception {
        PausableSink sink = streamToSink(8);
        int size = 16 * 1024 * 1024;
        deliver(Data.of(1, PausableSink.pattern(0, size)));
        Await.until(() -> "the destination got 16 MiB; got " + sink.received(), () -> sink.received() == size);
        assertNull(sink.mismatch(), "every byte in order");
        assertTrue(h.serverBudget.peak() <= STREAM_BUDGET + 2L * PART + 64 * 1024,
                "held at most the stream budget, a part and a chunk: peak " + h.serverBudget.peak());
        Await.until("the last chunks go back", () -> h.serverBudget.used() == 0);
        h.send(new Close(1, CloseReason.VOLUNTARY));
        h.sender.drainContinues();
    }

    @Test
    void aStreamOverItsBudgetPausesReadingUntilItDrainsAndNothingIsLost() throws Exception {
        open(8);
        PausableSink sink = new PausableSink();
        server = LoopbackServer.start(sink::serve);
        h.send(new Connect(1, StreamType.TCP, server.port(), TestResolver.SLOW_NAME));   // connecting: nothing drains
        resolver.awaitResolving();
        h.session.onMessagePart(java.nio.ByteBuffer.wrap(new byte[] {2, 1, 0, 0, 0}), false);   // a DATA begins
        int sent = 0;
        while (!h.reads.paused()) {
            h.session.onMessagePart(java.nio.ByteBuffer.wrap(PausableSink.pattern(0, 100_000), sent, PART), false);
            sent += PART;
            assertTrue(sent <= STREAM_BUDGET + 2 * PART, "paused by the time the budget is full; sent " + sent);
        }
        assertEquals(Map.of(WispConfig.STREAM_BYTE_BUDGET, 1L), h.metrics.readPauses());
        assertTrue(h.session.readPaused());
        resolver.release();   // connects; -up drains the queue, which resumes reading
        Await.until("reading resumes once the stream drained to half its budget", () -> !h.reads.paused());
        h.session.onMessagePart(java.nio.ByteBuffer.wrap(PausableSink.pattern(0, 100_000), sent, 100_000 - sent), true);
        Await.until(() -> "all 100,000 bytes arrive; got " + sink.received(), () -> sink.received() == 100_000);
        assertNull(sink.mismatch());
        assertEquals(0, h.metrics.readsPaused());
        h.send(new Close(1, CloseReason.VOLUNTARY));
    }

    @Test
    void theConnectionBudgetPausesReadingAcrossStreams() throws Exception {
        open(8);
        server = LoopbackServer.start(new PausableSink()::serve);
        // Streams still connecting hold what they get; 32 KiB each is under the stream budget.
        int streams = CONNECTION_BUDGET / (32 * 1024);
        for (int id = 1; id <= streams; id++) {
            h.send(new Connect(id, StreamType.TCP, server.port(), TestResolver.SLOW_NAME));
            assertFalse(h.reads.paused(), "not paused before stream " + id);
            h.send(Data.of(id, new byte[30 * 1024]));   // one part of 30 KiB → a 32 KiB chunk
        }
        assertTrue(h.reads.paused(), "8 × 32 KiB fill the 256 KiB connection budget");
        assertEquals(Map.of(WispConfig.CONNECTION_BYTE_BUDGET, 1L), h.metrics.readPauses());
        assertEquals(CONNECTION_BUDGET, h.session.bufferedBytes());
        resolver.release();
        Await.until("the streams drain and reading resumes", () -> !h.reads.paused());
        Await.until("every chunk goes back", () -> h.session.bufferedBytes() == 0);
        for (int id = 1; id <= streams; id++) {
            h.send(new Close(id, CloseReason.VOLUNTARY));
        }
    }

    /**
     * Large packets with a window of 2 (each refill is due after one packet): the client, honest and honouring every
     * pause, is never stalled and never closed, and every byte arrives in order. Whether a refill goes out mid-packet
     * depends on whether the stream is under its budget at that moment; {@code CreditWindowTest} checks the rule.
     */
    @Test
    void largePacketsWithATinyWindowKeepFlowingForAnHonestClient() throws Exception {
        PausableSink sink = streamToSink(2);
        int size = 1024 * 1024;
        long credit = 2;
        for (int p = 0; p < 8; p++) {
            while (credit == 0) {
                Continue c = (Continue) h.sender.next();
                assertEquals(1, c.streamId());
                credit = c.bufferRemaining();
            }
            deliver(Data.of(1, PausableSink.pattern(p, size)));
            credit--;
        }
        Await.until(() -> "everything arrives; got " + sink.received(), () -> sink.received() == 8L * size);
        assertNull(sink.mismatch());
        h.send(new Close(1, CloseReason.VOLUNTARY));
        h.sender.drainContinues();
    }

    @Test
    void aClientCloseGivesTheStreamsBytesBackAndLetsReadingGo() throws Exception {
        open(8);
        server = LoopbackServer.start(LoopbackServer.HOLD);
        h.send(new Connect(1, StreamType.TCP, server.port(), TestResolver.SLOW_NAME));
        resolver.awaitResolving();
        h.session.onMessagePart(java.nio.ByteBuffer.wrap(new byte[] {2, 1, 0, 0, 0}), false);
        while (!h.reads.paused()) {
            h.session.onMessagePart(java.nio.ByteBuffer.allocate(PART), false);
        }
        h.session.onMessagePart(java.nio.ByteBuffer.allocate(0), true);   // the DATA ends (an empty last part)
        assertTrue(h.session.bufferedBytes() >= STREAM_BUDGET);
        h.send(new Close(1, CloseReason.VOLUNTARY));
        assertEquals(0, h.session.bufferedBytes(), "nothing of the stream is held after its CLOSE");
        assertFalse(h.reads.paused(), "reading resumed");
        resolver.release();
        h.awaitNoThreads();
    }

    @Test
    void aDestinationThatTakesNothingEndsItsStreamWith0x47AndReleasesItsBytes() throws Exception {
        open(8);
        server = LoopbackServer.startWithReceiveBuffer(4096, LoopbackServer.HOLD);   // accepts, never reads
        h.send(new Connect(1, StreamType.TCP, server.port(), "127.0.0.1"));
        server.nextConnection();
        h.session.onMessagePart(java.nio.ByteBuffer.wrap(new byte[] {2, 1, 0, 0, 0}), false);
        long sent = 0;
        // until the socket buffers are full and the budget with them: reading stays paused
        while (!pausedFor(Duration.ofMillis(200))) {
            h.session.onMessagePart(java.nio.ByteBuffer.allocate(64 * 1024), false);
            sent += 64 * 1024;
            assertTrue(sent < 1L << 30, "reading paused before 1 GiB");
        }
        long stall = Duration.ofMillis(300).toNanos();
        Await.until("the stall sweep ends the stream", () -> {
            h.session.closeStalledStreams(System.nanoTime(), stall);   // what the registry's housekeeping runs
            return h.metrics.streams() == 0;
        });
        assertEquals(new Close(1, CloseReason.SERVER_STREAM_TIMED_OUT), h.sender.next());
        Await.until("what it held goes back once -up's write returns", () -> h.session.bufferedBytes() == 0);
        assertFalse(h.reads.paused(), "reading resumed");
        h.session.onMessagePart(java.nio.ByteBuffer.allocate(100), true);   // the rest of the DATA: ignored
    }

    private boolean pausedFor(Duration d) throws InterruptedException {
        long end = System.nanoTime() + d.toNanos();
        while (h.reads.paused()) {
            if (System.nanoTime() >= end) {
                return true;
            }
            Thread.sleep(10);
        }
        return false;
    }

    @Test
    void aMessageOverTheLimitEndsTheConnectionWith1009EvenInParts() throws Exception {
        h = new SessionHarness(new WispConfig(8, 4096, 32 * 1024, Duration.ofSeconds(5), Duration.ofSeconds(30),
                Duration.ZERO, 16, true, true), resolver, true);
        h.session.onMessagePart(java.nio.ByteBuffer.wrap(new byte[] {2, 1, 0, 0, 0}), false);
        h.session.onMessagePart(java.nio.ByteBuffer.allocate(4091), false);   // 4096 so far: allowed
        var e = assertThrows(WispProtocolException.class,
                () -> h.session.onMessagePart(java.nio.ByteBuffer.allocate(1), true));
        assertEquals(1009, e.closeCode());
        assertEquals("message longer than 4096 bytes", e.getMessage());
    }

    @Test
    void udpDropsWhatItCannotHoldWithoutPausingReading() throws Exception {
        open(8);
        try (DatagramSocket udp = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            udp.setSoTimeout(5_000);
            h.send(new Connect(1, StreamType.UDP, udp.getLocalPort(), TestResolver.SLOW_NAME));
            resolver.awaitResolving();
            deliver(Data.of(1, new byte[70_000]));      // over 65,507 bytes: dropped on its way
            assertEquals(1, h.metrics.udpDatagramsDropped());
            assertEquals(0, h.session.bufferedBytes(), "what it had taken went back");
            h.send(Data.of(1, new byte[30 * 1024]));    // one part: a 32 KiB chunk
            h.send(Data.of(1, new byte[30 * 1024]));    // 64 KiB: the stream budget is full
            h.send(Data.of(1, new byte[10]));           // dropped
            assertFalse(h.reads.paused(), "a full UDP stream drops; it never stops the WebSocket");
            assertEquals(2, h.metrics.udpDatagramsDropped());
            assertEquals(STREAM_BUDGET, h.session.bufferedBytes(), "only the two datagrams that fit are held");
            resolver.release();
            for (int i = 0; i < 2; i++) {
                DatagramPacket p = new DatagramPacket(new byte[65_536], 65_536);
                udp.receive(p);
                assertEquals(30 * 1024, p.getLength(), "datagram " + i);
            }
            Await.until("the datagrams' chunks go back", () -> h.session.bufferedBytes() == 0);
            h.send(new Close(1, CloseReason.VOLUNTARY));
        }
    }

    @Test
    void udpDatagramsSplitAcrossPartsGoOutWhole() throws Exception {
        open(8);
        try (DatagramSocket udp = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            udp.setSoTimeout(5_000);
            h.send(new Connect(1, StreamType.UDP, udp.getLocalPort(), "127.0.0.1"));
            byte[] d = PausableSink.pattern(0, 40_000);
            deliver(Data.of(1, d));   // parts of 8 KiB: a first chunk of 8 KiB, then a 64 KiB one
            DatagramPacket p = new DatagramPacket(new byte[65_536], 65_536);
            udp.receive(p);
            assertEquals(40_000, p.getLength());
            assertTrue(java.util.Arrays.equals(d, 0, d.length, p.getData(), 0, p.getLength()), "one whole datagram");
            h.send(new Close(1, CloseReason.VOLUNTARY));
        }
    }

    @Test
    void stallsWaitForTheDestinationNotForASlowClient() throws Exception {
        PausableSink sink = streamToSink(8);
        h.session.onMessagePart(java.nio.ByteBuffer.wrap(new byte[] {2, 1, 0, 0, 0, 7, 7, 7}), false);
        Await.until("the first bytes are written", () -> sink.received() == 3);
        TimeUnit.MILLISECONDS.sleep(400);   // the client takes its time with the rest of the packet
        h.session.closeStalledStreams(System.nanoTime(), Duration.ofMillis(300).toNanos());
        assertEquals(1, h.metrics.streams(), "a client slow to send is not a stalled destination");
        h.session.onMessagePart(java.nio.ByteBuffer.wrap(new byte[] {7}), true);
        Await.until("the rest arrives", () -> sink.received() == 4);
        h.send(new Close(1, CloseReason.VOLUNTARY));   // one packet of 8: no refill is due, none was sent
    }
}
