package org.wispwar.wisp.bench;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * A Wisp v1 server that dials nothing: the generator's ceiling. It speaks just enough Wisp for the generator's
 * scenarios and decides what a stream does by the CONNECT port, relative to the generator's target port base: echo
 * (DATA is sent straight back), source (32 KiB DATA as fast
 * as the WebSocket takes them), sink (DATA discarded), hello (one byte, then idle). Credit: CONTINUE(B) every B/2 DATA.
 * Echo copies the message (one memcpy) so that reading is not held up by sending.
 * Plain Jetty WebSocket API, no Jakarta layer, no sockets: what it reaches is what the generator (and the WebSocket
 * framing on this machine) can do.
 *
 * <pre>java -cp ... org.wispwar.wisp.bench.NoopWispServer --port 18082 --target-port-base 17100 [--max-seconds 3600]</pre>
 */
public final class NoopWispServer {
    static final int B = 128;
    static final int SOURCE_PAYLOAD = 32 * 1024;

    public static void main(String[] args) throws Exception {
        Map<String, String> a = WispBench.parse(args);
        int port = Integer.parseInt(a.getOrDefault("port", "18082"));
        int base = Integer.parseInt(a.getOrDefault("target-port-base", "17100"));
        long maxSeconds = Long.parseLong(a.getOrDefault("max-seconds", "3600"));
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        ContextHandler context = new ContextHandler("/");
        context.setHandler(WebSocketUpgradeHandler.from(server, context, container -> {
            container.setMaxBinaryMessageSize(64 * 1024 * 1024);
            container.setInputBufferSize(64 * 1024);   // Jetty's default, 4 KiB, makes a 50 KiB message 13 reads
            container.setIdleTimeout(Duration.ofMinutes(5));
            container.addMapping("/*", (rq, rs, cb) -> new Connection(base));
        }));
        server.setHandler(context);
        server.start();
        System.err.println("[noop] Wisp no-op server on ws://127.0.0.1:" + port + "/");
        Thread.sleep(TimeUnit.SECONDS.toMillis(maxSeconds));   // bounded lifetime
        server.stop();
        System.exit(0);
    }

    /** One WebSocket. The container calls the listener one message at a time. */
    public static final class Connection implements Session.Listener.AutoDemanding {
        private final int base;
        private final Map<Integer, StreamState> streams = new ConcurrentHashMap<>();
        private volatile Session session;

        Connection(int base) {
            this.base = base;
        }

        static final class StreamState {
            final int kind;
            int packets;
            volatile boolean closed;

            StreamState(int kind) {
                this.kind = kind;
            }
        }

        @Override
        public void onWebSocketOpen(Session s) {
            session = s;
            s.sendBinary(control(BenchConnection.CONTINUE, 0, B), Callback.NOOP);
        }

        @Override
        public void onWebSocketBinary(ByteBuffer m, Callback callback) {
            int p = m.position();
            if (m.remaining() < BenchConnection.HEADER) {
                callback.succeed();
                return;
            }
            int type = m.get(p) & 0xFF;
            int id = (m.get(p + 1) & 0xFF) | (m.get(p + 2) & 0xFF) << 8 | (m.get(p + 3) & 0xFF) << 16
                    | (m.get(p + 4) & 0xFF) << 24;
            switch (type) {
                case BenchConnection.CONNECT -> {
                    int port = (m.get(p + 6) & 0xFF) | (m.get(p + 7) & 0xFF) << 8;
                    int kind = port - base;
                    StreamState st = new StreamState(kind);
                    streams.put(id, st);
                    if (kind == LoopbackTargets.SOURCE) {
                        Thread.ofVirtual().start(() -> source(id, st));
                    } else if (kind == LoopbackTargets.HELLO) {
                        ByteBuffer hello = ByteBuffer.allocate(BenchConnection.HEADER + 1);
                        header(hello, BenchConnection.DATA, id).put((byte) '!').flip();
                        session.sendBinary(hello, Callback.NOOP);
                    }
                    callback.succeed();
                }
                case BenchConnection.DATA -> {
                    StreamState st = streams.get(id);
                    if (st == null) {
                        callback.succeed();
                        return;
                    }
                    if (++st.packets % (B / 2) == 0) {
                        session.sendBinary(control(BenchConnection.CONTINUE, id, B), Callback.NOOP);
                    }
                    if (st.kind != LoopbackTargets.SINK) {
                        // echo a copy and read on at once, as a real server decouples the two directions; what is
                        // queued is bounded by the client's credit (2B packets per stream at most)
                        ByteBuffer echo = ByteBuffer.allocate(m.remaining()).put(m.duplicate()).flip();
                        session.sendBinary(echo, Callback.NOOP);
                    }
                    callback.succeed();
                }
                case BenchConnection.CLOSE -> {
                    StreamState st = streams.remove(id);
                    if (st != null) {
                        st.closed = true;
                    }
                    callback.succeed();
                }
                default -> callback.succeed();
            }
        }

        private void source(int id, StreamState st) {
            byte[] frame = new byte[BenchConnection.HEADER + SOURCE_PAYLOAD];
            header(ByteBuffer.wrap(frame), BenchConnection.DATA, id);
            Semaphore outstanding = new Semaphore(4);
            try {
                while (!st.closed && session.isOpen()) {
                    if (!outstanding.tryAcquire(1, TimeUnit.SECONDS)) {
                        continue;
                    }
                    session.sendBinary(ByteBuffer.wrap(frame), Callback.from(outstanding::release,
                            x -> outstanding.release()));
                }
            } catch (InterruptedException e) {
                // stopping
            }
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason) {
            streams.values().forEach(s -> s.closed = true);
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            streams.values().forEach(s -> s.closed = true);
        }

        private static ByteBuffer control(int type, int id, int value) {
            ByteBuffer b = ByteBuffer.allocate(BenchConnection.HEADER + 4);
            header(b, type, id);
            b.put((byte) value).put((byte) (value >>> 8)).put((byte) (value >>> 16)).put((byte) (value >>> 24));
            return b.flip();
        }

        private static ByteBuffer header(ByteBuffer b, int type, int id) {
            return b.put((byte) type).put((byte) id).put((byte) (id >>> 8)).put((byte) (id >>> 16))
                    .put((byte) (id >>> 24));
        }
    }
}
