package org.wispwar.wisp.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * A WebSocket client written by hand over a plain socket, for what the Jetty client cannot do in a test:
 * <ul>
 *   <li>request paths that {@link java.net.URI} refuses, such as {@code /wsproxy/[::1]:22} with raw brackets (browsers
 *       send them raw: they are not in the WHATWG path percent-encode set);</li>
 *   <li>reading the server's close frame even after its own writes failed: Jetty closes the TCP connection right after
 *       sending a close code other than 1000 (no close handshake), so a client still sending gets a reset, and the Jetty
 *       client then reports 1006 without looking at the close frame that had already arrived.</li>
 * </ul>
 * Only what the tests need: masked binary frames out, unfragmented frames in. Every read is bounded by the socket
 * timeout. Sending and receiving may run on two threads; each direction is owned by one thread.
 */
public final class RawWebSocket implements AutoCloseable {
    public static final int OPCODE_BINARY = 0x2;
    public static final int OPCODE_CLOSE = 0x8;
    private static final int READ_TIMEOUT_MILLIS = 20_000;
    private static final int FIN = 0x80;
    private static final int MASKED = 0x80;
    /** Payload lengths up to 125 fit the 7-bit field; 126 announces a 16-bit length, 127 a 64-bit one (RFC 6455 §5.2). */
    private static final int MAX_SHORT_LENGTH = 125;
    private static final int LENGTH_16 = 126;
    private static final int LENGTH_64 = 127;

    /** One frame from the server. */
    public record Frame(int opcode, byte[] payload) {
        /** The close code of a close frame (RFC 6455 §5.5.1). */
        public int closeCode() {
            return ByteBuffer.wrap(payload).getShort() & 0xFFFF;
        }

        public String closeReason() {
            return new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
        }
    }

