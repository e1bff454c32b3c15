package org.wispwar.wisp.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.wispwar.wisp.config.BudgetConfig;
import org.wispwar.wisp.config.WispConfig;
import org.wispwar.wisp.limits.ByteBudget;
import org.wispwar.wisp.metrics.WispMetrics;
import org.wispwar.wisp.protocol.Close;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.Continue;
import org.wispwar.wisp.protocol.Data;
import org.wispwar.wisp.protocol.Info;
import org.wispwar.wisp.protocol.PacketType;
import org.wispwar.wisp.protocol.Role;
import org.wispwar.wisp.protocol.WispCodec;
import org.wispwar.wisp.protocol.WispPacket;
import org.wispwar.wisp.protocol.WispProtocolException;
import org.wispwar.wisp.stream.BufferPool;
import org.wispwar.wisp.stream.PacketSender;
import org.wispwar.wisp.testing.Await;
import org.wispwar.wisp.testing.RecordingReadControl;
import org.wispwar.wisp.transport.DestinationPolicy;
import org.wispwar.wisp.transport.HostResolver;
import org.wispwar.wisp.transport.TcpDialer;

/**
 * Fuzzes a whole {@link WispSession}, without a container: the input is a script of client messages (CONNECTs to real
 * loopback destinations, DATA small and large, CLOSE, CONTINUE, INFO, raw bytes), each delivered in parts as a container
 * would, honouring a read pause as a container does. Invariants, checked after every part:
 * <ul>
 *   <li>only {@link WispProtocolException} escapes {@link WispSession#onMessagePart}, with close code 1002 or 1009
 *       (it ends the script: the endpoint would close the WebSocket);</li>
 *   <li>no more streams are open than {@code maxStreamsPerConnection};</li>
 *   <li>the bytes the connection holds stay below its budget plus the part just delivered (reading pauses at the
 *       budget), and the server budget likewise;</li>
 *   <li>every frame the server sends decodes as a server's packet, and names stream 0 or a stream the client opened;</li>
 * </ul>
 * and when the script ends and the session shuts down: all its threads end, no socket or buffered byte is left, reading
 * is not left paused, and every connection a destination accepted sees its end (EOF or reset), all within 5 s.
 *
 * <p>Input: {@code u8 flags} (bit 0: v2 with a handshake, bit 1: private addresses allowed, so loopback is dialable),
 * then operations, each {@code u8 op} and its arguments (see {@link #step}). Destinations are three loopback servers
 * (one reads and discards, one echoes, one never reads) and a refused port; names resolve only to 127.0.0.1 or ::1,
 * so nothing but loopback is ever dialed. Budgets, credit and timeouts are small so that one execution takes
 * milliseconds.
 */
class WispSessionFuzzTest {
    static final int MAX_STREAMS = 4;
    static final int WINDOW = 4;
    static final long STREAM_BUDGET = 64 * 1024;
    static final long CONNECTION_BUDGET = 128 * 1024;
    /** The largest DATA payload a script can ask for: two of them fill the connection budget. */
    static final int MAX_LARGE_DATA = 96 * 1024;
    static final int MAX_OPS = 48;
    /** How long a paused reader waits for its budget to drain before the script ends (the client stays held). */
    static final long PAUSE_WAIT_MILLIS = 100;
    /** How long op 7 waits for the server to send something: short, as every execution should take milliseconds. */
    static final long ACTIVITY_WAIT_MILLIS = 10;

    static final WispConfig CONFIG = SessionHarness.config(WINDOW, MAX_STREAMS, Duration.ofSeconds(1),
                    Duration.ofSeconds(1))
            .withBudgets(new BudgetConfig(STREAM_BUDGET, CONNECTION_BUDGET, CONNECTION_BUDGET, Duration.ofMillis(500)));
    static final V2Settings V2 = new V2Settings(true, "fuzz", null, false, null, false, Duration.ofSeconds(1));

    static final Destination SINK = Destination.start("sink");
    static final Destination ECHO = Destination.start("echo");
    static final Destination HOLD = Destination.start("hold");
    static final int REFUSED_PORT = refusedPort();
    /** Hostnames a CONNECT can name; the resolver knows the first four, and the others are unknown. */
    static final List<String> HOSTS = List.of("127.0.0.1", "localhost.test", "::1", "::ffff:127.0.0.1",
            "nothing.invalid", "", "a".repeat(300));
    static final HostResolver RESOLVER = host -> switch (host) {
        case "127.0.0.1", "localhost.test", "::ffff:127.0.0.1" -> List.of(InetAddress.getByName("127.0.0.1"));
        case "::1" -> List.of(InetAddress.getByName("::1"));
        default -> throw new UnknownHostException(host + ": the fuzz resolver knows only loopback names");
    };

