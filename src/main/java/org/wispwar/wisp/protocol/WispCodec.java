package org.wispwar.wisp.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes and encodes Wisp packets, little-endian, byte for byte as wisp-protocol.md §2–§3 and §9. It checks syntax only
 * (lengths, UTF-8, known type bytes, extension record framing); the session checks semantics. Decoding never touches
 * the caller's buffer position or byte order. Stateless; thread-safe.
 */
public final class WispCodec {
    /** u8 packet type + u32 LE stream id. */
    public static final int HEADER_LENGTH = 5;
    /** CONNECT: u8 stream type + u16 LE port, then the hostname. */
    public static final int CONNECT_FIXED_LENGTH = 3;
    /** CONTINUE: u32 LE buffer remaining. */
    public static final int CONTINUE_LENGTH = 4;
    /** CLOSE: u8 reason (longer payloads are accepted, the first byte counts). */
    public static final int CLOSE_LENGTH = 1;
    /** INFO: u8 major + u8 minor, then extension records. */
    public static final int INFO_FIXED_LENGTH = 2;
    /** Extension record: u8 id + u32 LE payload length. */
    public static final int EXTENSION_HEADER_LENGTH = 5;

    private static final System.Logger LOG = System.getLogger(WispCodec.class.getName());

    private WispCodec() {
    }

    // ------------------------------------------------------------------------------------------------------ decoding

    /**
     * Decodes one whole WebSocket message. {@code sender} selects how INFO extension payloads are read.
     *
     * @throws WispProtocolException with a precise message when the bytes are not a well-formed packet
     */
    public static WispPacket decode(ByteBuffer frame, Role sender) throws WispProtocolException {
        ByteBuffer in = frame.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (in.remaining() < HEADER_LENGTH) {
            throw new WispProtocolException("packet shorter than header: " + in.remaining());
        }
        int type = Byte.toUnsignedInt(in.get());
        int streamId = in.getInt();
        return switch (type) {
            case PacketType.CONNECT -> decodeConnect(streamId, in);
            case PacketType.DATA -> new Data(streamId, in.slice().asReadOnlyBuffer());
            case PacketType.CONTINUE -> decodeContinue(streamId, in);
            case PacketType.CLOSE -> decodeClose(streamId, in);
            case PacketType.INFO -> decodeInfo(streamId, in, sender);
            default -> throw new WispProtocolException(String.format("unknown packet type 0x%02x", type));
        };
    }

    private static Connect decodeConnect(int streamId, ByteBuffer in) throws WispProtocolException {
        if (in.remaining() < CONNECT_FIXED_LENGTH) {
            throw new WispProtocolException(
                    "CONNECT payload too short: " + in.remaining() + " < " + CONNECT_FIXED_LENGTH);
        }
        int type = Byte.toUnsignedInt(in.get());
        int port = Short.toUnsignedInt(in.getShort());
        String hostname = utf8(in, "CONNECT hostname");
        return new Connect(streamId, type, port, hostname);
    }

    private static Continue decodeContinue(int streamId, ByteBuffer in) throws WispProtocolException {
        if (in.remaining() != CONTINUE_LENGTH) {
            throw new WispProtocolException(
                    "CONTINUE payload must be " + CONTINUE_LENGTH + " bytes, was " + in.remaining());
        }
        return new Continue(streamId, Integer.toUnsignedLong(in.getInt()));
    }

    private static Close decodeClose(int streamId, ByteBuffer in) throws WispProtocolException {
        if (in.remaining() < CLOSE_LENGTH) {
            throw new WispProtocolException("CLOSE payload is empty");
        }
        int raw = Byte.toUnsignedInt(in.get());
        if (in.hasRemaining() && LOG.isLoggable(System.Logger.Level.DEBUG)) {
            LOG.log(System.Logger.Level.DEBUG, "CLOSE on stream {0} carries {1} trailing bytes (ignored)",
                    Integer.toUnsignedString(streamId), in.remaining());
        }
        if (!CloseReason.isKnown(raw) && LOG.isLoggable(System.Logger.Level.DEBUG)) {
            LOG.log(System.Logger.Level.DEBUG, String.format("CLOSE with unknown reason 0x%02x", raw));
        }
        return new Close(streamId, CloseReason.of(raw), raw);
    }

    private static Info decodeInfo(int streamId, ByteBuffer in, Role sender) throws WispProtocolException {
        if (in.remaining() < INFO_FIXED_LENGTH) {
            throw new WispProtocolException("INFO payload too short: " + in.remaining() + " < " + INFO_FIXED_LENGTH);
        }
        WispVersion version = new WispVersion(Byte.toUnsignedInt(in.get()), Byte.toUnsignedInt(in.get()));
        List<Extension> extensions = new ArrayList<>();
        while (in.hasRemaining()) {
            if (in.remaining() < EXTENSION_HEADER_LENGTH) {
                throw new WispProtocolException("INFO extension record truncated: " + in.remaining()
                        + " bytes left for a " + EXTENSION_HEADER_LENGTH + "-byte record header");
            }
            int id = Byte.toUnsignedInt(in.get());
            long length = Integer.toUnsignedLong(in.getInt());
            if (length > in.remaining()) {
                throw new WispProtocolException(String.format(
                        "INFO extension 0x%02x length %d exceeds the %d bytes left", id, length, in.remaining()));
            }
            ByteBuffer payload = in.slice(in.position(), (int) length).order(ByteOrder.LITTLE_ENDIAN);
            in.position(in.position() + (int) length);
            extensions.add(decodeExtension(id, payload, sender));
        }
        return new Info(streamId, version, extensions);
    }

