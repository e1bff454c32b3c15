package org.wispwar.wisp.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.wispwar.wisp.protocol.Close;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.Continue;
import org.wispwar.wisp.protocol.Data;
import org.wispwar.wisp.protocol.StreamType;
import org.wispwar.wisp.protocol.WispPacket;
import org.wispwar.wisp.testing.Await;
import org.wispwar.wisp.testing.LoopbackServer;
import org.wispwar.wisp.testing.RecordingPacketSender;
import org.wispwar.wisp.testing.TestResolver;
import org.wispwar.wisp.testing.PausableSink;

/**
 * Flow control from both sides (design.md §5): an honest client is never throttled or starved; one that ignores credit
 * is cut off.
 */
class WispSessionCreditTest extends SessionTestSupport {


    @Test
    void honestClientSpendingEveryCreditAsItComesNeverWaitsForever() throws Exception {
        final int window = 8;
        final int packets = 200;
        final int packetSize = 1024;
        PausableSink sink = openStreamToSink(window);
        long credit = window;   // the client's counter for every new stream (wisp-protocol.md §5 rule 2)
        int refills = 0;
        for (int p = 0; p < packets; p++) {
            while (credit == 0) {   // an honest client: wait for CONTINUE, bounded by next()
                WispPacket refill = h.sender.next();
                Continue c = assertInstanceOf(Continue.class, refill, "after " + p + " packets: a refill, not " + refill);
                assertEquals(1, c.streamId(), "refill stream");
                assertTrue(c.bufferRemaining() > 0 && c.bufferRemaining() <= window, "refill value "
                        + c.bufferRemaining());
                credit = c.bufferRemaining();   // CONTINUE replaces the counter
                refills++;
            }
            h.send(Data.of(1, PausableSink.pattern(p, packetSize)));
            credit--;
        }

        long total = (long) packets * packetSize;
        Await.until(() -> "the destination receives all " + total + " bytes; got " + sink.received(),
                () -> sink.received() == total);
        assertNull(sink.mismatch(), "the destination got the bytes in order");
        assertTrue(refills >= (packets - window) / window, "one refill per window at least; got " + refills);
        h.send(new Close(1, CloseReason.VOLUNTARY));
        h.awaitNoThreads();
        h.sender.drainContinues();   // refills the client no longer needed
    }

    /**
     * The credit race, through real threads and sockets (the search in CreditWindowTest covers every interleaving of
     * the rule alone). The client is honest but applies each CONTINUE as late as it can: only once its counter is 0,
     * oldest first, as if each refill reached it just then. First it sends half a window at a time and waits until
     * the destination has the bytes, so {@code -up} writes in half-window batches; then the destination stops reading,
     * the packets fill the socket buffers, and the client spends all the credit it was granted.
     *
     * <p>The earlier rule (refill after every B/2 written, with the free space) granted two windows per window
     * written, so the late client had tens of packets of credit in hand when the destination stopped, and the queue
     * passed 2B: CLOSE 0x49 to an honest client. Now the queue stays within the window, and the client runs out of
     * credit; the destination then reads again (the test's only reaction to a starved client), and the refills resume
     * until every byte is through.
     */
    @Test
    void clientApplyingEachContinueAsLateAsPossibleIsNeverThrottled() throws Exception {
        final int window = 4;
        final int packetSize = 1024 * 1024;   // a few fill the loopback socket buffers, so -up blocks once paused
        final int paced = 40;
        final int packets = 100;
        PausableSink sink = openStreamToSink(window);

        LateClient client = new LateClient(h, window);
        int sent = 0;
        while (sent < paced) {
            for (int i = 0; i < window / 2; i++) {
                client.awaitCredit(sent);
                h.send(Data.of(1, PausableSink.pattern(sent++, packetSize)));
            }
            long delivered = (long) sent * packetSize;
            Await.until(() -> "the destination has the first " + delivered + " bytes; got " + sink.received(),
                    () -> sink.received() >= delivered);
            client.collect();
        }
        sink.pause();
        while (sent < packets) {
            client.collect();
            if (!client.takeCredit()) {
                sink.resume();   // the client is starved: the destination reads again, -up drains, refills follow
                client.awaitCredit(sent);
            }
            h.send(Data.of(1, PausableSink.pattern(sent++, packetSize)));
        }

        long total = (long) packets * packetSize;
        Await.until(() -> "the destination receives all " + total + " bytes; got " + sink.received(),
                () -> sink.received() == total);
        assertNull(sink.mismatch(), "the destination got the bytes in order");
        client.collect();
        h.send(new Close(1, CloseReason.VOLUNTARY));
        h.awaitNoThreads();
        client.collect();   // a CLOSE 0x49 recorded before the client's CLOSE fails here
        assertEquals(0, h.metrics.streams(), "registered streams");
    }