    @FuzzTest(maxDuration = "10s")
    void session(byte[] input) throws Exception {
        if (input.length < 1) {
            return;
        }
        Script script = new Script(input);
        int flags = script.u8();
        Run run = new Run((flags & 1) != 0, (flags & 2) != 0);
        try {
            run.session.start();
            for (int ops = 0; ops < MAX_OPS && script.hasMore() && !run.ended; ops++) {
                step(script, run);
            }
        } finally {
            run.finish();
        }
    }

    /**
     * One operation. {@code op % 8}: 0 CONNECT (u8 stream, u8 destination, u8 host, u8 type), 1 small DATA (u8 stream,
     * u8 length, bytes), 2 large DATA (u8 stream, u8 size in KiB), 3 CLOSE (u8 stream, u8 reason), 4 CONTINUE (u8
     * stream), 5 client INFO (u8 length, payload), 6 raw message (u8 length, bytes), 7 wait until the server opened the
     * connection (v2) or a stream answered. Each message goes out in parts of {@code u8} bytes (0: whole).
     */
    static void step(Script in, Run run) throws Exception {
        int op = in.u8();
        int streamId = streamId(in.u8());
        ByteBuffer message = switch (op % 8) {
            case 0 -> {
                int destination = in.u8();
                String host = HOSTS.get(in.u8() % HOSTS.size());
                int type = in.u8() % 4;   // 0 and 3 are unknown types (CLOSE 0x41), 1 TCP, 2 UDP
                run.opened.add(streamId);
                yield WispCodec.encode(new Connect(streamId, type, port(destination), host));
            }
            case 1 -> WispCodec.encode(Data.of(streamId, in.bytes(in.u8())));
            case 2 -> WispCodec.encode(Data.of(streamId, new byte[Math.min(MAX_LARGE_DATA, in.u8() * 1024)]));
            case 3 -> WispCodec.encode(new Close(streamId, org.wispwar.wisp.protocol.CloseReason.of(in.u8()),
                    in.last()));
            case 4 -> WispCodec.encode(new Continue(streamId, 1));
            case 5 -> frame(PacketType.INFO, 0, in.bytes(in.u8()));
            case 6 -> {
                byte[] raw = in.bytes(in.u8());
                if (raw.length >= WispCodec.HEADER_LENGTH && raw[0] == PacketType.CONNECT) {
                    // raw bytes that spell a CONNECT open a stream too, which the server may then answer
                    run.opened.add(ByteBuffer.wrap(raw, 1, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt());
                }
                yield ByteBuffer.wrap(raw);
            }
            default -> {
                run.awaitActivity();
                yield null;
            }
        };
        if (message != null) {
            run.deliver(message, in.u8());
        }
    }

    /** Stream ids: mostly the few a client would use, sometimes 0 or the unsigned edge. */
    static int streamId(int b) {
        return switch (b >> 6) {
            case 0, 1 -> 1 + (b & 7);
            case 2 -> 0;
            default -> 0xFFFF_FFF8 | (b & 7);
        };
    }

    static int port(int b) {
        return switch (b % 4) {
            case 0 -> SINK.port();
            case 1 -> ECHO.port();
            case 2 -> HOLD.port();
            default -> REFUSED_PORT;
        };
    }

    static ByteBuffer frame(int type, int streamId, byte[] payload) {
        return ByteBuffer.allocate(WispCodec.HEADER_LENGTH + payload.length).put((byte) type)
                .put((byte) streamId).put((byte) (streamId >>> 8)).put((byte) (streamId >>> 16))
                .put((byte) (streamId >>> 24)).put(payload).flip();
    }

    /** One execution: a session, its recorder, and the checks. */
    static final class Run {
        final WispMetrics metrics = new WispMetrics();
        final RecordingReadControl reads = new RecordingReadControl();
        final ByteBudget serverBudget = new ByteBudget(WispConfig.SERVER_BYTE_BUDGET, CONNECTION_BUDGET, null);
        final Set<Integer> opened = ConcurrentHashMap.newKeySet();
        final CheckingSender sender = new CheckingSender(opened);
        final WispSession session;
        boolean ended;

        Run(boolean v2, boolean allowPrivate) {
            TcpDialer dialer = new TcpDialer(RESOLVER, DestinationPolicy.of(allowPrivate), CONFIG.connectTimeout(), true);
            session = new WispSession("fuzz", CONFIG, v2 ? V2 : null, new WispSession.Resources(sender, dialer, metrics,
                    new BufferPool(1 << 20), serverBudget, reads, null, null));
        }

        /** Delivers one message in parts of {@code partSize} (0: whole), waiting while reading is paused. */
        void deliver(ByteBuffer message, int partSize) {
            int size = partSize == 0 ? Math.max(1, message.remaining()) : partSize;
            do {
                if (!awaitReading()) {
                    ended = true;   // the client is held back for good: the WebSocket would time out
                    return;
                }
                int n = Math.min(size, message.remaining());
                ByteBuffer part = message.slice(message.position(), n);
                message.position(message.position() + n);
                try {
                    session.onMessagePart(part, !message.hasRemaining());
                } catch (WispProtocolException e) {
                    assertTrue(e.closeCode() == WispProtocolException.PROTOCOL_ERROR
                            || e.closeCode() == WispProtocolException.MESSAGE_TOO_BIG, "close code " + e.closeCode());
                    ended = true;   // the endpoint would shut the session down and close the WebSocket
                    return;
                }
                checkLimits(n);
            } while (message.hasRemaining());
        }

        /** A container reads no part while the gate is paused; the destinations drain it, or the client stays held. */
        private boolean awaitReading() {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PAUSE_WAIT_MILLIS);
            while (reads.paused()) {
                if (System.nanoTime() - deadline > 0) {
                    return false;
                }
                Thread.onSpinWait();
                Thread.yield();
            }
            return true;
        }

        private void checkLimits(int partLength) {
            int streams = session.streamCount();
            assertTrue(streams <= MAX_STREAMS, () -> streams + " streams open, cap " + MAX_STREAMS);
            // A part lands whole before the gate can pause: the budgets count buffer capacity, so the part may pass
            // them by its bytes plus the unused room of the buffer it ended in (under 64 KiB: a large packet's next
            // buffer is a 64 KiB one, however few bytes the part brings). The first 10-minute run found a 226-byte
            // part that opened such a buffer: 1,024 B over the budget + part.
            long slack = partLength + BufferPool.MAX_CHUNK;
            long held = session.bufferedBytes();
            assertTrue(held < CONNECTION_BUDGET + slack,
                    () -> held + " bytes held, connection budget " + CONNECTION_BUDGET + " + part " + partLength);
            long server = serverBudget.used();
            assertTrue(server < CONNECTION_BUDGET + slack,
                    () -> server + " bytes held server-wide, budget " + CONNECTION_BUDGET + " + part " + partLength);
        }

        /** Waits (briefly, bounded) until the server has sent something new: a handshake answer, a CLOSE, DATA. */
        void awaitActivity() {
            int seen = sender.frames.get();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ACTIVITY_WAIT_MILLIS);
            while (sender.frames.get() == seen && System.nanoTime() - deadline < 0) {
                Thread.onSpinWait();
                Thread.yield();
            }
        }

