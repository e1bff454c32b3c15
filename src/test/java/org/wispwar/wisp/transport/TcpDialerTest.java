package org.wispwar.wisp.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.SocketChannel;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.wispwar.wisp.testing.UnansweredPort;

/**
 * Resolve once, filter every address, dial exactly what passed. Resolvers here are test lambdas or the JDK's on IP
 * literals (parsed, no lookup); connections go to loopback listeners on port 0 only.
 */
class TcpDialerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final List<String> resolved = new ArrayList<>();
    private final List<SocketChannel> dialed = new ArrayList<>();

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);   // a literal: parsed, no lookup
        } catch (UnknownHostException e) {
            throw new AssertionError(literal + " is not an IP literal", e);
        }
    }

    /** A resolver that answers {@code addresses} for any name and records which names it was asked. */
    private HostResolver answering(String... addresses) {
        return host -> {
            resolved.add(host);
            return List.of(addresses).stream().map(TcpDialerTest::ip).toList();
        };
    }

    @Test
    void nameResolvingToLoopbackIsBlockedBeforeAnyConnect() {
        TcpDialer dialer = new TcpDialer(host -> {
            resolved.add(host);
            if (!host.equals("rebind.test")) {
                throw new UnknownHostException(host);
            }
            return List.of(ip("127.0.0.1"));
        }, DestinationPolicy.of(false), TIMEOUT, true);

        var e = assertThrows(DestinationBlockedException.class, () -> dialer.connect("rebind.test", 80, dialed::add));

        assertEquals("destination resolves only to refused addresses (loopback)", e.getMessage());
        assertEquals(List.of("rebind.test"), resolved, "names resolved");
        assertEquals(List.of(), dialed, "sockets created");
    }

    @Test
    void onlyTheAllowedAddressesOfAMixedAnswerAreDialable() throws IOException {
        TcpDialer dialer = new TcpDialer(answering("127.0.0.1", "8.8.8.8", "10.0.0.1", "2606:4700:4700::1111"),
                DestinationPolicy.of(false), TIMEOUT, true);

        // allowedAddresses only resolves and filters; nothing is dialed (8.8.8.8 is never contacted)
        assertEquals(List.of(ip("8.8.8.8"), ip("2606:4700:4700::1111")), dialer.allowedAddresses("mixed.test"));
    }

    @Test
    void everyAddressIsDialableInResolverOrderWhenPrivateAddressesAreAllowed() throws IOException {
        TcpDialer dialer = new TcpDialer(answering("10.0.0.1", "127.0.0.1", "::1"), DestinationPolicy.of(true), TIMEOUT,
                true);

        assertEquals(List.of(ip("10.0.0.1"), ip("127.0.0.1"), ip("::1")), dialer.allowedAddresses("internal.test"));
    }

    @Test
    void blockedMessageNamesTheClassOfTheFirstRefusedAddress() {
        TcpDialer dialer = new TcpDialer(answering("10.0.0.1", "127.0.0.1"), DestinationPolicy.of(false), TIMEOUT, true);

        var e = assertThrows(DestinationBlockedException.class, () -> dialer.connect("internal.test", 80, dialed::add));

        assertEquals("destination resolves only to refused addresses (private)", e.getMessage());
        assertEquals(List.of(), dialed, "sockets created");
    }

    @Test
    void emptyResolutionIsAnUnknownHost() {
        TcpDialer dialer = new TcpDialer(answering(), DestinationPolicy.of(true), TIMEOUT, true);

        var e = assertThrows(UnknownHostException.class, () -> dialer.connect("empty.test", 80, dialed::add));

        assertEquals("no addresses", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 65536})
    void portOutsideOneTo65535IsInvalidBeforeResolving(int port) {
        TcpDialer dialer = new TcpDialer(answering("127.0.0.1"), DestinationPolicy.of(true), TIMEOUT, true);

        var e = assertThrows(InvalidDestinationException.class, () -> dialer.connect("127.0.0.1", port, dialed::add));

        assertEquals("port " + port, e.getMessage());
        assertEquals(List.of(), resolved, "names resolved");
    }

    @Test
    void invalidHostnameIsRejectedBeforeResolving() {
        TcpDialer dialer = new TcpDialer(answering("127.0.0.1"), DestinationPolicy.of(true), TIMEOUT, true);

        var e = assertThrows(InvalidDestinationException.class, () -> dialer.connect("bad host", 80, dialed::add));

        assertEquals("hostname contains a control or blank character", e.getMessage());
        assertEquals(List.of(), resolved, "names resolved");
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.1.2.3", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1",
            "::ffff:7f00:1", "localhost"})
    void loopbackSpellingsAreBlockedWithTheJdkResolver(String host) {
        // IP literals are parsed without a lookup; "localhost" is answered from the hosts file
        TcpDialer dialer = new TcpDialer(HostResolver.JDK, DestinationPolicy.of(false), TIMEOUT, true);

        var e = assertThrows(DestinationBlockedException.class, () -> dialer.connect(host, 80, dialed::add));

        assertEquals("destination resolves only to refused addresses (loopback)", e.getMessage());
        assertEquals(List.of(), dialed, "sockets created");
    }

    @Test
    void connectsToTheAllowedLoopbackAddressAndHandsOverTheSocketFirst() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            TcpDialer dialer = new TcpDialer(HostResolver.JDK, DestinationPolicy.of(true), TIMEOUT, true);

            try (SocketChannel s = dialer.connect("127.0.0.1", server.getLocalPort(), dialed::add)) {
                assertTrue(s.isConnected(), "connected");
                assertEquals(new InetSocketAddress(ip("127.0.0.1"), server.getLocalPort()), s.getRemoteAddress());
                assertEquals(List.of(s), dialed, "the connected socket was handed over before connecting");
                assertTrue(s.getOption(StandardSocketOptions.TCP_NODELAY), "TCP_NODELAY");
            }
        }
    }

    @Test
    void connectsToBracketedIpv6Loopback() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 50, ip("::1"))) {
            TcpDialer dialer = new TcpDialer(HostResolver.JDK, DestinationPolicy.of(true), TIMEOUT, false);

            try (SocketChannel s = dialer.connect("[::1]", server.getLocalPort(), dialed::add)) {
                assertEquals(new InetSocketAddress(ip("::1"), server.getLocalPort()), s.getRemoteAddress());
                assertFalse(s.getOption(StandardSocketOptions.TCP_NODELAY), "TCP_NODELAY as configured");
            }
        }
    }

    @Test
    void refusedAddressFallsThroughToTheNextAllowedOne() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 50, ip("127.0.0.1"))) {
            int port = server.getLocalPort();
            // ::1 has no listener on this port (checked by binding it once), so the first attempt is refused
            new ServerSocket(port, 1, ip("::1")).close();
            TcpDialer dialer = new TcpDialer(answering("::1", "127.0.0.1"), DestinationPolicy.of(true), TIMEOUT, true);

            try (SocketChannel s = dialer.connect("dual.test", port, dialed::add)) {
                assertEquals(new InetSocketAddress(ip("127.0.0.1"), port), s.getRemoteAddress());
                assertEquals(2, dialed.size(), "sockets created: one per address tried");
                assertFalse(dialed.get(0).isOpen(), "the refused attempt's socket is closed");
            }
        }
    }

    @Test
    void refusedConnectIsAConnectException() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        TcpDialer dialer = new TcpDialer(HostResolver.JDK, DestinationPolicy.of(true), TIMEOUT, true);

        var e = assertThrows(ConnectException.class, () -> dialer.connect("127.0.0.1", closedPort, dialed::add));

        assertEquals("Connection refused", e.getMessage());
        assertEquals(1, dialed.size(), "sockets created");
        assertFalse(dialed.get(0).isOpen(), "the failed socket is closed");
    }

    @Test
    void unansweredConnectTimesOutWithTheConfiguredTimeout() throws IOException {
        try (UnansweredPort port = new UnansweredPort()) {
            TcpDialer dialer = new TcpDialer(HostResolver.JDK, DestinationPolicy.of(true), Duration.ofMillis(300), true);
            AtomicInteger attempts = new AtomicInteger();

            var e = assertThrows(ConnectTimeoutException.class,
                    () -> dialer.connect("127.0.0.1", port.port(), s -> attempts.incrementAndGet()));

            assertEquals("connect timed out after 300 ms", e.getMessage());
            assertEquals(1, attempts.get(), "connect attempts");
        }
    }

    /** The SSRF list of the issue, each name resolving to one refused address: no socket is ever created. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"127.0.0.1", "::1", "::ffff:127.0.0.1", "::ffff:7f00:1",
            "10.0.0.1", "172.16.0.1", "192.168.1.1", "169.254.169.254", "fc00::1", "fe80::1", "100.64.0.1", "0.0.0.0"})
    void namesResolvingToInternalAddressesAreRefusedWithoutDialing(String address) {
        TcpDialer dialer = new TcpDialer(host -> List.of(InetAddress.getByName(address)), DestinationPolicy.of(false),
                TIMEOUT, true);
        assertThrows(DestinationBlockedException.class, () -> dialer.connect("innocent.example", 80, dialed::add));
        assertEquals(List.of(), dialed, "no socket was created for " + address);
    }
}