    /** An honest client that applies a CONTINUE only when its counter is 0, oldest first. Test thread only. */
    private static final class LateClient {
        private final SessionHarness h;
        private final ArrayDeque<Long> grants = new ArrayDeque<>();
        private long counter;

        LateClient(SessionHarness h, int window) {
            this.h = h;
            this.counter = window;
        }

        /** Records what the server sent so far, without waiting; anything but a CONTINUE on stream 1 fails. */
        void collect() {
            for (WispPacket p; (p = h.sender.poll(0)) != null; ) {
                record(p);
            }
        }

        private void record(WispPacket p) {
            Continue c = assertInstanceOf(Continue.class, p, "only refills for an honest client, not " + p);
            assertEquals(1, c.streamId(), "refill stream");
            grants.add(c.bufferRemaining());
        }

        /** Takes one credit, applying the oldest unapplied CONTINUE only if the counter is spent; false if none. */
        boolean takeCredit() {
            if (counter == 0 && !grants.isEmpty()) {
                counter = grants.poll();
            }
            if (counter == 0) {
                return false;
            }
            counter--;
            return true;
        }

        /** Like {@link #takeCredit()}, but waits (bounded) for a CONTINUE when there is none; fails if none comes. */
        void awaitCredit(int sent) {
            while (!takeCredit()) {
                WispPacket p = h.sender.poll(RecordingPacketSender.WAIT_SECONDS * 1000);
                assertNotNull(p, "after " + sent + " packets the client has no credit and no CONTINUE came within "
                        + RecordingPacketSender.WAIT_SECONDS + " s");
                record(p);
            }
        }
    }

    /** A session with B = {@code window}, its initial credit checked, and stream 1 open to a fresh sink. */
    private PausableSink openStreamToSink(int window) throws Exception {
        h = new SessionHarness(SessionHarness.config(window), new TestResolver(), true);
        PausableSink sink = new PausableSink();
        server = LoopbackServer.start(sink::serve);
        h.session.start();
        assertEquals(new Continue(0, window), h.sender.next(), "initial credit");
        h.send(new Connect(1, StreamType.TCP, server.port(), "127.0.0.1"));
        return sink;
    }