        /** Shuts the session down as the endpoint does when the WebSocket ends, and checks that nothing is left. */
        void finish() throws InterruptedException {
            session.shutdown();
            assertTrue(session.awaitThreads(Await.TIMEOUT_SECONDS, TimeUnit.SECONDS),
                    "the session's threads end within " + Await.TIMEOUT_SECONDS + " s of shutdown");
            assertEquals(0, metrics.threads(), "threads left");
            assertEquals(0, metrics.sockets(), "sockets left open");
            assertEquals(0, serverBudget.used(), "bytes left in the budgets");
            assertEquals(0, session.streamCount(), "streams left registered");
            assertFalse(reads.paused(), "reading left paused");
            assertEquals(0, reads.misuses(), "pause and resume alternate");
            assertEquals(List.of(), sender.failures, "frames the server sent");
            // Held connections read on only now, so their end shows whether the session closed them. A connection the
            // kernel completed but the acceptor has not taken yet is released by a later poll.
            Await.until(() -> "every destination connection ends: sink " + SINK + ", echo " + ECHO + ", hold " + HOLD,
                    () -> {
                        HOLD.release();
                        return SINK.ended() + ECHO.ended() + HOLD.ended()
                                == SINK.accepted() + ECHO.accepted() + HOLD.accepted();
                    });
        }
    }

    /** The client's side of the WebSocket: decodes every frame as the server's and checks which stream it names. */
    static final class CheckingSender implements PacketSender {
        final AtomicInteger frames = new AtomicInteger();
        final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        private final Set<Integer> opened;

        CheckingSender(Set<Integer> opened) {
            this.opened = opened;
        }

        @Override
        public void sendFrame(ByteBuffer frame) throws IOException {
            WispPacket p;
            try {
                p = WispCodec.decode(frame.duplicate(), Role.SERVER);
            } catch (WispProtocolException e) {
                failures.add("malformed frame: " + e.getMessage());
                throw new IOException(e);
            }
            boolean connectionLevel = p.streamId() == 0 && (p instanceof Continue || p instanceof Close
                    || p instanceof Info);
            if (!connectionLevel && !opened.contains(p.streamId())) {
                failures.add(p + " names a stream the client never opened");
            }
            frames.incrementAndGet();
        }

        @Override
        public void closeConnection(int code, String reason) {
            frames.incrementAndGet();
        }
    }

    /** Reads the script; past its end every value is 0. */
    static final class Script {
        private final byte[] bytes;
        private int at;

        Script(byte[] bytes) {
            this.bytes = bytes;
        }

        boolean hasMore() {
            return at < bytes.length;
        }

        int u8() {
            return at < bytes.length ? Byte.toUnsignedInt(bytes[at++]) : 0;
        }

        /** The last byte read, as a CLOSE's raw reason. */
        int last() {
            return at > 0 ? Byte.toUnsignedInt(bytes[at - 1]) : 0;
        }

        byte[] bytes(int n) {
            int m = Math.min(n, bytes.length - at);
            byte[] out = java.util.Arrays.copyOfRange(bytes, at, at + m);
            at += m;
            return out;
        }
    }

    /**
     * A loopback destination shared by every execution. It counts the connections it accepted and those whose end it
     * has seen (EOF or a reset): "sink" reads and discards, "echo" writes back, "hold" reads nothing until
     * {@link #release} (so the session's bytes pile up in its budgets), then reads to the end. Only an end seen counts:
     * a connection the session left open keeps the counts apart, and the bounded wait in {@link Run#finish} fails.
     */
    static final class Destination {
        private final String kind;
        private final ServerSocket server;
        private final AtomicInteger accepted = new AtomicInteger();
        private final AtomicInteger ended = new AtomicInteger();
        /** A held connection waits until this moves past the value it saw when accepted. */
        private final java.util.concurrent.atomic.AtomicLong releases = new java.util.concurrent.atomic.AtomicLong();

        private Destination(String kind, ServerSocket server) {
            this.kind = kind;
            this.server = server;
        }

        static Destination start(String kind) {
            try {
                Destination d = new Destination(kind, new ServerSocket(0, 100, InetAddress.getLoopbackAddress()));
                Thread.ofPlatform().daemon().name("fuzz-" + kind + "-accept").start(d::acceptLoop);
                return d;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        int port() {
            return server.getLocalPort();
        }

        int accepted() {
            return accepted.get();
        }

        int ended() {
            return ended.get();
        }

        /** Lets every connection held so far read on (to its end). */
        void release() {
            releases.incrementAndGet();
        }

        private void acceptLoop() {
            while (true) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    return;
                }
                accepted.incrementAndGet();
                long held = releases.get();
                Thread.ofVirtual().name("fuzz-" + kind + "-conn").start(() -> serve(s, held));
            }
        }

        private void serve(Socket s, long held) {
            try (s) {
                if (kind.equals("hold")) {
                    while (releases.get() == held) {
                        Thread.sleep(5);
                    }
                }
                InputStream in = s.getInputStream();
                byte[] buffer = new byte[16 * 1024];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    if (kind.equals("echo")) {
                        s.getOutputStream().write(buffer, 0, n);
                    }
                }
                ended.incrementAndGet();   // EOF: the session closed its socket
            } catch (java.net.SocketException e) {
                ended.incrementAndGet();   // a reset (the session closed with bytes unread) or a write to a closed peer
            } catch (IOException | InterruptedException e) {
                // not an end the session caused: left uncounted, so the run's check fails
            }
        }

        @Override
        public String toString() {
            return accepted + " accepted, " + ended + " ended";
        }
    }

    private static int refusedPort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();   // closed again: connecting to it is refused
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
