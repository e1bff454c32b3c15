package org.wispwar.wisp.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.wispwar.wisp.protocol.Close;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.Continue;
import org.wispwar.wisp.protocol.Data;
import org.wispwar.wisp.protocol.StreamType;
import org.wispwar.wisp.protocol.WispPacket;

/**
 * The soak's mixed load, all at once until {@link #stop()}, every answer checked; an unexpected one is counted in
 * {@link #errors} (and the first ones logged). Workers, each a virtual thread:
 * <ul>
 *   <li>{@code opener} ×2: a WebSocket, then {@value #STREAMS_PER_OPENER_WS} times CONNECT to echo, one echo round trip,
 *       CLOSE; then the WebSocket closes (1000 expected) and a new one opens;</li>
 *   <li>{@code echo}: one long-lived WebSocket with {@value #ECHO_STREAMS} echo streams, each doing a round trip of
 *       1 B–16 KiB every {@value #ECHO_PAUSE_MS} ms, bytes compared;</li>
 *   <li>{@code upload}: bulk to the sink at {@code uploadRate} bytes/s under credit; the sink must receive every byte;</li>
 *   <li>{@code download}: bulk from the source, the client taking at most one 32 KiB message per
 *       {@code downloadDelay} (a rate cap, and backpressure for the server);</li>
 *   <li>{@code slow-reader}: a WebSocket that takes one message per {@value #SLOW_READER_DELAY_MS} ms from a source;</li>
 *   <li>{@code slow-destination}: one {@value #SLOW_UPLOAD_MIB} MiB DATA packet after another to a destination reading
 *       {@value #SLOW_DESTINATION_RATE_MIB} MiB/s and checking every byte (the server must pause that WebSocket);</li>
 *   <li>{@code bad-input}: throwaway WebSockets, one bad case after another, each checked for the answer the README's
 *       "What clients see" documents.</li>
 * </ul>
 * Thread-safe: counters are adders, the error samples a synchronized list.
 */
final class SoakLoad {
    static final int STREAMS_PER_OPENER_WS = 25;
    static final int ECHO_STREAMS = 8;
    static final int ECHO_PAUSE_MS = 50;
    static final int SLOW_READER_DELAY_MS = 20;
    static final int SLOW_UPLOAD_MIB = 8;
    static final int SLOW_DESTINATION_RATE_MIB = 2;
    private static final int BULK_PAYLOAD = 32 * 1024;
    private static final int OPENER_PAUSE_MS = 20;
    private static final int BAD_INPUT_PAUSE_MS = 200;
    /** A worker that has not moved bytes for this long has stalled. */
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final int MAX_ERROR_SAMPLES = 50;

    private final URI url;
    private final LoopbackTargets targets;
    private final WebSocketClient jetty;
    private final long uploadRate;
    private final long downloadDelayNanos;
    private final int refusedPort;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> workers = new ArrayList<>();
    /** Operations done, by kind. */
    final Map<String, LongAdder> ops = new ConcurrentSkipListMap<>();
    /** Unexpected answers, by worker and kind. */
    final Map<String, LongAdder> errors = new ConcurrentSkipListMap<>();
    final List<String> errorSamples = Collections.synchronizedList(new ArrayList<>());

    SoakLoad(URI url, LoopbackTargets targets, WebSocketClient jetty, long uploadRate, long downloadRate)
            throws IOException {
        this.url = url;
        this.targets = targets;
        this.jetty = jetty;
        this.uploadRate = uploadRate;
        this.downloadDelayNanos = (long) (BULK_PAYLOAD * 1e9 / downloadRate);
        this.refusedPort = refusedPort();
        targets.uploadBytes = SLOW_UPLOAD_MIB * 1024L * 1024;
        targets.uploadRate = SLOW_DESTINATION_RATE_MIB * 1024L * 1024;
    }

