package org.wispwar.wisp.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.wispwar.wisp.config.LimitsConfig;
import org.wispwar.wisp.config.WispConfig;
import org.wispwar.wisp.protocol.Close;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.Continue;
import org.wispwar.wisp.protocol.Data;
import org.wispwar.wisp.protocol.StreamType;
import org.wispwar.wisp.protocol.WispPacket;
import org.wispwar.wisp.testing.Await;
import org.wispwar.wisp.testing.LoopbackServer;
import org.wispwar.wisp.testing.TestResolver;

/** Limits applied to one connection, over real loopback sockets. */
class WispSessionLimitsTest extends SessionTestSupport {
    private void open(Map<String, String> extra) {
        Map<String, String> params = new HashMap<>(Map.of("wisp.allowPrivateAddresses", "true", "wisp.bufferSize", "64"));
        params.putAll(extra);
        h = new SessionHarness(WispConfig.from(params), new TestResolver(), true, null, true);
    }

    @Test
    void packetRateLimitClosesTheOffendingStreamAtExactlyNPlusOne() throws Exception {
        open(Map.of("wisp.packetRateLimit", "10"));
        server = LoopbackServer.start(LoopbackServer.ECHO);
        h.send(new Connect(1, StreamType.TCP, server.port(), "127.0.0.1"));
        for (int i = 0; i < 10; i++) {
            h.send(Data.of(1, new byte[] {(byte) i}));
        }
        byte[] echoed = h.sender.collectData(1, 10);
        assertEquals(10, echoed.length, "all 10 packets within the limit went through");
        h.send(Data.of(1, new byte[] {99}));
        h.sender.assertNext(new Close(1, CloseReason.SERVER_STREAM_THROTTLED));
        assertEquals(Map.of(LimitsConfig.PACKET_RATE_LIMIT, 1L), h.metrics.limitsTripped());
    }

    @Test
    void streamRateLimitRefusesTheStreamAfterN() throws Exception {
        open(Map.of("wisp.streamRateLimit", "3"));
        server = LoopbackServer.start(LoopbackServer.ECHO);
        for (int id = 1; id <= 3; id++) {
            h.send(new Connect(id, StreamType.TCP, server.port(), "127.0.0.1"));
        }
        h.send(new Connect(4, StreamType.TCP, server.port(), "127.0.0.1"));
        h.sender.assertNext(new Close(4, CloseReason.SERVER_STREAM_THROTTLED));
        for (int id = 1; id <= 3; id++) {
            h.send(Data.of(id, new byte[] {(byte) id}));
            assertArrayEquals(new byte[] {(byte) id}, h.sender.collectData(id, 1), "stream " + id + " still works");
        }
        for (int id = 1; id <= 3; id++) {
            h.send(new Close(id, CloseReason.VOLUNTARY));
        }
    }

    @Test
    void idleTcpStreamIsClosedWithTimedOutAndBusyOnesAreNot() throws Exception {
        open(Map.of());
        server = LoopbackServer.start(LoopbackServer.ECHO);
        h.send(new Connect(1, StreamType.TCP, server.port(), "127.0.0.1"));
        h.send(new Connect(2, StreamType.TCP, server.port(), "127.0.0.1"));
        h.send(Data.of(2, "x".getBytes()));
        h.sender.collectData(2, 1);
        Await.until("both streams connected", () -> h.metrics.sockets() == 2);
        long idle = TimeUnit.MILLISECONDS.toNanos(300);
        Await.until("stream 1 idle for 300 ms", () -> {
            h.session.closeIdleStreams(System.nanoTime(), idle);
            return h.metrics.streams() < 2;
        });
        h.sender.assertNext(new Close(1, CloseReason.SERVER_STREAM_TIMED_OUT));
        h.session.closeIdleStreams(System.nanoTime(), TimeUnit.SECONDS.toNanos(60));
        h.send(Data.of(2, "y".getBytes()));
        assertArrayEquals("y".getBytes(), h.sender.collectData(2, 1), "the busy stream lives on");
        h.send(new Close(2, CloseReason.VOLUNTARY));
    }

