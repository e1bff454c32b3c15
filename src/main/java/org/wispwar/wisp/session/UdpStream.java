package org.wispwar.wisp.session;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.WispCodec;

/**
 * One UDP stream (CONNECT type 0x02): a UDP socket connected to the one checked destination address, and the same two
 * virtual threads as TCP. One DATA is one datagram, both ways. UDP has no credit: the server never sends CONTINUE for
 * it (wisp-protocol.md §5 rule 5). Its queue is bounded (2B datagrams) like TCP's, but a datagram that finds it full is
 * dropped and counted, because UDP is lossy by contract. A stream with no datagram either way for
 * {@code wisp.udpIdleTimeout} is closed with 0x47. Thread-safe.
 */
final class UdpStream extends QueuedStream {
    /** The largest UDP payload (65 535 − 8-byte UDP header − 20-byte IPv4 header); larger DATA cannot be sent. */
    static final int MAX_DATAGRAM = 65_507;

    private volatile long lastActivity = System.nanoTime();

    UdpStream(WispSession session, Connect request) {
        super(session, request, 2 * session.config().bufferSize());
    }

    @Override
    public WispMetrics.StreamKind kind() {
        return WispMetrics.StreamKind.UDP;
    }

    @Override
    boolean queueFullLocked() {
        session.metrics().udpDatagramDropped();
        return false;
    }

    @Override
    void connectAndPump() throws Exception {
        if (!session.udpAllowed()) {
            throw new WispStreamException(id, CloseReason.SERVER_STREAM_INVALID_INFO,
                    "UDP streams are disabled, or the v2 client did not list the UDP extension");
        }
        DatagramSocket s = session.dialer().udp().connect(request.hostname(), request.port(), this::attach);
        if (!markConnected()) {
            closeQuietly(s);
            return;
        }
        lastActivity = System.nanoTime();
        if (!session.spawn(threadName("down"), () -> pumpDown(s))) {
            close(CloseReason.UNKNOWN, false);
            return;
        }
        pumpUp(s);
    }

    /** -up: each queued DATA payload goes out as one datagram. */
    private void pumpUp(DatagramSocket s) throws IOException, InterruptedException {
        List<ByteBuffer> batch = new ArrayList<>();
        byte[] copy = null;
        DatagramPacket packet = new DatagramPacket(new byte[0], 0);
        while (takeInto(batch) != Take.CLOSED) {
            for (ByteBuffer b : batch) {
                int n = b.remaining();
                if (n > MAX_DATAGRAM) {
                    session.metrics().udpDatagramDropped();   // cannot be one datagram
                    continue;
                }
                if (b.hasArray()) {
                    packet.setData(b.array(), b.arrayOffset() + b.position(), n);
                } else {
                    if (copy == null) {
                        copy = new byte[MAX_DATAGRAM];
                    }
                    b.duplicate().get(copy, 0, n);   // decoded payloads are read-only views: copy, at most 64 KiB
                    packet.setData(copy, 0, n);
                }
                session.throttleUp(n);
                s.send(packet);
                lastActivity = System.nanoTime();
            }
            written(batch.size());
            batch.clear();
        }
    }

    /** -down: each datagram from the destination becomes one DATA; idle for udpIdleTimeout closes with 0x47. */
    private void pumpDown(DatagramSocket s) {
        byte[] buffer = new byte[WispCodec.HEADER_LENGTH + MAX_DATAGRAM];
        WispCodec.writeDataHeader(buffer, 0, id);
        DatagramPacket packet = new DatagramPacket(buffer, WispCodec.HEADER_LENGTH, MAX_DATAGRAM);
        ByteBuffer frame = ByteBuffer.wrap(buffer);
        long idleNanos = session.config().udpIdleTimeout().toNanos();
        try {
            while (true) {
                long left = idleNanos - (System.nanoTime() - lastActivity);
                if (left <= 0) {
                    close(CloseReason.SERVER_STREAM_TIMED_OUT, true);
                    return;
                }
                s.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(left))));
                packet.setData(buffer, WispCodec.HEADER_LENGTH, MAX_DATAGRAM);
                try {
                    s.receive(packet);
                } catch (SocketTimeoutException e) {
                    continue;   // re-check: -up may have been active meanwhile
                }
                lastActivity = System.nanoTime();
                session.throttleDown(packet.getLength());
                frame.limit(WispCodec.HEADER_LENGTH + packet.getLength()).position(0);
                try {
                    session.sendData(frame);
                } catch (IOException e) {
                    close(CloseReason.UNEXPECTED, false);   // the WebSocket is gone or going
                    return;
                }
            }
        } catch (IOException e) {
            close(CloseReasons.from(e), true);
        }
    }
}