    private static Extension decodeExtension(int id, ByteBuffer p, Role sender) throws WispProtocolException {
        return switch (id) {
            case Extension.UDP -> {
                expectEmpty(id, p);
                yield new UdpExtension();
            }
            case Extension.STREAM_CONFIRM -> {
                expectEmpty(id, p);
                yield new StreamConfirmExtension();
            }
            case Extension.MOTD -> new MotdExtension(utf8(p, "MOTD"));
            case Extension.PASSWORD -> sender == Role.SERVER ? decodePasswordServer(p) : decodePasswordClient(p);
            case Extension.KEY_AUTH -> sender == Role.SERVER ? decodeKeyAuthServer(p) : decodeKeyAuthClient(p);
            default -> {
                byte[] raw = new byte[p.remaining()];
                p.get(raw);
                yield new UnknownExtension(id, raw);
            }
        };
    }

    private static void expectEmpty(int id, ByteBuffer p) throws WispProtocolException {
        if (p.hasRemaining()) {
            throw new WispProtocolException(
                    String.format("extension 0x%02x payload must be empty, was %d bytes", id, p.remaining()));
        }
    }

    private static PasswordExtension.Server decodePasswordServer(ByteBuffer p) throws WispProtocolException {
        if (p.remaining() != 1) {
            throw new WispProtocolException("password extension (server) payload must be 1 byte, was " + p.remaining());
        }
        return new PasswordExtension.Server(p.get() != 0);
    }

    /**
     * Both client layouts (wisp-protocol.md §9.2): if the length equals {@code 3 + U + P} with P read as u16 LE at offset
     * 1, it is the implemented layout; otherwise draft 6 ({@code u8 U | username | password to end}).
     */
    private static PasswordExtension.Client decodePasswordClient(ByteBuffer p) throws WispProtocolException {
        if (p.remaining() < 1) {
            throw new WispProtocolException("password extension (client) payload is empty");
        }
        int total = p.remaining();
        int userLength = Byte.toUnsignedInt(p.get(0));
        if (total >= 3 && total == 3 + userLength + Short.toUnsignedInt(p.getShort(1))) {
            String user = utf8(p.slice(3, userLength), "password extension username");
            String password = utf8(p.slice(3 + userLength, total - 3 - userLength), "password extension password");
            return new PasswordExtension.Client(user, password, true);
        }
        if (1 + userLength > total) {
            throw new WispProtocolException(
                    "password extension username length " + userLength + " exceeds the " + (total - 1) + " bytes left");
        }
        String user = utf8(p.slice(1, userLength), "password extension username");
        String password = utf8(p.slice(1 + userLength, total - 1 - userLength), "password extension password");
        return new PasswordExtension.Client(user, password, false);
    }

    private static KeyAuthExtension.Server decodeKeyAuthServer(ByteBuffer p) throws WispProtocolException {
        if (p.remaining() < 2) {
            throw new WispProtocolException("key auth extension (server) payload too short: " + p.remaining() + " < 2");
        }
        boolean required = p.get() != 0;
        int algorithms = Byte.toUnsignedInt(p.get());
        byte[] challenge = new byte[p.remaining()];
        p.get(challenge);
        return new KeyAuthExtension.Server(required, algorithms, challenge);
    }

    private static KeyAuthExtension.Client decodeKeyAuthClient(ByteBuffer p) throws WispProtocolException {
        int minimum = 1 + 1 + KeyAuthExtension.Client.SIGNATURE_LENGTH;
        if (p.remaining() < minimum) {
            throw new WispProtocolException(
                    "key auth extension (client) payload too short: " + p.remaining() + " < " + minimum);
        }
        int algorithm = Byte.toUnsignedInt(p.get());
        byte[] hash = new byte[p.remaining() - KeyAuthExtension.Client.SIGNATURE_LENGTH];
        p.get(hash);
        byte[] signature = new byte[KeyAuthExtension.Client.SIGNATURE_LENGTH];
        p.get(signature);
        return new KeyAuthExtension.Client(algorithm, hash, signature);
    }