    @Test
    void clientIgnoringCreditIsThrottledOnceTheQueueCapIsReachedAndEarlierBytesArriveInOrder() throws Exception {
        final int window = 4;
        final int packetSize = 64 * 1024;
        // More than any loopback socket buffering can absorb (send buffer up to tcp_wmem max, 4 MiB by default, plus
        // the destination's receive buffer, kept small below), so -up must block writing and the queue must fill.
        final int packets = 400;
        // No stall sweep runs here (the registry's housekeeping does it), so everything queued is written before the
        // CLOSE.
        h = new SessionHarness(SessionHarness.config(window, 1024, Duration.ofSeconds(5), Duration.ofSeconds(30)),
                new TestResolver(), true);
        server = LoopbackServer.startWithReceiveBuffer(4096, LoopbackServer.HOLD);   // reads only when the test does
        byte[] sent = new byte[packets * packetSize];
        for (int i = 0; i < sent.length; i++) {
            sent[i] = (byte) (i * 31 + i / packetSize);   // position-dependent, so a reordering or gap shows
        }

        h.send(new Connect(1, StreamType.TCP, server.port(), "127.0.0.1"));
        for (int p = 0; p < packets; p++) {
            h.send(Data.of(1, Arrays.copyOfRange(sent, p * packetSize, (p + 1) * packetSize)));
        }

        Socket destination = server.nextConnection();
        destination.setSoTimeout(5_000);
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        InputStream in = destination.getInputStream();
        byte[] buffer = new byte[64 * 1024];
        for (int n; (n = in.read(buffer)) >= 0; ) {   // until the throttled stream's socket closes
            received.write(buffer, 0, n);
        }
        for (int i = 0; ; i++) {
            WispPacket p = h.sender.next();
            if (p instanceof Continue c && c.streamId() == 1 && i < packets) {
                continue;   // refills sent while -up drained before the overrun
            }
            assertEquals(new Close(1, CloseReason.SERVER_STREAM_THROTTLED), p, "after the refills");
            break;
        }
        h.awaitNoThreads();

        byte[] got = received.toByteArray();
        // Lower bound: acceptData flags the overrun only when it finds 2B packets queued, and those (like every
        // packet accepted before them) are written by -up before it closes with 0x49: -up returns early only when the
        // stream is already closed, which here could only be the stall sweep (not run by this test) or shutdown.
        // Whole packets: -up writes each payload completely before the close.
        int minimum = 2 * window * packetSize;
        assertTrue(got.length >= minimum, "the destination got " + got.length + " bytes, fewer than 2B packets ("
                + minimum + ")");
        assertTrue(got.length < sent.length, "the overrun discarded the rest: got all " + sent.length + " bytes");
        assertEquals(0, got.length % packetSize, "whole packets only; got " + got.length + " bytes");
        assertArrayEquals(Arrays.copyOf(sent, got.length), got, "the destination got a prefix of the sent bytes");
        assertEquals(0, h.metrics.streams(), "registered streams");
        assertEquals(0, h.metrics.sockets(), "open sockets");
    }

    @Test
    void overrunIsClosedWithThrottledOnceTheDestinationIsSeenNotReading() throws Exception {
        final int window = 4;
        // The 2B packets queued at the overrun hold 32 MiB, far more than loopback buffering takes from a reader that
        // never reads (send buffer up to tcp_wmem max, 4 MiB by default; the destination's receive buffer is 4 KiB), so
        // -up stays blocked writing them: only the stall sweep (wisp.destinationTimeout) can end the stream.
        final int packetSize = 4 * 1024 * 1024;
        final int packets = 24;
        h = new SessionHarness(SessionHarness.config(window, 1024, Duration.ofSeconds(5), Duration.ofMillis(300)),
                new TestResolver(), true);
        server = LoopbackServer.startWithReceiveBuffer(4096, LoopbackServer.HOLD);   // never reads
        byte[] chunk = new byte[packetSize];

        h.send(new Connect(1, StreamType.TCP, server.port(), "127.0.0.1"));
        for (int p = 0; p < packets; p++) {
            h.send(Data.of(1, chunk));
        }

        long stall = Duration.ofMillis(300).toNanos();
        Await.until("the stall sweep closes the stream", () -> {
            h.session.closeStalledStreams(System.nanoTime(), stall);   // what the registry's housekeeping runs
            return h.metrics.streams() == 0;
        });
        for (int i = 0; ; i++) {
            WispPacket p = h.sender.next();
            if (p instanceof Continue c && c.streamId() == 1 && i < packets) {
                continue;
            }
            assertEquals(new Close(1, CloseReason.SERVER_STREAM_THROTTLED), p, "after the refills");
            break;
        }
        h.awaitNoThreads();
        assertEquals(0, h.metrics.streams(), "registered streams");
        assertEquals(0, h.metrics.sockets(), "open sockets");
    }
}
