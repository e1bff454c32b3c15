package org.wispwar.wisp.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.wispwar.wisp.config.WispConfig;
import org.wispwar.wisp.protocol.Close;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.Data;
import org.wispwar.wisp.protocol.StreamType;
import org.wispwar.wisp.protocol.WispPacket;
import org.wispwar.wisp.testing.UdpEcho;
import org.wispwar.wisp.testing.Await;
import org.wispwar.wisp.testing.LoopbackServer;
import org.wispwar.wisp.testing.TestResolver;
import org.wispwar.wisp.metrics.WispMetrics;

/**
 * Undeploy's half of the session: {@link WispSession#closeAllStreams} tells the client about every stream, one CLOSE
 * each, releases every socket and thread, and the per-type counters follow the streams.
 */
class WispSessionCloseAllStreamsTest extends SessionTestSupport {
    private UdpEcho udp;

    @AfterEach
    void closeUdp() throws Exception {
        if (udp != null) {
            udp.close();
        }
    }

    @Test
    void everyStreamGetsOneCloseWithTheReasonAndEverythingIsReleased() throws Exception {
        h = new SessionHarness(WispConfig.from(Map.of("wisp.allowPrivateAddresses", "true", "wisp.bufferSize", "8")),
                new TestResolver(), true);
        server = LoopbackServer.start(LoopbackServer.HOLD);
        udp = new UdpEcho(InetAddress.getLoopbackAddress());
        h.send(new Connect(1, StreamType.TCP, server.port(), "127.0.0.1"));
        Socket first = server.nextConnection();
        h.send(new Connect(2, StreamType.TCP, server.port(), "127.0.0.1"));
        Socket second = server.nextConnection();
        h.send(new Connect(3, StreamType.UDP, udp.port(), "127.0.0.1"));
        h.send(Data.of(3, "dgram".getBytes()));
        assertEquals(Data.of(3, "dgram".getBytes()), h.sender.next(), "the UDP stream is up");
        Await.until("three sockets connected", () -> h.metrics.sockets() == 3);
        assertEquals(Map.of(WispMetrics.StreamKind.TCP, 2L, WispMetrics.StreamKind.UDP, 1L,
                WispMetrics.StreamKind.WSPROXY, 0L, WispMetrics.StreamKind.OTHER, 0L), h.metrics.streamsByType());

        Thread closer = Thread.ofVirtual().start(() -> h.session.closeAllStreams(CloseReason.VOLUNTARY));
        assertTrue(closer.join(Duration.ofSeconds(5)), "closeAllStreams returns");

        Set<WispPacket> closes = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            closes.add(h.sender.next());   // sent by the calling (virtual) thread, in the registry's order
        }
        assertEquals(Set.of(new Close(1, CloseReason.VOLUNTARY), new Close(2, CloseReason.VOLUNTARY),
                new Close(3, CloseReason.VOLUNTARY)), closes);
        for (Socket destination : new Socket[] {first, second}) {
            destination.setSoTimeout(5_000);
            assertEquals(-1, destination.getInputStream().read(), "the destination reads EOF");
        }
        h.awaitNoThreads();
        assertEquals(0, h.metrics.streams(), "registered streams");
        assertEquals(0, h.metrics.sockets(), "open sockets");
        assertEquals(Map.of(WispMetrics.StreamKind.TCP, 0L, WispMetrics.StreamKind.UDP, 0L,
                WispMetrics.StreamKind.WSPROXY, 0L, WispMetrics.StreamKind.OTHER, 0L), h.metrics.streamsByType());
        assertEquals(Map.of(WispMetrics.StreamKind.TCP, 2L, WispMetrics.StreamKind.UDP, 1L,
                WispMetrics.StreamKind.WSPROXY, 0L, WispMetrics.StreamKind.OTHER, 0L), h.metrics.streamsOpenedByType());
        assertEquals(Map.of("VOLUNTARY", 3L), h.metrics.closesByReason());
        // @AfterEach: nothing else was sent
    }

    @Test
    void withNoStreamsNothingIsSent() {
        h = new SessionHarness(SessionHarness.config(8), new TestResolver(), true);
        h.session.closeAllStreams(CloseReason.VOLUNTARY);
        // @AfterEach: the recorder is exhausted
    }

    @Test
    void unknownStreamTypesCountAsOtherAndRefusalsAtTheCapCountWithTheCloses() throws Exception {
        h = new SessionHarness(SessionHarness.config(8, 1, Duration.ofSeconds(5), Duration.ofSeconds(30)),
                new TestResolver(), true);
        server = LoopbackServer.start(LoopbackServer.HOLD);
        h.send(new Connect(1, 0x03, server.port(), "127.0.0.1"));
        h.sender.assertNext(new Close(1, CloseReason.SERVER_STREAM_INVALID_INFO));
        h.send(new Connect(2, StreamType.TCP, server.port(), "127.0.0.1"));
        server.nextConnection();
        h.send(new Connect(3, StreamType.TCP, server.port(), "127.0.0.1"));   // over the cap of 1
        h.sender.assertNext(new Close(3, CloseReason.SERVER_STREAM_THROTTLED));
        assertEquals(Map.of(WispMetrics.StreamKind.TCP, 1L, WispMetrics.StreamKind.UDP, 0L,
                WispMetrics.StreamKind.WSPROXY, 0L, WispMetrics.StreamKind.OTHER, 1L), h.metrics.streamsOpenedByType(),
                "the refused CONNECT never opened");
        assertEquals(Map.of("SERVER_STREAM_INVALID_INFO", 1L, "SERVER_STREAM_THROTTLED", 1L),
                h.metrics.closesByReason());
        assertEquals(Map.of(WispConfig.MAX_STREAMS_PER_CONNECTION, 1L), h.metrics.limitsTripped());
    }
}
