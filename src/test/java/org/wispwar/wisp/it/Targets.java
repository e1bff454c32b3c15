package org.wispwar.wisp.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Real destination servers on 127.0.0.1, port 0, for integration tests: each accepted connection is handled on its own
 * virtual thread. {@link #connectionsClosed()} counts connections whose peer (our Wisp server) closed them, so tests can
 * prove that no destination socket outlives its stream.
 */
public final class Targets implements AutoCloseable {
    /** What a target does with one accepted socket. */
    @FunctionalInterface
    public interface Handler {
        void handle(Socket socket) throws IOException, InterruptedException;
    }

    private final ServerSocket server;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private final AtomicInteger closedByPeer = new AtomicInteger();
    private final BlockingQueue<Socket> acceptedQueue = new LinkedBlockingQueue<>();
    private final Thread acceptor;

    private Targets(Handler handler) throws IOException {
        this(handler, 0);
    }

    /** {@code receiveBuffer} > 0: the accepted sockets' receive buffer (set before bind, so they inherit it). */
    private Targets(Handler handler, int receiveBuffer) throws IOException {
        server = new ServerSocket();
        if (receiveBuffer > 0) {
            server.setReceiveBufferSize(receiveBuffer);
        }
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1000);
        acceptor = Thread.ofVirtual().name("target-accept-" + server.getLocalPort()).start(() -> {
            while (!server.isClosed()) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    return;
                }
                accepted.add(s);
                acceptedQueue.add(s);
                Thread.ofVirtual().start(() -> {
                    try (s) {
                        handler.handle(s);
                    } catch (IOException | InterruptedException e) {
                        // the Wisp server closed or reset the connection: counted below as a close
                    } finally {
                        closedByPeer.incrementAndGet();
                    }
                });
            }
        });
    }

    /** Echoes every byte back until EOF. */
    public static Targets echo() throws IOException {
        return new Targets(s -> {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
            }
        });
    }

    /** Writes the given bytes, then closes (destination EOF). */
    public static Targets sendAndClose(byte[] bytes) throws IOException {
        return new Targets(s -> s.getOutputStream().write(bytes));
    }

    /** Writes zeros as fast as it can until the connection breaks. */
    public static Targets source() throws IOException {
        return new Targets(s -> {
            OutputStream out = s.getOutputStream();
            byte[] buf = new byte[32 * 1024];
            while (true) {
                out.write(buf);
            }
        });
    }

    /** Any custom behaviour. */
    public static Targets of(Handler handler) throws IOException {
        return new Targets(handler, 0);
    }

    /**
     * Any custom behaviour, on sockets with a small receive buffer: a destination that does not read then fills up
     * after little more than {@code bytes}, so what waits for it is held by the Wisp server, where the test can see it.
     */
    public static Targets withReceiveBuffer(int bytes, Handler handler) throws IOException {
        return new Targets(handler, bytes);
    }

    /** What a {@link #sink} got: a running SHA-256 and byte count over all its connections. Thread-safe. */
    public static final class Digest {
        private final java.security.MessageDigest sha;
        private long count;

        Digest() {
            try {
                sha = java.security.MessageDigest.getInstance("SHA-256");
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        synchronized void add(byte[] b, int n) {
            sha.update(b, 0, n);
            count += n;
        }

        public synchronized long count() {
            return count;
        }

        /** The SHA-256 of everything so far, as lowercase hex. */
        public synchronized String sha256() {
            try {
                return java.util.HexFormat.of().formatHex(((java.security.MessageDigest) sha.clone()).digest());
            } catch (CloneNotSupportedException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Reads every byte until EOF into {@code digest}. */
    public static Targets sink(Digest digest) throws IOException {
        return new Targets(s -> {
            InputStream in = s.getInputStream();
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) >= 0; ) {
                digest.add(buf, n);
            }
        });
    }

    public static Digest newDigest() {
        return new Digest();
    }

    public int port() {
        return server.getLocalPort();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port());
    }

    /** Connections whose handler has ended (EOF, reset or failure on our side of the socket). */
    public int connectionsClosed() {
        return closedByPeer.get();
    }

    public int connectionsAccepted() {
        return accepted.size();
    }

    /** The next accepted connection, waiting at most {@code seconds}. */
    public Socket nextAccepted(long seconds) throws InterruptedException {
        Socket s = acceptedQueue.poll(seconds, TimeUnit.SECONDS);
        if (s == null) {
            throw new AssertionError("no connection reached the target within " + seconds + " s");
        }
        return s;
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : accepted) {
            s.close();
        }
        acceptor.interrupt();
    }
}