    /** The server's answer to the upgrade request. */
    public record Upgrade(String head, String body, RawWebSocket socket) {
        public boolean accepted() {
            return head.startsWith("HTTP/1.1 101");
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;

    private RawWebSocket(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = new DataOutputStream(socket.getOutputStream());
    }

    /**
     * Sends the upgrade request for {@code path} (exactly as given) to 127.0.0.1. When the answer is not 101 the socket
     * is closed and only the answer is returned.
     */
    public static Upgrade upgrade(int port, String path) throws IOException {
        return upgrade(port, path, 0);
    }

    /**
     * As {@link #upgrade(int, String)}, with the socket's send buffer at {@code sendBuffer} bytes (0: the system's), so
     * that a client that streams a large frame blocks after little more than that.
     */
    public static Upgrade upgrade(int port, String path, int sendBuffer) throws IOException {
        return upgrade(null, port, path, sendBuffer);
    }

    /**
     * As {@link #upgrade(int, String)}, from the local address {@code local} (another loopback address such as
     * 127.0.0.2, to be a different client IP), with extra request headers as name, value pairs.
     */
    public static Upgrade upgradeFrom(InetAddress local, int port, String path, String... headers)
            throws IOException {
        return upgrade(local, port, path, 0, headers);
    }

    private static Upgrade upgrade(InetAddress local, int port, String path, int sendBuffer, String... headers)
            throws IOException {
        Socket s = new Socket();
        if (sendBuffer > 0) {
            s.setSendBufferSize(sendBuffer);
        }
        try {
            if (local != null) {
                s.bind(new InetSocketAddress(local, 0));
            }
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), READ_TIMEOUT_MILLIS);
        } catch (IOException e) {
            s.close();
            throw e;
        }
        s.setSoTimeout(READ_TIMEOUT_MILLIS);
        RawWebSocket ws = new RawWebSocket(s);
        String key = Base64.getEncoder().encodeToString("wsproxy-raw-test".getBytes(StandardCharsets.US_ASCII));
        StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\n"
                + "Host: 127.0.0.1:" + port + "\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + key + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n");
        for (int i = 0; i < headers.length; i += 2) {
            request.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        ws.out.write(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        ws.out.flush();
        String head = readHead(ws.in);
        if (head.startsWith("HTTP/1.1 101")) {
            return new Upgrade(head, "", ws);
        }
        String body = new String(ws.in.readNBytes(contentLength(head)), StandardCharsets.UTF_8);
        ws.close();
        return new Upgrade(head, body, null);
    }

    /** Sends one masked binary frame. */
    public void sendBinary(byte[] payload) throws IOException {
        byte[] mask = {0x12, 0x34, 0x56, 0x78};
        out.write(FIN | OPCODE_BINARY);
        if (payload.length <= MAX_SHORT_LENGTH) {
            out.write(MASKED | payload.length);
        } else if (payload.length <= 0xFFFF) {
            out.write(MASKED | LENGTH_16);
            out.writeShort(payload.length);
        } else {
            out.write(MASKED | LENGTH_64);
            out.writeLong(payload.length);
        }
        out.write(mask);
        byte[] masked = new byte[payload.length];
        for (int i = 0; i < payload.length; i++) {
            masked[i] = (byte) (payload[i] ^ mask[i % 4]);
        }
        out.write(masked);
        out.flush();
    }

    /** How far into the current streamed frame's payload {@link #writePayload} is, for the mask. */
    private long maskOffset;
    private static final byte[] STREAM_MASK = {0x21, 0x43, 0x65, 0x07};

    /**
     * Starts one masked binary frame of {@code length} payload bytes, to be written with {@link #writePayload}: a
     * frame far larger than anything held in memory, as browsers send an upload.
     */
    public void startBinary(long length) throws IOException {
        out.write(FIN | OPCODE_BINARY);
        out.write(MASKED | LENGTH_64);
        out.writeLong(length);
        out.write(STREAM_MASK);
        maskOffset = 0;
    }

    /** The next bytes of the frame begun by {@link #startBinary}; blocks while the server does not read. */
    public void writePayload(byte[] data, int offset, int length) throws IOException {
        byte[] masked = new byte[length];
        for (int i = 0; i < length; i++) {
            masked[i] = (byte) (data[offset + i] ^ STREAM_MASK[(int) ((maskOffset + i) & 3)]);
        }
        maskOffset += length;
        out.write(masked);
        out.flush();
    }

    /**
     * Streams a DATA packet of {@code length} payload bytes (zeros) for {@code streamId} as one frame, until it is all
     * sent or the socket fails (the server closed it, or the caller did); blocks while the server does not read. For
     * uploads that the server must hold back.
     */
    public void streamData(int streamId, long length) {
        byte[] chunk = new byte[64 * 1024];
        try {
            startBinary(5 + length);
            writePayload(new byte[] {0x02, (byte) streamId, (byte) (streamId >>> 8), (byte) (streamId >>> 16),
                    (byte) (streamId >>> 24)}, 0, 5);   // DATA, stream id little-endian
            for (long sent = 0; sent < length; sent += chunk.length) {
                writePayload(chunk, 0, (int) Math.min(chunk.length, length - sent));
            }
        } catch (IOException e) {
            // the socket was closed: what the caller waits for
        }
    }

    /** The next frame from the server (unmasked, unfragmented). */
    public Frame readFrame() throws IOException {
        int first = in.readUnsignedByte();
        int second = in.readUnsignedByte();
        if ((first & FIN) == 0 || (second & MASKED) != 0) {
            throw new IOException(String.format("unexpected frame header %02x %02x", first, second));
        }
        long length = second & 0x7F;
        if (length == LENGTH_16) {
            length = in.readUnsignedShort();
        } else if (length == LENGTH_64) {
            length = in.readLong();
        }
        byte[] payload = new byte[Math.toIntExact(length)];
        in.readFully(payload);
        return new Frame(first & 0x0F, payload);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                return Integer.parseInt(line.substring("content-length:".length()).strip());
            }
        }
        return 0;
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        byte[] end = {'\r', '\n', '\r', '\n'};
        int matched = 0;
        while (matched < end.length) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }
}
