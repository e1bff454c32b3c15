package org.wispwar.wisp.protocol;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/** Hex helpers for codec tests: vectors are written as spaced hex, one group per field. */
final class Hex {
    private static final HexFormat HEX = HexFormat.of();

    private Hex() {
    }

    /** The bytes of {@code hex} (whitespace ignored) in a fresh buffer at position 0. */
    static ByteBuffer hex(String hex) {
        return ByteBuffer.wrap(HEX.parseHex(hex.replaceAll("\\s+", "")));
    }

    /** The remaining bytes of {@code buffer}, without moving its position. */
    static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }

    /** The remaining bytes of {@code buffer} as lowercase hex without spaces, for readable assertion failures. */
    static String string(ByteBuffer buffer) {
        return HEX.formatHex(bytes(buffer));
    }

    /** {@code hex} with whitespace removed and lowercased, to compare with {@link #string(ByteBuffer)}. */
    static String normalized(String hex) {
        return hex.replaceAll("\\s+", "").toLowerCase(java.util.Locale.ROOT);
    }

    /** {@code count} bytes counting up from {@code first} (mod 256), as hex: stand-ins for hashes and signatures. */
    static String counting(int first, int count) {
        StringBuilder out = new StringBuilder(count * 2);
        for (int i = 0; i < count; i++) {
            out.append(HEX.toHexDigits((byte) (first + i)));
        }
        return out.toString();
    }
}
