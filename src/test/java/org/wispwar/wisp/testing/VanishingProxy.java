package org.wispwar.wisp.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay on 127.0.0.1 between a client and a server, whose {@link #vanish} makes every client behind it disappear
 * as a host that lost power or its network would: no FIN, no RST, and nothing read any more, so the server's kernel
 * stops getting window space and its writes stall once the buffers are full. The sockets stay open until
 * {@link #close}. Thread-safe.
 */
public final class VanishingProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Thread> pumps = new CopyOnWriteArrayList<>();
    private volatile boolean vanished;

    private VanishingProxy(InetSocketAddress target) throws IOException {
        this.target = target;
        listener = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        pumps.add(Thread.ofVirtual().name("vanishing-proxy-accept").start(this::acceptLoop));
    }

    /** Relays every connection to {@code target} (a loopback address). */
    public static VanishingProxy to(InetSocketAddress target) throws IOException {
        return new VanishingProxy(target);
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** From now on nothing is read from either side and nothing is forwarded; no socket is closed. */
    public void vanish() {
        vanished = true;
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                sockets.add(client);
                Socket server = new Socket();
                sockets.add(server);
                server.connect(target, 5_000);
                pumps.add(Thread.ofVirtual().name("vanishing-proxy-up").start(() -> pump(client, server)));
                pumps.add(Thread.ofVirtual().name("vanishing-proxy-down").start(() -> pump(server, client)));
            } catch (IOException e) {
                return;   // the listener was closed
            }
        }
    }

    /** Copies until the proxy vanishes; then it stops reading, so the sender's window closes. */
    private void pump(Socket from, Socket to) {
        byte[] buf = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int n; !vanished && (n = in.read(buf)) >= 0; ) {
                if (vanished) {
                    return;   // bytes that came in as it vanished are lost, as on a dead link
                }
                out.write(buf, 0, n);
            }
            if (!vanished) {
                to.shutdownOutput();   // an orderly end before vanishing is passed on
            }
        } catch (IOException e) {
            // one side was closed (by close(), or by the peer before the proxy vanished): this relay is over
        }
    }

    @Override
    public void close() throws IOException {
        vanished = true;
        listener.close();
        for (Socket s : sockets) {
            s.close();
        }
        for (Thread t : pumps) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
