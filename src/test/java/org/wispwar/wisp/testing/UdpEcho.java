package org.wispwar.wisp.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/** A UDP echo on a loopback address, port 0: every datagram goes back to its sender as it came, on a virtual thread. */
public final class UdpEcho implements AutoCloseable {
    private final DatagramSocket socket;
    private final AtomicInteger received = new AtomicInteger();
    private final Thread thread;

    public UdpEcho(InetAddress loopback) throws IOException {
        socket = new DatagramSocket(new InetSocketAddress(loopback, 0));
        thread = Thread.ofVirtual().name("udp-echo").start(() -> {
            byte[] buf = new byte[65_535];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            while (!socket.isClosed()) {
                try {
                    p.setData(buf);
                    socket.receive(p);
                    received.incrementAndGet();
                    socket.send(new DatagramPacket(buf, p.getLength(), p.getSocketAddress()));
                } catch (IOException e) {
                    return;   // closed
                }
            }
        });
    }

    public int port() {
        return socket.getLocalPort();
    }

    public int received() {
        return received.get();
    }

    @Override
    public void close() throws InterruptedException {
        socket.close();
        thread.join(5_000);
    }
}