    /**
     * A chunk {@code -down} has read but not yet sent when another thread closes the stream (here the idle sweep) must
     * not go out after the stream's CLOSE. The bandwidth cap holds {@code -down} between its read and its send: at 4
     * KiB/s its reads of 512, 4096 and 8192 bytes pass in the 16 KiB burst, and the next, 16 KiB, waits about 3 s. The
     * stream is closed once no DATA has come for 400 ms, inside that wait.
     */
    @Test
    void dataReadJustBeforeTheStreamClosesIsNotSentAfterItsClose() throws Exception {
        open(Map.of("wisp.bandwidthPerConnection", "4096"));
        server = LoopbackServer.start(socket -> {
            socket.getOutputStream().write(new byte[64 * 1024]);
            socket.getOutputStream().flush();
            socket.getInputStream().read();   // hold the connection until the stream closes it
        });
        h.send(new Connect(1, StreamType.TCP, server.port(), "127.0.0.1"));
        int burst = 0;
        for (WispPacket p = h.sender.next(); p != null; p = h.sender.poll(400)) {
            assertTrue(p instanceof Data d && d.streamId() == 1, "DATA on stream 1: " + p);
            burst += ((Data) p).payload().remaining();
        }
        assertTrue(burst < 64 * 1024, "the cap holds the stream back after " + burst + " bytes");

        h.session.closeIdleStreams(System.nanoTime(), 0);

        h.sender.assertNext(new Close(1, CloseReason.SERVER_STREAM_TIMED_OUT));
        assertEquals(null, h.sender.poll(5_000), "nothing on stream 1 after its CLOSE");
    }

    @Test
    void bandwidthCapToTheClientHoldsWithinFifteenPercent() throws Exception {
        long cap = 256 * 1024;   // bytes per second
        open(Map.of("wisp.bandwidthPerConnection", String.valueOf(cap)));
        int total = (int) (cap * 3);   // about 3 s at the cap
        byte[] payload = new byte[total];
        new Random(3).nextBytes(payload);
        server = LoopbackServer.start(socket -> {
            OutputStream out = socket.getOutputStream();
            out.write(payload);
            out.flush();
            socket.getInputStream().read();   // hold the connection until the test closes it
        });
        long start = System.nanoTime();
        h.send(new Connect(1, StreamType.TCP, server.port(), "127.0.0.1"));
        byte[] got = h.sender.collectData(1, total);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertArrayEquals(payload, got, "throttled, not dropped");
        double rate = total / seconds;   // the bucket starts full: a 0.1 s burst, within the tolerance
        assertTrue(Math.abs(rate - cap) <= 0.15 * cap, String.format("%.0f B/s against a cap of %d B/s (%.2f s)", rate,
                cap, seconds));
        h.send(new Close(1, CloseReason.VOLUNTARY));
    }

    @Test
    void bandwidthCapTowardsTheDestinationHoldsWithinFifteenPercent() throws Exception {
        long cap = 256 * 1024;
        open(Map.of("wisp.bandwidthPerConnection", String.valueOf(cap)));
        int total = (int) (cap * 3);
        CountDownLatch done = new CountDownLatch(1);
        long[] finished = new long[1];
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        server = LoopbackServer.start(socket -> {
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[16384];
            int n;
            while (received.size() < total && (n = in.read(buf)) > 0) {
                received.write(buf, 0, n);
            }
            finished[0] = System.nanoTime();
            done.countDown();
        });
        h.send(new Connect(1, StreamType.TCP, server.port(), "127.0.0.1"));
        long start = System.nanoTime();
        long credit = 64;
        int chunk = 16 * 1024;
        for (int off = 0; off < total; off += chunk) {
            while (credit == 0) {   // an honest client: wait for CONTINUE
                WispPacket p = h.sender.next();
                if (p instanceof Continue c && c.streamId() == 1) {
                    credit = c.bufferRemaining();
                }
            }
            h.send(new Data(1, java.nio.ByteBuffer.wrap(new byte[chunk])));
            credit--;
        }
        assertTrue(done.await(30, TimeUnit.SECONDS), "the destination received everything");
        double seconds = (finished[0] - start) / 1e9;
        double rate = total / seconds;
        assertTrue(Math.abs(rate - cap) <= 0.15 * cap, String.format("%.0f B/s against a cap of %d B/s (%.2f s)", rate,
                cap, seconds));
        h.send(new Close(1, CloseReason.VOLUNTARY));
        h.awaitNoThreads();
        h.sender.drainContinues();   // refills this honest client did not need any more
    }
}
