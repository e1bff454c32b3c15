package org.wispwar.wisp.transport;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.util.function.Consumer;

/**
 * Opens "connected" UDP sockets for UDP streams with the same checks as TCP: validate the name, resolve it once, keep
 * only the addresses the policy allows, and connect to the first of them, so datagrams only ever go to (and come from)
 * that checked address. Immutable; thread-safe.
 */
public final class UdpDialer {
    private final TcpDialer addresses;

    UdpDialer(TcpDialer addresses) {
        this.addresses = addresses;
    }

    /**
     * Opens a UDP channel connected to {@code host:port}. {@code onSocket} receives it before anything else happens, so
     * its owner can close it from another thread. A UDP connect sends nothing; an unreachable port shows up later as a
     * {@link java.net.PortUnreachableException} on receive.
     *
     * @throws InvalidDestinationException  bad host or port 0 (0x41)
     * @throws java.net.UnknownHostException the name does not resolve (0x42)
     * @throws DestinationBlockedException  every resolved address is refused by the policy (0x48)
     */
    public DatagramChannel connect(String host, int port, Consumer<? super DatagramChannel> onSocket)
            throws IOException {
        return connect(host, port, onSocket, address -> { });
    }

    /** As {@link #connect(String, int, Consumer)}, telling {@code onDial} the address it connects to. */
    public DatagramChannel connect(String host, int port, Consumer<? super DatagramChannel> onSocket,
            Consumer<InetAddress> onDial) throws IOException {
        InetAddress address = addresses.resolveAllowed(true, host, port).get(0);
        DatagramChannel channel = DatagramChannel.open(
                address instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
        onSocket.accept(channel);
        onDial.accept(address);
        channel.connect(new InetSocketAddress(address, port));
        return channel;
    }
}
