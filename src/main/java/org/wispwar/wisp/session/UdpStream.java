package org.wispwar.wisp.session;

import java.io.Closeable;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.wispwar.wisp.limits.ByteBudget;
import org.wispwar.wisp.metrics.WispMetrics;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.WispCodec;

/**
 * One UDP stream (CONNECT type 0x02): a UDP channel connected to the one checked destination address, and the same two
 * virtual threads as TCP. One DATA is one datagram, both ways. UDP has no credit: the server never sends CONTINUE for
 * it (wisp-protocol.md §5 rule 5). Its queue is bounded in datagrams (2B) and in bytes (the stream's byte budget), but
 * a full queue never stops the WebSocket's reading: a datagram that finds it full is dropped and counted, because UDP
 * is lossy by contract. So is a datagram larger than {@value #MAX_DATAGRAM} bytes, which cannot be sent. A stream with
 * no datagram either way for {@code wisp.udpIdleTimeout} is closed with 0x47. Thread-safe.
 */
final class UdpStream extends WispStream {
    /** The largest UDP payload (65 535 − 8-byte UDP header − 20-byte IPv4 header); larger DATA cannot be sent. */
    static final int MAX_DATAGRAM = 65_507;

    private final int cap;
    /** Receive thread only: the current datagram is being dropped. */
    private boolean dropping;
    /** Receive thread only: bytes of the current datagram so far. */
    private int length;

    UdpStream(WispStreamContext wisp, Connect request) {
        super(wisp, request);
        this.cap = 2 * wisp.window();
    }

    @Override
    WispMetrics.StreamKind kind() {
        return WispMetrics.StreamKind.UDP;
    }

    @Override
    boolean dataStart() {
        length = 0;
        dropping = unwrittenPackets() >= cap || budget().exhausted() || !beginPacket();
        if (dropping) {
            context.metrics().udpDatagramDropped();
        }
        return true;   // the parts still come here, so a datagram too large can be dropped on its way
    }

    @Override
    void dataPart(ByteBuffer part) {
        if (dropping) {
            return;
        }
        length += part.remaining();
        if (length > MAX_DATAGRAM) {
            dropping = true;
            abortPacket();
            context.metrics().udpDatagramDropped();   // cannot be one datagram
            return;
        }
        append(part);
    }

    @Override
    void dataEnd() {
        if (!dropping) {
            endPacket();
        }
    }

    @Override
    ByteBudget readBudget() {
        return null;
    }

    @Override
    protected Closeable connect() throws Exception {
        if (!wisp.udpAllowed()) {
            throw new WispStreamException(id, CloseReason.SERVER_STREAM_INVALID_INFO,
                    "UDP streams are disabled, or the v2 client did not list the UDP extension");
        }
        return context.dialer().udp().connect(request.hostname(), request.port(), this::attach, this::dialing);
    }

    @Override
    protected void pump(Closeable socket) throws Exception {
        DatagramChannel s = (DatagramChannel) socket;
        touch();
        if (!startDown(() -> receiveLoop(s))) {
            return;
        }
        sendLoop(s);
    }

    /**
     * -up: each queued DATA payload goes out as one datagram. A datagram that arrived in several parts may sit in
     * several chunks; a connected {@code DatagramChannel} sends them as one datagram (a gathering write), so no byte
     * is copied again.
     */
    private void sendLoop(DatagramChannel s) throws IOException, InterruptedException {
        List<ByteBuffer> views = new ArrayList<>();
        ByteBuffer[] none = new ByteBuffer[0];
        while (datagramTake(views)) {
            ByteBuffer[] datagram = views.toArray(none);
            long n = 0;
            for (ByteBuffer v : datagram) {
                n += v.remaining();
            }
            throttleUp(n);
            countUp(n);
            if (datagram.length == 1) {
                s.write(datagram[0]);
            } else {
                s.write(datagram.length == 0 ? new ByteBuffer[] {ByteBuffer.allocate(0)} : datagram);
            }
            touch();
            views.clear();
            datagramDone();
        }
    }

    /** -down: each datagram from the destination becomes one DATA; idle for udpIdleTimeout closes with 0x47. */
    private void receiveLoop(DatagramChannel s) {
        byte[] buffer = new byte[WispCodec.HEADER_LENGTH + MAX_DATAGRAM];
        WispCodec.writeDataHeader(buffer, 0, id);
        DatagramPacket packet = new DatagramPacket(buffer, WispCodec.HEADER_LENGTH, MAX_DATAGRAM);
        ByteBuffer frame = ByteBuffer.wrap(buffer);
        long idleNanos = wisp.udpIdleTimeout().toNanos();
        try {
            while (true) {
                long left = idleNanos - idleFor(System.nanoTime());
                if (left <= 0) {
                    close(CloseReason.SERVER_STREAM_TIMED_OUT, true);
                    return;
                }
                s.socket().setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE,
                        TimeUnit.NANOSECONDS.toMillis(left))));
                packet.setData(buffer, WispCodec.HEADER_LENGTH, MAX_DATAGRAM);
                try {
                    s.socket().receive(packet);
                } catch (SocketTimeoutException e) {
                    continue;   // re-check: -up may have been active meanwhile
                }
                touch();
                countDown(packet.getLength());
                throttleDown(packet.getLength());
                context.metrics().toClient(packet.getLength());
                frame.limit(WispCodec.HEADER_LENGTH + packet.getLength()).position(0);
                if (sendWhileOpen(frame) != SendResult.SENT) {
                    return;   // closed meanwhile, or the WebSocket is gone or going
                }
            }
        } catch (IOException e) {
            failed(e);
        }
    }

    @Override
    protected void onEof() {
        close(CloseReason.VOLUNTARY, true, EndedBy.DESTINATION);   // datagrams have no EOF; kept for the contract
    }

    @Override
    protected void onSendFailed(IOException e) {
        close(CloseReason.UNEXPECTED, false, EndedBy.CONNECTION);
    }
}
