package org.wispwar.wisp.session;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.Continue;
import org.wispwar.wisp.protocol.StreamType;
import org.wispwar.wisp.protocol.WispCodec;

/**
 * One TCP stream: a destination socket and the two virtual threads that own its directions.
 *
 * <p>{@code -up} first connects (resolve, policy, connect with a timeout), then drains the client's DATA queue into the
 * socket and refills the client's credit. {@code -down} reads the socket into DATA packets through the session's one
 * serialized sender, whose blocking send is the backpressure. DATA that arrives while connecting waits in the queue.
 * This class also answers CONNECTs of unknown stream types, with CLOSE 0x41.
 *
 * <p>Credit (design.md §5): the window B is advertised on stream 0, and {@link CreditWindow} decides when {@code -up}
 * refills it with {@code CONTINUE(B - unwritten)}. The packets accepted and not yet written are hard-capped at 2B; DATA
 * that finds the cap reached is a violation: nothing more is accepted, everything accepted before it is still written in
 * order, then the stream closes with 0x49 (or after the send timeout, if the destination does not take the bytes).
 * Thread-safe.
 */
final class TcpStream extends QueuedStream {
    /**
     * First read size; idle streams stay small. 512, not 4096: the read buffer was the largest part of an idle stream's
     * heap (README "Performance").
     */
    static final int INITIAL_READ_SIZE = 512;
    /**
     * The first read that fills the buffer jumps to at least this, then reads double while they fill, up to
     * wisp.readBufferSize. Without the jump, echo traffic (reads that rarely fill) stayed in small packets: wispmark_10
     * lost ~25 %.
     */
    static final int BUSY_READ_SIZE = 4096;

    private final int window;

    TcpStream(WispSession session, Connect request) {
        super(session, request, 2 * session.config().bufferSize());
        this.window = session.config().bufferSize();
    }

    @Override
    public WispMetrics.StreamKind kind() {
        return StreamType.of(request.type()).orElse(null) == StreamType.TCP ? WispMetrics.StreamKind.TCP
                : WispMetrics.StreamKind.OTHER;   // an unknown type, answered with CLOSE 0x41
    }

    @Override
    boolean queueFullLocked() {
        overflowed = true;
        return true;
    }

    @Override
    void afterOverflow() {
        System.getLogger(TcpStream.class.getName()).log(System.Logger.Level.DEBUG,
                "[{0}] stream {1} overran its credit: {2} packets queued", session.id(), WispSession.unsigned(id),
                2 * window);
        session.spawn(threadName("throttle"), this::closeIfStillDraining);
    }

    @Override
    void connectAndPump() throws Exception {
        if (StreamType.of(request.type()).orElse(null) != StreamType.TCP) {
            throw new WispStreamException(id, CloseReason.SERVER_STREAM_INVALID_INFO,
                    String.format("unsupported stream type 0x%02x", request.type()));
        }
        SocketChannel s = session.dialer().connect(request.hostname(), request.port(), this::attach);
        if (!markConnected()) {
            closeQuietly(s);
            return;
        }
        if (!session.spawn(threadName("down"), () -> pumpDown(s))) {
            close(CloseReason.UNKNOWN, false);
            return;
        }
        CreditWindow credit = new CreditWindow(window);
        if (session.streamConfirm()) {
            Backlog b = backlog();
            session.send(new Continue(id, credit.confirm(b.unwritten(), b.arrived())));   // v2 ext 0x05: "connected"
        }
        pumpUp(s, credit);
    }

    private void pumpUp(SocketChannel out, CreditWindow credit) throws IOException, InterruptedException {
        List<ByteBuffer> batch = new ArrayList<>();
        while (true) {
            Take take = takeInto(batch);
            if (take == Take.CLOSED) {
                return;
            }
            for (ByteBuffer b : batch) {
                session.throttleUp(b.remaining());
                while (b.hasRemaining()) {
                    out.write(b);   // blocking mode: returns once some bytes are taken; loop for the rest
                }
                touch();
            }
            Backlog b = written(batch.size());
            boolean mayRefill = credit.written(batch.size());
            batch.clear();
            if (take == Take.LAST) {
                close(CloseReason.SERVER_STREAM_THROTTLED, true);   // every byte before the overrun is written
                return;
            }
            if (mayRefill) {
                int refill = credit.refill(b.unwritten(), b.arrived());
                if (refill > 0) {
                    session.send(new Continue(id, refill));
                }
            }
        }
    }

    /**
     * -down: destination bytes to DATA packets until EOF (CLOSE 0x02) or failure. One array holds the DATA header
     * (written once: it never changes for this stream) and the payload read behind it, so a packet costs no copy and no
     * allocation; the array is reused because each send returns only once the WebSocket has taken the frame.
     */
    private void pumpDown(SocketChannel s) {
        int max = session.config().readBufferSize();
        int size = Math.min(INITIAL_READ_SIZE, max);
        byte[] buffer = newReadBuffer(size);
        ByteBuffer readView = ByteBuffer.wrap(buffer);
        ByteBuffer frameView = ByteBuffer.wrap(buffer);
        try {
            while (true) {
                readView.limit(WispCodec.HEADER_LENGTH + size).position(WispCodec.HEADER_LENGTH);
                int n = s.read(readView);
                if (n < 0) {
                    close(CloseReason.VOLUNTARY, true);
                    return;
                }
                touch();
                session.throttleDown(n);
                frameView.limit(WispCodec.HEADER_LENGTH + n).position(0);
                try {
                    session.sendData(frameView);
                } catch (IOException e) {
                    // The WebSocket failed or timed out (the sender has closed it), or the session is shutting down.
                    close(CloseReason.UNEXPECTED, false);
                    return;
                }
                if (n == size && size < max) {
                    size = Math.min(max, Math.max(size * 2, BUSY_READ_SIZE));   // busy stream: read more per packet
                    buffer = newReadBuffer(size);
                    readView = ByteBuffer.wrap(buffer);
                    frameView = ByteBuffer.wrap(buffer);
                }
            }
        } catch (IOException e) {
            close(CloseReasons.from(e), true);
        }
    }

    private byte[] newReadBuffer(int size) {
        byte[] buffer = new byte[WispCodec.HEADER_LENGTH + size];
        WispCodec.writeDataHeader(buffer, 0, id);
        return buffer;
    }

    /** After a credit overrun: give -up the send timeout to write what was queued, then close regardless. */
    private void closeIfStillDraining() {
        try {
            if (!closedLatch.await(session.config().sendTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                close(CloseReason.SERVER_STREAM_THROTTLED, true);
            }
        } catch (InterruptedException e) {
            close(CloseReason.UNKNOWN, false);   // the session is shutting down
        }
    }
}
