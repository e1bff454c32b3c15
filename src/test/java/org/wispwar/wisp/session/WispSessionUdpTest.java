package org.wispwar.wisp.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.wispwar.wisp.config.WispConfig;
import org.wispwar.wisp.protocol.Close;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.Continue;
import org.wispwar.wisp.protocol.Data;
import org.wispwar.wisp.protocol.StreamType;
import org.wispwar.wisp.protocol.WispPacket;
import org.wispwar.wisp.testing.UdpEcho;
import org.wispwar.wisp.testing.TestResolver;

/** UDP streams: one DATA is one datagram both ways, no CONTINUE ever, the same destination policy as TCP. */
class WispSessionUdpTest extends SessionTestSupport {
    private static final int STREAM = 3;
    private UdpEcho echo;

    @AfterEach
    void closeEcho() throws Exception {
        if (echo != null) {
            echo.close();
        }
    }

    private void open(Map<String, String> params) {
        h = new SessionHarness(WispConfig.from(params), new TestResolver(),
                Boolean.parseBoolean(params.getOrDefault("wisp.allowPrivateAddresses", "false")));
    }

    private void openOpen() {
        open(Map.of("wisp.allowPrivateAddresses", "true", "wisp.bufferSize", "8"));
    }

    private void assertStreamClosedWith(CloseReason reason) {
        h.sender.assertNext(new Close(STREAM, reason));
        h.awaitNoThreads();
        assertEquals(0, h.metrics.streams(), "registered streams");
        assertEquals(0, h.metrics.sockets(), "open sockets");
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "::1"})
    void eachDataIsOneDatagramBothWaysAndNoContinueIsEverSent(String loopback) throws Exception {
        openOpen();
        echo = new UdpEcho(InetAddress.getByName(loopback));
        h.send(new Connect(STREAM, StreamType.UDP, echo.port(), loopback));
        int datagrams = 20;   // far more than B/2 = 4: a TCP stream would have been sent CONTINUEs by now
        for (int i = 0; i < datagrams; i++) {
            byte[] d = new byte[1 + i * 37];
            d[0] = (byte) i;
            h.send(new Data(STREAM, ByteBuffer.wrap(d)));
            WispPacket back = h.sender.next();   // one at a time: UDP may reorder or drop under load, loopback does not
            Data data = assertInstanceOf(Data.class, back, "no CONTINUE on UDP streams, only DATA: " + back);
            assertEquals(STREAM, data.streamId());
            byte[] got = new byte[data.payload().remaining()];
            data.payload().duplicate().get(got);
            assertArrayEquals(d, got, "datagram " + i + " came back whole, as one DATA");
        }
        assertEquals(datagrams, echo.received(), "datagrams that reached the destination");
        assertEquals(1, h.metrics.sockets(), "one UDP socket");
        h.send(new Close(STREAM, CloseReason.VOLUNTARY));
        h.awaitNoThreads();
        assertEquals(0, h.metrics.sockets(), "the UDP socket closes with the stream");
    }

    @Test
    void loopbackUdpIsRefusedByDefault() throws Exception {
        open(Map.of());
        echo = new UdpEcho(InetAddress.getLoopbackAddress());
        h.send(new Connect(STREAM, StreamType.UDP, echo.port(), "127.0.0.1"));
        assertStreamClosedWith(CloseReason.SERVER_STREAM_BLOCKED_ADDRESS);
        assertEquals(0, echo.received(), "datagrams that reached the loopback destination");
    }

    @Test
    void udpDisabledByConfigGetsInvalidInfo() throws Exception {
        open(Map.of("wisp.allowPrivateAddresses", "true", "wisp.allowUdp", "false"));
        echo = new UdpEcho(InetAddress.getLoopbackAddress());
        h.send(new Connect(STREAM, StreamType.UDP, echo.port(), "127.0.0.1"));
        assertStreamClosedWith(CloseReason.SERVER_STREAM_INVALID_INFO);
    }

    @Test
    void udpPortZeroAndUnresolvableHostAreRefused() throws Exception {
        openOpen();
        h.send(new Connect(STREAM, StreamType.UDP, 0, "127.0.0.1"));
        assertStreamClosedWith(CloseReason.SERVER_STREAM_INVALID_INFO);
        h.send(new Connect(STREAM, StreamType.UDP, 53, "nothing-here.invalid"));
        assertStreamClosedWith(CloseReason.SERVER_STREAM_UNREACHABLE);
    }

    @Test
    void idleUdpStreamIsClosedWithTimedOut() throws Exception {
        open(Map.of("wisp.allowPrivateAddresses", "true", "wisp.udpIdleTimeout", "300ms"));
        echo = new UdpEcho(InetAddress.getLoopbackAddress());
        long start = System.nanoTime();
        h.send(new Connect(STREAM, StreamType.UDP, echo.port(), "127.0.0.1"));
        assertStreamClosedWith(CloseReason.SERVER_STREAM_TIMED_OUT);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(true, ms >= 300, "closed only after the 300 ms idle timeout, came after " + ms + " ms");
    }

    @Test
    void datagramToAClosedPortEndsTheStreamWithRefused() throws Exception {
        openOpen();
        int closedPort;
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        h.send(new Connect(STREAM, StreamType.UDP, closedPort, "127.0.0.1"));
        h.send(Data.of(STREAM, "anyone?".getBytes()));
        // the kernel answers with ICMP port unreachable, which the connected socket reports on its next receive
        assertStreamClosedWith(CloseReason.SERVER_STREAM_CONNECTION_REFUSED);
    }

    @Test
    void shutdownClosesUdpSocketsAndEndsTheirThreads() throws Exception {
        openOpen();
        echo = new UdpEcho(InetAddress.getLoopbackAddress());
        for (int id = 1; id <= 3; id++) {
            h.send(new Connect(id, StreamType.UDP, echo.port(), "127.0.0.1"));
            h.send(Data.of(id, new byte[] {(byte) id}));
            assertEquals(new Data(id, ByteBuffer.wrap(new byte[] {(byte) id})), h.sender.next());
        }
        assertEquals(3, h.metrics.sockets(), "UDP sockets");
        h.session.shutdown();
        h.awaitNoThreads();
        assertEquals(0, h.metrics.sockets(), "UDP sockets after shutdown");
        assertEquals(0, h.metrics.streams(), "streams after shutdown");
    }

    @Test
    void udpNeverGetsContinueEvenWhenTheClientSendsPastTheWindow() throws Exception {
        openOpen();
        echo = new UdpEcho(InetAddress.getLoopbackAddress());
        h.send(new Connect(STREAM, StreamType.UDP, echo.port(), "127.0.0.1"));
        int bursts = 5;
        int burst = 8;   // B per burst, within the 2B queue; 5 × B in all, far past every refill point of TCP
        for (int b = 0; b < bursts; b++) {
            for (int i = 0; i < burst; i++) {
                h.send(Data.of(STREAM, new byte[] {(byte) b, (byte) i}));
            }
            for (int i = 0; i < burst; i++) {
                WispPacket p = h.sender.next();
                assertInstanceOf(Data.class, p, "only DATA on a UDP stream, never CONTINUE: " + p);
            }
        }
        h.send(new Close(STREAM, CloseReason.VOLUNTARY));
    }
}
