package org.wispwar.wisp.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.Continue;
import org.wispwar.wisp.protocol.StreamType;
import org.wispwar.wisp.testing.RawWebSocket;

/**
 * Operator policy through the WAR on Jetty: destination rules, per-IP caps with trusted and untrusted forwarding
 * headers, keepalive pings, and the TCP idle timeout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LimitsJettyIT {
    static final String RULES = "/rules";
    static final String TRUSTING = "/trusting";
    static final String UNTRUSTING = "/untrusting";
    static final String PING = "/ping";
    static final String IDLE = "/idle";

    Targets echo;
    Targets blocked;
    EmbeddedJetty jetty;

    @BeforeAll
    void start() throws Exception {
        echo = Targets.echo();
        blocked = Targets.echo();
        Map<String, Map<String, String>> contexts = new LinkedHashMap<>();
        contexts.put(RULES, Map.of("wisp.allowPrivateAddresses", "true", "wisp.allowDirectIp", "false",
                "wisp.tcp.blockPorts", String.valueOf(blocked.port()), "wisp.tcp.allowHosts", "localhost|ok\\..*"));
        contexts.put(TRUSTING, Map.of("wisp.maxConnectionsPerIp", "2", "wisp.trustedProxies", "127.0.0.1, ::1"));
        contexts.put(UNTRUSTING, Map.of("wisp.maxConnectionsPerIp", "2"));
        contexts.put(PING, Map.of("wisp.pingInterval", "300ms"));
        contexts.put(IDLE, Map.of("wisp.allowPrivateAddresses", "true", "wisp.tcpIdleTimeout", "1s"));
        jetty = EmbeddedJetty.start(contexts);
        for (String path : contexts.keySet()) {
            assertTrue(jetty.context(path).isAvailable(), path + ": " + jetty.context(path).getUnavailableException());
        }
    }

    @AfterAll
    void stop() throws Exception {
        jetty.close();
        echo.close();
        blocked.close();
    }

    private WispClient connect(String path, String forwardedFor) throws Exception {
        return WispClient.connect(jetty.wispUri(path), Map.of("X-Forwarded-For", forwardedFor), List.of());
    }

    @Test
    void destinationRulesRefuseWithBlockedAddress() throws Exception {
        try (WispClient c = WispClient.connect(jetty.wispUri(RULES))) {
            c.awaitInitialCredit();
            c.connectTcp(1, "127.0.0.1", echo.port());                   // an IP literal
            c.assertClosedWith(1, CloseReason.SERVER_STREAM_BLOCKED_ADDRESS);
            c.connectTcp(2, "localhost", blocked.port());                 // a blocked port
            c.assertClosedWith(2, CloseReason.SERVER_STREAM_BLOCKED_ADDRESS);
            c.connectTcp(3, "not-ok.example", echo.port());               // no allowHosts match (and never resolved)
            c.assertClosedWith(3, CloseReason.SERVER_STREAM_BLOCKED_ADDRESS);
            c.connectTcp(4, "localhost", echo.port());                    // allowed name, allowed port
            c.sendWithCredit(4, "through".getBytes(), 64);
            assertArrayEquals("through".getBytes(), c.awaitBytes(4, 7));
            assertEquals(0, blocked.connectionsAccepted(), "the blocked port was never dialed");
        }
    }

    @Test
    void perIpCapTripsAtExactlyTheCapForTheForwardedClient() throws Exception {
        List<WispClient> open = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                WispClient c = connect(TRUSTING, "198.51.100.1");
                open.add(c);
                assertEquals(128, c.awaitInitialCredit(), "connection " + (i + 1) + " of 2 is served");
            }
            WispClient third = connect(TRUSTING, "198.51.100.1");
            open.add(third);
            assertEquals(1013, third.awaitWebSocketClose());
            assertEquals("too many connections from your address", third.webSocketCloseReason());
            WispClient other = connect(TRUSTING, "198.51.100.2");
            open.add(other);
            assertEquals(128, other.awaitInitialCredit(), "another client behind the same trusted proxy");
            assertEquals(3L, EmbeddedJetty.stat(TRUSTING, "Sessions"), "2 + 1 other; the refused one is none");
        } finally {
            for (WispClient c : open) {
                c.close();
            }
        }
    }

    @Test
    void forwardingHeadersFromAnUntrustedPeerAreIgnored() throws Exception {
        List<WispClient> open = new ArrayList<>();
        try {
            for (String spoofed : List.of("203.0.113.1", "203.0.113.2")) {
                WispClient c = connect(UNTRUSTING, spoofed);
                open.add(c);
                assertEquals(128, c.awaitInitialCredit());
            }
            WispClient third = connect(UNTRUSTING, "203.0.113.3");   // a new spoofed address does not help
            open.add(third);
            assertEquals(1013, third.awaitWebSocketClose(), "all three are 127.0.0.1 to the server");
        } finally {
            for (WispClient c : open) {
                c.close();
            }
        }
    }

    @Test
    void clientsThatAnswerPingsStayAndOnesThatDoNotAreClosed() throws Exception {
        try (WispClient answering = WispClient.connect(jetty.wispUri(PING))) {
            answering.awaitInitialCredit();
            // the Jetty client answers pings by itself: four ping intervals later it is still connected
            assertThrows(TimeoutException.class, () -> answering.awaitWebSocketClose(java.time.Duration.ofMillis(1200)));
            assertTrue(answering.session().isOpen());
        }
        RawWebSocket.Upgrade up = RawWebSocket.upgrade(jetty.port(), PING + "/");
        assertTrue(up.accepted(), up.head());
        try (RawWebSocket silent = up.socket()) {
            long start = System.nanoTime();
            int pings = 0;
            while (true) {   // never answers: reads CONTINUE, pings, then the close
                RawWebSocket.Frame f = silent.readFrame();
                if (f.opcode() == 0x9) {
                    pings++;
                } else if (f.opcode() == RawWebSocket.OPCODE_CLOSE) {
                    assertEquals(1001, f.closeCode());
                    assertEquals("no pong to the last ping", f.closeReason());
                    break;
                } else if (f.opcode() != RawWebSocket.OPCODE_BINARY) {
                    fail("unexpected opcode " + f.opcode());
                }
            }
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            // pings run on one schedule for the deployment: the first may come at once, the close one interval later
            assertTrue(pings >= 1 && ms >= 250 && ms < 5000, pings + " pings, closed after " + ms + " ms");
        }
    }

    @Test
    void idleTcpStreamGetsTimedOut() throws Exception {
        try (WispClient c = WispClient.connect(jetty.wispUri(IDLE))) {
            c.awaitInitialCredit();
            long start = System.nanoTime();
            c.send(new Connect(1, StreamType.TCP, echo.port(), "127.0.0.1"));
            c.assertClosedWith(1, CloseReason.SERVER_STREAM_TIMED_OUT);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(ms >= 1000, "closed only after the 1 s idle timeout, came after " + ms + " ms");
            assertTrue(c.drained().stream().noneMatch(p -> p instanceof Continue c2 && c2.streamId() == 1),
                    "nothing else on the stream");
        }
    }
}
