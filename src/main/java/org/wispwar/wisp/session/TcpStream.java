package org.wispwar.wisp.session;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import org.wispwar.wisp.limits.ByteBudget;
import org.wispwar.wisp.metrics.WispMetrics;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.Continue;
import org.wispwar.wisp.protocol.StreamType;
import org.wispwar.wisp.protocol.WispCodec;
import org.wispwar.wisp.stream.InboundQueue;

/**
 * One TCP stream (CONNECT type 0x01): the core's socket and queue, with Wisp's DATA framing and credit. This class also
 * answers CONNECTs of unknown stream types, with CLOSE 0x41.
 *
 * <p>Credit (design.md §5): the window B is advertised on stream 0, and {@link CreditWindow} decides when {@code -up}
 * refills it with {@code CONTINUE(B - unwritten)}. One more condition: no refill while the stream is over its byte
 * budget, so a client sending large packets waits for the destination instead of filling memory. The packets accepted
 * and not yet written are hard-capped at 2B: a DATA that finds the cap reached is a violation. Nothing more is
 * accepted, everything accepted before it is still written in order, and then the stream closes with 0x49 (or once the
 * destination has taken no byte for the destination timeout). Thread-safe.
 */
final class TcpStream extends WispStream {
    private final int cap;
    /** Receive thread only. Set once the client overran its credit. */
    private boolean overflowed;
    /** {@code -up} only. */
    private CreditWindow credit;

    TcpStream(WispStreamContext wisp, Connect request) {
        super(wisp, request);
        this.cap = 2 * wisp.window();
    }

    @Override
    WispMetrics.StreamKind kind() {
        return StreamType.of(request.type()).orElse(null) == StreamType.TCP ? WispMetrics.StreamKind.TCP
                : WispMetrics.StreamKind.OTHER;   // an unknown type, answered with CLOSE 0x41
    }

    @Override
    boolean dataStart() {
        if (overflowed) {
            return false;
        }
        if (unwrittenPackets() >= cap) {
            overflowed = true;
            System.getLogger(TcpStream.class.getName()).log(System.Logger.Level.DEBUG,
                    "[{0}] stream {1} overran its credit: {2} packets queued", context.connectionId(),
                    Integer.toUnsignedString(id), cap);
            finish(CloseReason.SERVER_STREAM_THROTTLED, true);
            return false;
        }
        return beginPacket();
    }

    @Override
    void dataPart(ByteBuffer part) {
        append(part);
    }

    @Override
    void dataEnd() {
        endPacket();
    }

    @Override
    ByteBudget readBudget() {
        return budget();
    }

    @Override
    protected Closeable connect() throws Exception {
        if (StreamType.of(request.type()).orElse(null) != StreamType.TCP) {
            throw new WispStreamException(id, CloseReason.SERVER_STREAM_INVALID_INFO,
                    String.format("unsupported stream type 0x%02x", request.type()));
        }
        return context.dialer().connect(request.hostname(), request.port(), this::attach, this::dialing);
    }

    @Override
    protected void pump(Closeable socket) throws Exception {
        SocketChannel s = (SocketChannel) socket;
        if (!startDown(() -> readLoop(s, WispCodec.HEADER_LENGTH))) {
            return;
        }
        credit = new CreditWindow(wisp.window());
        if (wisp.streamConfirm()) {
            InboundQueue.Progress b = backlog();
            context.sender().send(new Continue(id, credit.confirm(b.unwritten(), b.arrived())));   // v2 ext 0x05
        }
        writeLoop(s);
    }

    @Override
    protected void afterWrite(InboundQueue.Progress progress) throws IOException {
        if (!credit.written(progress.packetsWritten())) {
            return;   // not due yet: nothing to read
        }
        int refill = credit.refill(progress.unwritten(), progress.arrived(), budget().exhausted());
        if (refill > 0) {
            context.sender().send(new Continue(id, refill));
        }
    }

    @Override
    protected void writeHeader(ByteBuffer buffer) {
        WispCodec.writeDataHeader(buffer, 0, id);
    }

    @Override
    protected void onEof() {
        close(CloseReason.VOLUNTARY, true, EndedBy.DESTINATION);
    }

    @Override
    protected void onSendFailed(IOException e) {
        close(CloseReason.UNEXPECTED, false, EndedBy.CONNECTION);
    }
}
