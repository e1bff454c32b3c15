package org.wispwar.wisp.testing;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A destination for streams: a real {@link ServerSocket} on 127.0.0.1, port 0. Each accepted connection is handed to a
 * {@link Handler} on its own thread, and also queued so that a test can take it with {@link #nextConnection()}.
 * {@link #close()} closes the listener and every accepted socket. Thread-safe.
 */
public final class LoopbackServer {
    @FunctionalInterface
    public interface Handler {
        void serve(Socket socket) throws IOException, InterruptedException;
    }

    /** Leaves the connection to the test. */
    public static final Handler HOLD = socket -> { };

    /** Writes back everything it reads, then closes at EOF. */
    public static final Handler ECHO = socket -> {
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        byte[] buffer = new byte[16 * 1024];
        for (int n; (n = in.read(buffer)) >= 0; ) {
            out.write(buffer, 0, n);
        }
        socket.close();
    };

    private final ServerSocket server;
    private final Handler handler;
    private final LinkedBlockingQueue<Socket> accepted = new LinkedBlockingQueue<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    private LoopbackServer(ServerSocket server, Handler handler) {
        this.server = server;
        this.handler = handler;
        this.acceptor = Thread.ofPlatform().daemon().name("loopback-accept-" + server.getLocalPort())
                .start(this::acceptLoop);
    }

    public static LoopbackServer start(Handler handler) throws IOException {
        return new LoopbackServer(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), handler);
    }

    /** A server whose accepted sockets have a small receive buffer, so that a writer to it blocks early. */
    public static LoopbackServer startWithReceiveBuffer(int bytes, Handler handler) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReceiveBufferSize(bytes);   // before bind: accepted sockets inherit it
        s.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        return new LoopbackServer(s, handler);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** The next accepted connection, waiting up to 5 s. */
    public Socket nextConnection() throws InterruptedException {
        Socket s = accepted.poll(RecordingPacketSender.WAIT_SECONDS, TimeUnit.SECONDS);
        assertNotNull(s, "the destination accepted no connection within " + RecordingPacketSender.WAIT_SECONDS + " s");
        return s;
    }

    /** How many connections this server has accepted so far. */
    public int acceptedCount() {
        return sockets.size();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return;   // closed
            }
            sockets.add(s);
            accepted.add(s);
            Thread.ofPlatform().daemon().name("loopback-conn-" + s.getPort()).start(() -> {
                try {
                    handler.serve(s);
                } catch (IOException | InterruptedException e) {
                    closeQuietly(s);   // the peer went away: the end of this connection
                }
            });
        }
    }

    public void close() throws IOException, InterruptedException {
        server.close();
        for (Socket s : sockets) {
            closeQuietly(s);
        }
        acceptor.join(TimeUnit.SECONDS.toMillis(RecordingPacketSender.WAIT_SECONDS));
    }

    public static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already gone
        }
    }
}
