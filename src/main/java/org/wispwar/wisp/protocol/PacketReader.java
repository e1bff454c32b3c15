package org.wispwar.wisp.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads Wisp packets from WebSocket messages that arrive in parts (Jakarta partial delivery: part sizes are the
 * container's, and a part may end anywhere, even inside the 5-byte header). A DATA payload is handed on part by part as
 * it arrives, so no DATA message is ever held whole, whatever its size. Any other packet is small: it is collected up to
 * {@link #MAX_CONTROL_PACKET} bytes and then decoded whole by {@link WispCodec}.
 *
 * <p>Limits, each a {@link WispProtocolException} with close code 1009: a message longer than {@code maxMessageSize}
 * bytes (header included), and a packet other than DATA longer than {@link #MAX_CONTROL_PACKET}. Syntax errors are
 * those of {@link WispCodec#decode} (close code 1002), found as early as the bytes allow: an unknown type as soon as the
 * header is complete.
 *
 * <p>Not thread-safe: one per WebSocket, fed by its receive thread (the container delivers one part at a time).
 */
public final class PacketReader {
    /**
     * The largest packet other than DATA. The real ones are far smaller: a CONNECT with a 253-byte host name is 261
     * bytes, an INFO with every extension a few hundred.
     */
    public static final int MAX_CONTROL_PACKET = 64 * 1024;

    /** What a message turned into. Called on the reading thread, in order. */
    public interface Handler {
        /** A whole packet other than DATA. */
        void packet(WispPacket packet) throws WispProtocolException;

        /** A DATA packet for {@code streamId} begins; its payload follows in zero or more {@link #dataPart} calls. */
        void dataStart(int streamId) throws WispProtocolException;

        /** The next bytes of the DATA payload: a view of the container's buffer, valid only during the call. */
        void dataPart(ByteBuffer part) throws WispProtocolException;

        /** The DATA packet is complete. */
        void dataEnd() throws WispProtocolException;
    }

    private final long maxMessageSize;
    private final Role sender;
    private final byte[] header = new byte[WispCodec.HEADER_LENGTH];
    /** Header bytes of the current message seen so far. */
    private int headerLength;
    /** The current message's packet type, or -1 until its header is complete. */
    private int type = -1;
    /** Bytes of the current message seen so far. */
    private long messageLength;
    /** The current packet other than DATA, header included, as it is collected. */
    private ByteBuffer control;

    public PacketReader(long maxMessageSize, Role sender) {
        this.maxMessageSize = maxMessageSize;
        this.sender = sender;
    }

    /**
     * Takes the next part of the current message; {@code last} ends the message. The part is read from its position to
     * its limit; nothing of it is kept after this returns.
     */
    public void accept(ByteBuffer part, boolean last, Handler handler) throws WispProtocolException {
        messageLength += part.remaining();
        if (messageLength > maxMessageSize) {
            throw new WispProtocolException(WispProtocolException.MESSAGE_TOO_BIG,
                    "message longer than " + maxMessageSize + " bytes");
        }
        if (last && headerLength == 0 && type < 0) {
            whole(part, handler);   // the common case: the whole message in one part, read in place
            return;
        }
        while (headerLength < WispCodec.HEADER_LENGTH && part.hasRemaining()) {
            header[headerLength++] = part.get();
        }
        if (headerLength == WispCodec.HEADER_LENGTH && type < 0) {
            begin(handler);
        }
        if (type == PacketType.DATA) {
            if (part.hasRemaining()) {
                handler.dataPart(part);
            }
        } else if (type >= 0) {
            collect(part);
        }
        if (last) {
            if (headerLength < WispCodec.HEADER_LENGTH) {
                throw new WispProtocolException("packet shorter than header: " + headerLength);
            }
            if (type == PacketType.DATA) {
                handler.dataEnd();
            } else {
                handler.packet(WispCodec.decode(control.flip(), sender));
            }
            reset();
        }
    }

    private void whole(ByteBuffer message, Handler handler) throws WispProtocolException {
        try {
            if (message.remaining() >= WispCodec.HEADER_LENGTH
                    && Byte.toUnsignedInt(message.get(message.position())) == PacketType.DATA) {
                int streamId = message.duplicate().order(ByteOrder.LITTLE_ENDIAN).getInt(message.position() + 1);
                handler.dataStart(streamId);
                message.position(message.position() + WispCodec.HEADER_LENGTH);
                if (message.hasRemaining()) {
                    handler.dataPart(message);
                }
                handler.dataEnd();
                return;
            }
            if (message.remaining() > MAX_CONTROL_PACKET
                    && isControl(Byte.toUnsignedInt(message.get(message.position())))) {
                throw tooLong(Byte.toUnsignedInt(message.get(message.position())));
            }
            handler.packet(WispCodec.decode(message, sender));
        } finally {
            reset();
        }
    }

    private void begin(Handler handler) throws WispProtocolException {
        type = Byte.toUnsignedInt(header[0]);
        switch (type) {
            case PacketType.DATA -> handler.dataStart(ByteBuffer.wrap(header, 1, 4).order(ByteOrder.LITTLE_ENDIAN)
                    .getInt());
            default -> {
                if (!isControl(type)) {
                    throw new WispProtocolException(String.format("unknown packet type 0x%02x", type));
                }
                control = ByteBuffer.allocate(256);
                control.put(header);
            }
        }
    }

    private static boolean isControl(int type) {
        return type == PacketType.CONNECT || type == PacketType.CONTINUE || type == PacketType.CLOSE
                || type == PacketType.INFO;
    }

    private void collect(ByteBuffer part) throws WispProtocolException {
        if (control.position() + part.remaining() > MAX_CONTROL_PACKET) {
            throw tooLong(type);
        }
        if (control.remaining() < part.remaining()) {
            int size = Math.min(MAX_CONTROL_PACKET, Math.max(control.capacity() * 2, control.position() + part.remaining()));
            control = ByteBuffer.allocate(size).put(control.flip());
        }
        control.put(part);
    }

    private static WispProtocolException tooLong(int type) {
        return new WispProtocolException(WispProtocolException.MESSAGE_TOO_BIG,
                PacketType.name(type) + " packet longer than " + MAX_CONTROL_PACKET + " bytes");
    }

    /** Bytes of the current message read so far; during a {@link Handler} call at its end, the whole length. */
    public long messageLength() {
        return messageLength;
    }

    private void reset() {
        headerLength = 0;
        type = -1;
        messageLength = 0;
        control = null;
    }
}