    /** A loopback port with no listener (bound, then closed) that refuses connects now; checked, not assumed. */
    private static int refusedPort() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            throw new IllegalStateException("port " + port + " accepts connects; cannot test a refused connect");
        } catch (ConnectException expected) {
            return port;
        }
    }

    void start() {
        for (int i = 0; i < 2; i++) {
            worker("opener-" + i, this::opener);
        }
        worker("echo", this::echo);
        worker("upload", this::upload);
        worker("download", () -> source("download", downloadDelayNanos));
        worker("slow-reader", () -> source("slow-reader", TimeUnit.MILLISECONDS.toNanos(SLOW_READER_DELAY_MS)));
        worker("slow-destination", this::slowDestination);
        worker("bad-input", this::badInput);
    }

    /** Stops every worker (each finishes its step, bounded by {@link SoakClient#WAIT}) and runs the final checks. */
    void stop() throws InterruptedException {
        running.set(false);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        for (Thread t : workers) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            if (t.isAlive()) {
                error(t.getName(), "worker did not stop within 90 s");
            }
        }
        if (targets.uploadMismatches.sum() > 0) {
            error("slow-destination", targets.uploadMismatches.sum() + " uploads arrived incomplete or altered");
        }
    }

    long ops(String kind) {
        LongAdder a = ops.get(kind);
        return a == null ? 0 : a.sum();
    }

    long errorCount() {
        return errors.values().stream().mapToLong(LongAdder::sum).sum();
    }

    private void op(String kind, long n) {
        ops.computeIfAbsent(kind, k -> new LongAdder()).add(n);
    }

    void error(String worker, String what) {
        errors.computeIfAbsent(worker, k -> new LongAdder()).increment();
        String line = LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + " " + worker + ": " + what;
        if (errorSamples.size() < MAX_ERROR_SAMPLES) {
            errorSamples.add(line);
            WispBench.log("SOAK ERROR " + line);
        }
    }

    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    /** Runs {@code body} until stopped; an exception is an error, followed by a 1 s pause so a dead server is no spin. */
    private void worker(String name, Step body) {
        workers.add(Thread.ofVirtual().name("soak-" + name).start(() -> {
            while (running.get()) {
                try {
                    body.run();
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    error(name, e.toString());
                    pause(1000);
                }
            }
        }));
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------------------------------------ the workers

    /** Expects CONTINUE(0, B) as the first packet of a v1 connection. */
    private boolean initialCredit(SoakClient c, String worker) throws InterruptedException {
        WispPacket first = c.next(0);
        if (!(first instanceof Continue k) || k.bufferRemaining() <= 0) {
            error(worker, "first packet was not CONTINUE(0, B): " + first);
            return false;
        }
        return true;
    }

    private void opener() throws Exception {
        try (SoakClient c = SoakClient.open(jetty, url)) {
            op("websockets_opened", 1);
            if (!initialCredit(c, "opener")) {
                return;
            }
            for (int id = 1; id <= STREAMS_PER_OPENER_WS && running.get(); id++) {
                c.connect(new Connect(id, StreamType.TCP, targets.port(LoopbackTargets.ECHO), "127.0.0.1"));
                byte[] payload = randomBytes(64, 1024);
                if (!c.sendData(id, payload) || !echoed(c, id, payload, "opener")) {
                    return;
                }
                c.send(new Close(id, CloseReason.VOLUNTARY));
                c.forget(id);
                op("streams_opened_closed", 1);
                pause(OPENER_PAUSE_MS);
            }
            c.closeNormally();
            SoakClient.Closed closed = c.awaitClose();
            if (closed.code() != 1000) {
                error("opener", "WebSocket close answered " + closed);
            } else {
                op("websockets_closed", 1);
            }
        }
    }

    /** Reads DATA on a stream until {@code expected} came back whole; anything else is an error. */
    private boolean echoed(SoakClient c, int id, byte[] expected, String worker) throws InterruptedException {
        ByteArrayOutputStream back = new ByteArrayOutputStream(expected.length);
        while (back.size() < expected.length) {
            WispPacket p = c.next(id);
            if (!(p instanceof Data d)) {
                error(worker, "stream " + id + ": expected echo DATA, got " + (p == null ? "nothing within "
                        + SoakClient.WAIT : p));
                return false;
            }
            ByteBuffer b = d.payload().duplicate();
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            back.writeBytes(bytes);
        }
        if (!Arrays.equals(back.toByteArray(), expected)) {
            error(worker, "stream " + id + ": echo differs (" + back.size() + " bytes back, " + expected.length
                    + " sent)");
            return false;
        }
        return true;
    }

    private void echo() throws Exception {
        try (SoakClient c = SoakClient.open(jetty, url)) {
            if (!initialCredit(c, "echo")) {
                return;
            }
            List<Thread> streams = new ArrayList<>();
            for (int id = 1; id <= ECHO_STREAMS; id++) {
                int sid = id;
                c.connect(new Connect(sid, StreamType.TCP, targets.port(LoopbackTargets.ECHO), "127.0.0.1"));
                streams.add(Thread.ofVirtual().name("soak-echo-" + sid).start(() -> {
                    try {
                        while (running.get()) {
                            byte[] payload = randomBytes(1, 16 * 1024);
                            if (!c.sendData(sid, payload)) {
                                error("echo", "stream " + sid + ": no credit within " + SoakClient.WAIT);
                                return;
                            }
                            if (!echoed(c, sid, payload, "echo")) {
                                return;
                            }
                            op("echo_round_trips", 1);
                            Thread.sleep(ECHO_PAUSE_MS);
                        }
                    } catch (Exception e) {
                        error("echo", "stream " + sid + ": " + e);
                    }
                }));
            }
            for (Thread t : streams) {
                t.join();   // each ends when the soak stops (bounded by its waits) or on an error
            }
            if (running.get()) {
                pause(1000);   // an error ended a stream: a fresh connection after a pause
            }
            c.closeNormally();
        }
    }

    /** Bulk to the sink at {@link #uploadRate}; before its CLOSE, the sink must have every byte sent. */
    private void upload() throws Exception {
        try (BenchConnection c = BenchConnection.open(jetty, url, 1, BULK_PAYLOAD, 0)) {
            BenchConnection.Stream s = c.connect(1, targets.port(LoopbackTargets.SINK));
            long sinkBefore = targets.sinkBytes.sum();
            long t0 = System.nanoTime();
            long sent = 0;
            while (running.get()) {
                long due = t0 + (long) (sent * 1e9 / uploadRate);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                if (!s.takeCredit(System.nanoTime() + SoakClient.WAIT.toNanos())) {
                    error("upload", s.closed ? String.format("stream closed by the server: 0x%02x", s.closeReason)
                            : "no credit within " + SoakClient.WAIT);
                    return;
                }
                c.sendData(s, BULK_PAYLOAD);
                sent += BULK_PAYLOAD;
                op("upload_bytes", BULK_PAYLOAD);
            }
            long deadline = System.nanoTime() + SoakClient.WAIT.toNanos();
            while (targets.sinkBytes.sum() - sinkBefore < sent && System.nanoTime() < deadline) {
                Thread.sleep(50);   // polling a counter, with a deadline
            }
            long arrived = targets.sinkBytes.sum() - sinkBefore;
            if (arrived != sent || c.sendFailures.get() > 0) {
                error("upload", "sent " + sent + " bytes, the sink got " + arrived + "; send failures "
                        + c.sendFailures.get());
            }
            c.closeStream(1);
        }
    }

    /** One stream from the source, read at most one message per {@code delayNanos}; it must keep moving. */
    private void source(String worker, long delayNanos) throws Exception {
        try (BenchConnection c = BenchConnection.open(null, url, 1, 0, delayNanos)) {
            BenchConnection.Stream s = c.connect(1, targets.port(LoopbackTargets.SOURCE));
            long last = 0;
            long lastMove = System.nanoTime();
            while (running.get()) {
                Thread.sleep(1000);
                long now = s.received;
                op(worker + "_bytes", now - last);
                if (now > last) {
                    lastMove = System.nanoTime();
                    last = now;
                }
                if (s.closed || !c.isOpen()) {
                    error(worker, String.format("stream closed: 0x%02x, WebSocket open %s", s.closeReason,
                            c.isOpen()));
                    return;
                }
                if (System.nanoTime() - lastMove > STALL_NANOS) {
                    error(worker, "no byte for 30 s");
                    return;
                }
            }
            c.closeStream(1);
        }
    }

    /**
     * One large DATA packet after another to a destination that reads slowly and checks each byte; each upload must be
     * acknowledged by the destination's one-byte answer. The server holds at most its stream budget and pauses this
     * WebSocket meanwhile.
     */
    private void slowDestination() throws Exception {
        int maxStreams = 100_000;
        try (BenchConnection c = BenchConnection.open(jetty, url, maxStreams, 0, 0)) {
            long size = targets.uploadBytes;
            long seconds = size / targets.uploadRate;
            for (int id = 1; id <= maxStreams && running.get(); id++) {
                BenchConnection.Stream s = c.connect(id, targets.port(LoopbackTargets.UPLOAD_SINK));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2 * seconds + 30);
                if (!c.sendUpload(s, size, deadline)) {
                    error("slow-destination", "upload on stream " + id + " not sent by its deadline; closed "
                            + s.closed);
                    return;
                }
                if (!s.awaitReceived(1, deadline)) {
                    error("slow-destination", "no acknowledgement on stream " + id + "; closed " + s.closed);
                    return;
                }
                op("slow_destination_uploads", 1);
                op("slow_destination_bytes", size);
                c.closeStream(id);
                c.forget(id);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------- bad input

    /** One bad case: what it sends, and whether the answer is the documented one (it reports errors itself). */
    private record BadCase(String name, BadStep step) {
    }

    @FunctionalInterface
    private interface BadStep {
        void run(SoakClient c) throws Exception;
    }

    private List<BadCase> badCases() {
        int echo = targets.port(LoopbackTargets.ECHO);
        return List.of(
                new BadCase("short_packet", c -> {
                    c.sendRaw(ByteBuffer.wrap(new byte[] {0x02, 0x01, 0x00}));
                    expectClose(c, "short_packet", 1002, "packet shorter than header: 3");
                }),
                new BadCase("unknown_type", c -> {
                    c.sendRaw(ByteBuffer.wrap(new byte[] {0x07, 1, 0, 0, 0}));
                    expectClose(c, "unknown_type", 1002, "unknown packet type 0x07");
                }),
                new BadCase("client_continue", c -> {
                    c.sendRaw(ByteBuffer.wrap(new byte[] {0x03, 1, 0, 0, 0, 5, 0, 0, 0}));
                    expectClose(c, "client_continue", 1002, "CONTINUE from a client on stream 1");
                }),
                new BadCase("connect_on_stream_0", c -> {
                    c.send(new Connect(0, StreamType.TCP, echo, "127.0.0.1"));
                    expectClose(c, "connect_on_stream_0", 1002,
                            "CONNECT on stream 0, which is reserved for the connection");
                }),
                new BadCase("text_frame", c -> {
                    c.sendText("hello?");
                    expectClose(c, "text_frame", 1003, "text frames are not part of the Wisp protocol");
                }),
                new BadCase("oversized_connect", c -> {
                    c.send(new Connect(1, StreamType.TCP, echo, "a".repeat(70_000)));
                    expectClose(c, "oversized_connect", 1009, "CONNECT packet longer than 65536 bytes");
                }),
                new BadCase("refused", c -> {
                    c.connect(new Connect(1, StreamType.TCP, refusedPort, "127.0.0.1"));
                    expectStreamClose(c, "refused", 1, CloseReason.SERVER_STREAM_CONNECTION_REFUSED);
                    expectNormalClose(c, "refused");
                }),
                new BadCase("invalid_info", c -> {
                    c.connect(new Connect(1, StreamType.TCP, 0, "127.0.0.1"));
                    expectStreamClose(c, "invalid_info", 1, CloseReason.SERVER_STREAM_INVALID_INFO);
                    c.connect(new Connect(2, 0x09, echo, "127.0.0.1"));
                    expectStreamClose(c, "invalid_info", 2, CloseReason.SERVER_STREAM_INVALID_INFO);
                    c.connect(new Connect(3, StreamType.TCP, echo, ""));
                    expectStreamClose(c, "invalid_info", 3, CloseReason.SERVER_STREAM_INVALID_INFO);
                    expectNormalClose(c, "invalid_info");
                }),
                new BadCase("unknown_stream_ids", c -> {
                    c.send(Data.of(77, new byte[] {1, 2, 3}));
                    c.send(new Close(78, CloseReason.VOLUNTARY));
                    c.connect(new Connect(1, StreamType.TCP, echo, "127.0.0.1"));
                    byte[] payload = randomBytes(16, 256);
                    if (c.sendData(1, payload) && echoed(c, 1, payload, "bad-input unknown_stream_ids")) {
                        if (c.pending(77) + c.pending(78) > 0) {
                            error("bad-input unknown_stream_ids", "the server answered on streams 77/78: "
                                    + c.next(77, java.time.Duration.ZERO) + " " + c.next(78, java.time.Duration.ZERO));
                        }
                    }
                    c.send(new Close(1, CloseReason.VOLUNTARY));
                    expectNormalClose(c, "unknown_stream_ids");
                }),
                new BadCase("duplicate_id", c -> {
                    c.connect(new Connect(1, StreamType.TCP, echo, "127.0.0.1"));
                    byte[] payload = randomBytes(16, 256);
                    if (c.sendData(1, payload) && echoed(c, 1, payload, "bad-input duplicate_id")) {
                        c.send(new Connect(1, StreamType.TCP, echo, "127.0.0.1"));
                        expectStreamClose(c, "duplicate_id", 1, CloseReason.SERVER_STREAM_INVALID_INFO);
                        WispPacket more = c.next(1, java.time.Duration.ofMillis(300));
                        if (more != null) {
                            error("bad-input duplicate_id", "after the one CLOSE 0x41: " + more);
                        }
                    }
                    expectNormalClose(c, "duplicate_id");
                }));
    }

    private void badInput() throws Exception {
        List<BadCase> cases = badCases();
        for (int i = 0; running.get(); i = (i + 1) % cases.size()) {
            BadCase bad = cases.get(i);
            try (SoakClient c = SoakClient.open(jetty, url)) {
                if (initialCredit(c, "bad-input " + bad.name())) {
                    bad.step().run(c);
                    if (c.undecodable != null) {
                        error("bad-input " + bad.name(), "undecodable packet from the server: " + c.undecodable);
                    }
                    op("bad_input_cases", 1);
                }
            }
            pause(BAD_INPUT_PAUSE_MS);
        }
    }

    private void expectClose(SoakClient c, String name, int code, String reason) throws Exception {
        SoakClient.Closed closed = c.awaitClose();
        if (closed.code() != code || !closed.reason().equals(reason)) {
            error("bad-input " + name, "expected WebSocket close " + code + " \"" + reason + "\", got " + closed);
        }
    }

    private void expectStreamClose(SoakClient c, String name, int id, CloseReason reason) throws Exception {
        WispPacket p = c.next(id);
        if (!(p instanceof Close close) || close.reason() != reason) {
            error("bad-input " + name, "stream " + id + ": expected CLOSE " + reason + ", got " + p);
        }
    }

    /** The connection survived the bad case: it closes normally (1000 back). */
    private void expectNormalClose(SoakClient c, String name) throws Exception {
        if (c.isClosed()) {
            error("bad-input " + name, "the WebSocket closed: " + c.awaitClose());
            return;
        }
        c.closeNormally();
        SoakClient.Closed closed = c.awaitClose();
        if (closed.code() != 1000) {
            error("bad-input " + name, "WebSocket close answered " + closed);
        }
    }

    private static byte[] randomBytes(int min, int max) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        byte[] b = new byte[r.nextInt(min, max + 1)];
        r.nextBytes(b);
        return b;
    }
}
