package org.wispwar.wisp.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.wispwar.wisp.protocol.Close;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.Continue;
import org.wispwar.wisp.protocol.Data;
import org.wispwar.wisp.protocol.StreamType;
import org.wispwar.wisp.protocol.WispPacket;

/** Flow control from both sides (design.md §4.5): an honest client never stalls; one that ignores credit is cut off. */
class WispSessionCreditTest extends SessionTestSupport {


    @Test
    void honestClientSendingHalfAWindowPerRefillNeverRunsOutOfCredit() throws Exception {
        final int window = 8;
        final int rounds = 20;
        final int packetSize = 1024;
        h = new SessionHarness(SessionHarness.config(window), new TestResolver(), true);
        AtomicLong sunk = new AtomicLong();
        server = LoopbackServer.start(socket -> {
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                sunk.addAndGet(n);
            }
        });

        h.session.start();
        WispPacket initial = h.sender.next();
        assertEquals(new Continue(0, window), initial, "initial credit");
        long credit = window;   // the client's counter for every new stream (wisp-protocol.md §5 rule 2)
        h.send(new Connect(1, StreamType.TCP, server.port(), "127.0.0.1"));

        for (int round = 1; round <= rounds; round++) {
            for (int i = 0; i < window / 2; i++) {
                assertTrue(credit > 0, "round " + round + ": the client has credit before sending");
                h.send(Data.of(1, new byte[packetSize]));
                credit--;
                assertTrue(credit > 0, "round " + round + ": the client's counter reached 0");
            }
            WispPacket refill = h.sender.next();
            Continue c = assertInstanceOf(Continue.class, refill, "round " + round + ": a refill, not " + refill);
            assertEquals(1, c.streamId(), "round " + round + ": refill stream");
            assertTrue(c.bufferRemaining() > 0, "round " + round + ": refill value " + c.bufferRemaining());
            credit = c.bufferRemaining();   // CONTINUE replaces the counter
        }

        long total = (long) rounds * (window / 2) * packetSize;
        Await.until(() -> "the destination receives all " + total + " bytes; got " + sunk.get(),
                () -> sunk.get() == total);
        h.send(new Close(1, CloseReason.VOLUNTARY));
        h.awaitNoThreads();
    }

    @Test
    void clientIgnoringCreditIsThrottledOnceTheQueueCapIsReachedAndEarlierBytesArriveInOrder() throws Exception {
        final int window = 4;
        final int packetSize = 64 * 1024;
        // More than any loopback socket buffering can absorb (send buffer up to tcp_wmem max, 4 MiB by default, plus
        // the destination's receive buffer, kept small below), so -up must block writing and the queue must fill.
        final int packets = 400;
        // sendTimeout bounds how long -up may drain after the overrun before the stream is closed regardless; far
        // above this test's duration, so everything queued is written before the CLOSE.
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
        // stream is already closed, which here could only be the throttle timer (sendTimeout, 30 s) or shutdown.
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
    void overrunIsClosedWithThrottledAfterTheSendTimeoutWhenTheDestinationNeverReads() throws Exception {
        final int window = 4;
        // The 2B packets queued at the overrun hold 32 MiB, far more than loopback buffering takes from a reader that
        // never reads (send buffer up to tcp_wmem max, 4 MiB by default; the destination's receive buffer is 4 KiB), so
        // -up stays blocked writing them: only the throttle timer (sendTimeout) can end the stream.
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
