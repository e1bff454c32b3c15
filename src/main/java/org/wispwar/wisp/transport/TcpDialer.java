package org.wispwar.wisp.transport;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Opens destination TCP sockets: validate the name, resolve it once, keep only the addresses the policy allows, and
 * connect to exactly those (never to the name again, so DNS rebinding cannot slip past the check). Blocking: call it on
 * a virtual thread. Immutable; thread-safe.
 */
public final class TcpDialer {
    private final HostResolver resolver;
    private final DestinationPolicy policy;
    private final Duration connectTimeout;
    private final boolean tcpNoDelay;
    private final UdpDialer udp;

    public TcpDialer(HostResolver resolver, DestinationPolicy policy, Duration connectTimeout, boolean tcpNoDelay) {
        this.resolver = resolver;
        this.policy = policy;
        this.connectTimeout = connectTimeout;
        this.tcpNoDelay = tcpNoDelay;
        this.udp = new UdpDialer(this);
    }

    /** The UDP dialer with this dialer's resolver and policy. */
    public UdpDialer udp() {
        return udp;
    }

    /**
     * Connects to {@code host:port} and returns a connected channel in blocking mode. {@code onSocket} receives each
     * channel before it connects, so that its owner can close it from another thread to abort the attempt.
     *
     * @throws InvalidDestinationException  bad host or port 0 (0x41)
     * @throws java.net.UnknownHostException the name does not resolve (0x42)
     * @throws DestinationBlockedException  every resolved address is refused by the policy (0x48)
     * @throws ConnectTimeoutException      no answer within the connect timeout (0x43)
     * @throws java.net.ConnectException    refused (0x44)
     */
    public SocketChannel connect(String host, int port, Consumer<SocketChannel> onSocket) throws IOException {
        return connect(host, port, onSocket, address -> { });
    }

    /**
     * As {@link #connect(String, int, Consumer)}, telling {@code onDial} each address just before it is dialed (for
     * the access log: the last one told is the one connected, or the last one tried).
     */
    public SocketChannel connect(String host, int port, Consumer<SocketChannel> onSocket, Consumer<InetAddress> onDial)
            throws IOException {
        List<InetAddress> allowed = resolveAllowed(false, host, port);
        long deadline = System.nanoTime() + connectTimeout.toNanos();
        IOException last = null;
        for (InetAddress address : allowed) {
            long remainingMillis = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            if (last != null && deadline - System.nanoTime() <= 0) {
                break;
            }
            SocketChannel socket = SocketChannel.open(
                    address instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
            onSocket.accept(socket);
            onDial.accept(address);
            try {
                socket.setOption(StandardSocketOptions.TCP_NODELAY, tcpNoDelay);
                socket.socket().connect(new InetSocketAddress(address, port),
                        (int) Math.min(Integer.MAX_VALUE, remainingMillis));
                return socket;
            } catch (SocketTimeoutException e) {
                closeQuietly(socket);
                last = new ConnectTimeoutException("connect timed out after " + connectTimeout.toMillis() + " ms");
            } catch (IOException e) {
                closeQuietly(socket);
                last = e;
            }
        }
        throw last;
    }

    /**
     * Everything before a connect, in order: port and name syntax (0x41), the operator's name and port rules (0x48),
     * one resolution (0x42), then the address rules on every answer (0x48 when none is left).
     */
    List<InetAddress> resolveAllowed(boolean udp, String host, int port) throws IOException {
        if (port < 1 || port > 0xFFFF) {
            throw new InvalidDestinationException("port " + port);
        }
        String name = Hostnames.validate(host);
        policy.checkDestination(udp, name, port);
        return allowedAddresses(name);
    }

    /** Resolves once and filters; the result is what may be dialed, in the resolver's order. */
    public List<InetAddress> allowedAddresses(String host) throws IOException {
        List<InetAddress> resolved = resolver.resolve(host);
        List<InetAddress> allowed = new ArrayList<>(resolved.size());
        AddressClass refused = null;
        for (InetAddress a : resolved) {
            if (policy.allows(a)) {
                allowed.add(a);
            } else if (refused == null) {
                refused = DestinationPolicy.classify(a);
            }
        }
        if (allowed.isEmpty()) {
            if (refused == null) {
                throw new java.net.UnknownHostException("no addresses");
            }
            throw new DestinationBlockedException("destination resolves only to refused addresses ("
                    + refused.name().toLowerCase(java.util.Locale.ROOT) + ")");
        }
        return allowed;
    }

    private static void closeQuietly(SocketChannel s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing a socket that failed to connect: nothing left to release
        }
    }
}
