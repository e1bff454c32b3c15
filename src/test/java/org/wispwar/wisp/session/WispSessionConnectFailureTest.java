package org.wispwar.wisp.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.wispwar.wisp.protocol.Close;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.StreamType;
import org.wispwar.wisp.transport.HostResolver;
import org.wispwar.wisp.testing.UnansweredPort;
import org.wispwar.wisp.testing.LoopbackServer;
import org.wispwar.wisp.testing.RecordingTimings;
import org.wispwar.wisp.testing.TestResolver;

/**
 * Each way a CONNECT can fail, and the CLOSE reason the client gets for it (design.md §5). After the CLOSE, the stream
 * has released its thread, registry entry and socket.
 */
class WispSessionConnectFailureTest extends SessionTestSupport {
    private static final int STREAM = 7;



    private void open(boolean allowPrivateAddresses, Duration connectTimeout, HostResolver resolver) {
        h = new SessionHarness(SessionHarness.config(128, 1024, connectTimeout, Duration.ofSeconds(30)), resolver,
                allowPrivateAddresses);
    }

    private void open(boolean allowPrivateAddresses) {
        open(allowPrivateAddresses, Duration.ofSeconds(5), new TestResolver());
    }

    private void assertStreamClosedWith(CloseReason reason) {
        h.sender.assertNext(new Close(STREAM, reason));
        h.awaitNoThreads();
        assertEquals(0, h.metrics.streams(), "registered streams");
        assertEquals(0, h.metrics.sockets(), "open sockets");
    }

    @Test
    void refusedConnectClosesTheStreamWithConnectionRefused() throws Exception {
        open(true);
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }

        h.send(new Connect(STREAM, StreamType.TCP, closedPort, "127.0.0.1"));

        assertStreamClosedWith(CloseReason.SERVER_STREAM_CONNECTION_REFUSED);
    }

    @Test
    void aRefusedConnectIsTimedAsAnOpenThatFailed() throws Exception {
        open(true);
        RecordingTimings timings = new RecordingTimings();
        h.metrics.timings(timings);
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        long before = System.nanoTime();

        h.send(new Connect(STREAM, StreamType.TCP, closedPort, "127.0.0.1"));

        assertStreamClosedWith(CloseReason.SERVER_STREAM_CONNECTION_REFUSED);
        long elapsed = System.nanoTime() - before;
        assertEquals(List.of("open error"), timings.whats());
        long took = timings.all().get(0).nanos();
        assertTrue(took > 0 && took <= elapsed, "took " + took + " ns, within the " + elapsed + " ns the test saw");
        h.session.shutdown();
        assertEquals(List.of("open error", "session wisp_v1"), timings.whats(), "the session's duration at its end");
    }

    @Test
    void unknownHostClosesTheStreamWithUnreachable() throws Exception {
        open(true);

        h.send(new Connect(STREAM, StreamType.TCP, 80, "no-such-host.invalid"));

        assertStreamClosedWith(CloseReason.SERVER_STREAM_UNREACHABLE);
    }

    @Test
    void unansweredConnectClosesTheStreamWithConnectionTimedOut() throws Exception {
        open(true, Duration.ofMillis(300), new TestResolver());
        try (UnansweredPort port = new UnansweredPort()) {
            h.send(new Connect(STREAM, StreamType.TCP, port.port(), "127.0.0.1"));

            assertStreamClosedWith(CloseReason.SERVER_STREAM_CONNECTION_TIMED_OUT);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1", "::ffff:7f00:1", "[::1]"})
    void loopbackDestinationIsBlockedWhenPrivateAddressesAreNotAllowed(String host) throws Exception {
        server = LoopbackServer.start(LoopbackServer.HOLD);
        open(false, Duration.ofSeconds(5), HostResolver.JDK);   // IP literals: the JDK parses them, no lookup

        h.send(new Connect(STREAM, StreamType.TCP, server.port(), host));

        assertStreamClosedWith(CloseReason.SERVER_STREAM_BLOCKED_ADDRESS);
        assertEquals(0, server.acceptedCount(), "connections that reached the destination");
    }

    /**
     * Browsers and {@code inet_aton} read {@code 0177.0.0.1} and {@code 0177.1} as octal 127.0.0.1; the JDK read them
     * as 177.0.0.1, a public address that the policy let through. Every IPv4 form but the one all read alike is
     * refused before anything is resolved (a resolver that is asked anything records it).
     */
    @ParameterizedTest
    @ValueSource(strings = {"0177.0.0.1", "0177.1", "127.0.0.01", "127.1", "0x7f.0.0.1", "0x7f000001", "2130706433",
            "127.0.0.1.1", "::ffff:0177.0.0.1"})
    void ipv4OtherThanFourPlainDecimalsIsInvalidAndNeverResolved(String host) throws Exception {
        java.util.List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        open(false, Duration.ofSeconds(5), name -> {
            asked.add(name);
            throw new java.net.UnknownHostException(name + ": this test resolves nothing");
        });

        h.send(new Connect(STREAM, StreamType.TCP, 80, host));

        assertStreamClosedWith(CloseReason.SERVER_STREAM_INVALID_INFO);
        assertEquals(java.util.List.of(), asked, "names given to the resolver");
    }

    @Test
    void connectToPortZeroClosesTheStreamWithInvalidInfo() throws Exception {
        open(true);

        h.send(new Connect(STREAM, StreamType.TCP, 0, "127.0.0.1"));

        assertStreamClosedWith(CloseReason.SERVER_STREAM_INVALID_INFO);
    }

    @Test
    void connectWithEmptyHostnameClosesTheStreamWithInvalidInfo() throws Exception {
        open(true);

        h.send(new Connect(STREAM, StreamType.TCP, 80, ""));

        assertStreamClosedWith(CloseReason.SERVER_STREAM_INVALID_INFO);
    }

    @Test
    void connectWithUnknownStreamTypeClosesTheStreamWithInvalidInfo() throws Exception {
        open(true);
        server = LoopbackServer.start(LoopbackServer.HOLD);

        h.send(new Connect(STREAM, 0x03, server.port(), "127.0.0.1"));

        assertStreamClosedWith(CloseReason.SERVER_STREAM_INVALID_INFO);
        assertEquals(0, server.acceptedCount(), "connections that reached the destination");
    }
}