    private static String utf8(ByteBuffer in, String what) throws WispProtocolException {
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(in);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new WispProtocolException(what + " is not valid UTF-8");
        }
    }

    // ------------------------------------------------------------------------------------------------------ encoding

    /** Encodes a packet into a new heap buffer, positioned at 0 and limited to the packet's length. */
    public static ByteBuffer encode(WispPacket packet) {
        ByteBuffer out = switch (packet) {
            case Connect c -> {
                byte[] host = c.hostname().getBytes(StandardCharsets.UTF_8);
                yield header(PacketType.CONNECT, c.streamId(), CONNECT_FIXED_LENGTH + host.length)
                        .put((byte) c.type()).putShort((short) c.port()).put(host);
            }
            case Data d -> header(PacketType.DATA, d.streamId(), d.payload().remaining()).put(d.payload().duplicate());
            case Continue c -> header(PacketType.CONTINUE, c.streamId(), CONTINUE_LENGTH)
                    .putInt((int) c.bufferRemaining());
            case Close c -> header(PacketType.CLOSE, c.streamId(), CLOSE_LENGTH).put((byte) c.rawReason());
            case Info i -> encodeInfo(i);
        };
        if (out.hasRemaining()) {
            throw new IllegalStateException("encoded " + out.position() + " of " + out.capacity() + " bytes");
        }
        // The bytes are little-endian; the buffer handed out has the default (big-endian) view, because consumers may
        // read it as ints: the Jetty WebSocket client masks a payload in place with getInt/putInt, and a
        // little-endian view made it garble every 4-byte group.
        return out.flip().order(ByteOrder.BIG_ENDIAN);
    }

    /** Writes a DATA header for {@code streamId} at {@code buffer[offset..offset+5)}: the hot path's zero-copy encode. */
    public static void writeDataHeader(byte[] buffer, int offset, int streamId) {
        buffer[offset] = (byte) PacketType.DATA;
        buffer[offset + 1] = (byte) streamId;
        buffer[offset + 2] = (byte) (streamId >>> 8);
        buffer[offset + 3] = (byte) (streamId >>> 16);
        buffer[offset + 4] = (byte) (streamId >>> 24);
    }

    /** As {@link #writeDataHeader(byte[], int, int)}, into a buffer of any kind (absolute puts). */
    public static void writeDataHeader(ByteBuffer buffer, int offset, int streamId) {
        buffer.put(offset, (byte) PacketType.DATA);
        buffer.put(offset + 1, (byte) streamId);
        buffer.put(offset + 2, (byte) (streamId >>> 8));
        buffer.put(offset + 3, (byte) (streamId >>> 16));
        buffer.put(offset + 4, (byte) (streamId >>> 24));
    }

    private static ByteBuffer header(int type, int streamId, int payloadLength) {
        return ByteBuffer.allocate(HEADER_LENGTH + payloadLength).order(ByteOrder.LITTLE_ENDIAN)
                .put((byte) type).putInt(streamId);
    }

    private static ByteBuffer encodeInfo(Info info) {
        List<byte[]> payloads = new ArrayList<>(info.extensions().size());
        int length = INFO_FIXED_LENGTH;
        for (Extension e : info.extensions()) {
            byte[] p = extensionPayload(e);
            payloads.add(p);
            length += EXTENSION_HEADER_LENGTH + p.length;
        }
        ByteBuffer out = header(PacketType.INFO, info.streamId(), length)
                .put((byte) info.version().major()).put((byte) info.version().minor());
        for (int i = 0; i < payloads.size(); i++) {
            out.put((byte) info.extensions().get(i).id()).putInt(payloads.get(i).length).put(payloads.get(i));
        }
        return out;
    }

    private static byte[] extensionPayload(Extension e) {
        return switch (e) {
            case UdpExtension u -> new byte[0];
            case StreamConfirmExtension s -> new byte[0];
            case MotdExtension m -> m.message().getBytes(StandardCharsets.UTF_8);
            case UnknownExtension u -> u.payload();
            case PasswordExtension.Server s -> new byte[] {(byte) (s.required() ? 1 : 0)};
            case PasswordExtension.Client c -> {
                byte[] user = c.username().getBytes(StandardCharsets.UTF_8);
                byte[] password = c.password().getBytes(StandardCharsets.UTF_8);
                if (user.length > 0xFF || (c.withPasswordLength() && password.length > 0xFFFF)) {
                    throw new IllegalArgumentException("username or password too long for the password extension");
                }
                ByteBuffer b = ByteBuffer.allocate((c.withPasswordLength() ? 3 : 1) + user.length + password.length)
                        .order(ByteOrder.LITTLE_ENDIAN).put((byte) user.length);
                if (c.withPasswordLength()) {
                    b.putShort((short) password.length);
                }
                yield b.put(user).put(password).array();
            }
            case KeyAuthExtension.Server s -> ByteBuffer.allocate(2 + s.challenge().length)
                    .put((byte) (s.required() ? 1 : 0)).put((byte) s.algorithms()).put(s.challenge()).array();
            case KeyAuthExtension.Client c -> ByteBuffer.allocate(1 + c.keyHash().length + c.signature().length)
                    .put((byte) c.algorithm()).put(c.keyHash()).put(c.signature()).array();
        };
    }
}
