package org.wispwar.wisp.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * An address block such as {@code 10.0.0.0/8}, {@code fd00::/8} or a single address ({@code 203.0.113.7}, a /32 or
 * /128). IPv4-mapped IPv6 input is the IPv4 block. Immutable; thread-safe.
 */
public record Cidr(byte[] prefix, int bits) {
    private static final Pattern LITERAL = Pattern.compile("[0-9A-Fa-f:.]+");

    public Cidr {
        prefix = prefix.clone();
        if (bits < 0 || bits > prefix.length * 8) {
            throw new IllegalArgumentException("prefix length " + bits);
        }
    }

    /** Parses {@code address[/bits]}; {@code what} names the param in the failure message. */
    public static Cidr parse(String text, String what) {
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        if (!LITERAL.matcher(address).matches()) {
            throw new IllegalArgumentException(what + " entries must be IP addresses or CIDR blocks, was \"" + text
                    + "\"");
        }
        byte[] bytes;
        try {
            bytes = InetAddress.getByName(address).getAddress();   // a literal: parsed, never looked up
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(what + " entries must be IP addresses or CIDR blocks, was \"" + text
                    + "\"");
        }
        int bits = bytes.length * 8;
        if (slash >= 0) {
            try {
                bits = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                bits = -1;
            }
            if (bits < 0 || bits > bytes.length * 8) {
                throw new IllegalArgumentException(what + " prefix length must be 0.." + bytes.length * 8 + ", was \""
                        + text + "\"");
            }
        }
        return new Cidr(bytes, bits);
    }

    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        if (a.length != prefix.length) {
            return false;
        }
        int full = bits / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != prefix[i]) {
                return false;
            }
        }
        int rest = bits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (a[full] & mask) == (prefix[full] & mask);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.bits == bits && java.util.Arrays.equals(c.prefix, prefix);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(prefix) * 31 + bits;
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(prefix).getHostAddress() + "/" + bits;
        } catch (UnknownHostException e) {
            return "?/" + bits;
        }
    }
}
