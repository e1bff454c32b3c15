package org.wispwar.wisp.transport;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import java.util.regex.Pattern;
import org.wispwar.wisp.config.Cidr;
import org.wispwar.wisp.config.PolicyConfig;

/**
 * Decides which resolved addresses may be dialed. Runs on the address that is actually dialed, never on the name, so a
 * name that resolves to 127.0.0.1 is refused like the literal. IPv6 forms that embed an IPv4 address (mapped, NAT64,
 * 6to4, IPv4-compatible) are classified by the embedded address. {@code InetAddress.isXxx()} misses fc00::/7 and
 * 100.64/10, so classification uses this class's own prefix table. Immutable; thread-safe.
 */
public final class DestinationPolicy {
    private record Block(byte[] prefix, int bits, AddressClass type) {
        boolean matches(byte[] address) {
            if (address.length != prefix.length) {
                return false;
            }
            int full = bits / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != prefix[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xFF << (8 - rest)) & 0xFF;
            return (address[full] & mask) == (prefix[full] & mask);
        }
    }

    private static final List<Block> IPV4 = List.of(
            v4("0.0.0.0", 8, AddressClass.UNSPECIFIED),
            v4("10.0.0.0", 8, AddressClass.PRIVATE),
            v4("100.64.0.0", 10, AddressClass.SHARED_ADDRESS_SPACE),
            v4("127.0.0.0", 8, AddressClass.LOOPBACK),
            v4("169.254.0.0", 16, AddressClass.LINK_LOCAL),
            v4("172.16.0.0", 12, AddressClass.PRIVATE),
            v4("192.0.0.0", 24, AddressClass.RESERVED),       // IETF protocol assignments
            v4("192.0.2.0", 24, AddressClass.RESERVED),       // TEST-NET-1
            v4("192.88.99.0", 24, AddressClass.RESERVED),     // 6to4 relay anycast (deprecated)
            v4("192.168.0.0", 16, AddressClass.PRIVATE),
            v4("198.18.0.0", 15, AddressClass.RESERVED),      // benchmarking
            v4("198.51.100.0", 24, AddressClass.RESERVED),    // TEST-NET-2
            v4("203.0.113.0", 24, AddressClass.RESERVED),     // TEST-NET-3
            v4("224.0.0.0", 4, AddressClass.MULTICAST),
            v4("255.255.255.255", 32, AddressClass.BROADCAST),
            v4("240.0.0.0", 4, AddressClass.RESERVED));

    private static final List<Block> IPV6 = List.of(
            v6("::", 128, AddressClass.UNSPECIFIED),
            v6("::1", 128, AddressClass.LOOPBACK),
            v6("100::", 64, AddressClass.RESERVED),           // discard-only
            v6("2001::", 23, AddressClass.RESERVED),          // IETF protocol assignments (Teredo, ORCHID, ...)
            v6("2001:db8::", 32, AddressClass.RESERVED),      // documentation
            v6("3fff::", 20, AddressClass.RESERVED),          // documentation (RFC 9637)
            v6("64:ff9b:1::", 48, AddressClass.RESERVED),     // local-use NAT64
            v6("fc00::", 7, AddressClass.UNIQUE_LOCAL),
            v6("fe80::", 10, AddressClass.LINK_LOCAL),
            v6("fec0::", 10, AddressClass.SITE_LOCAL),
            v6("ff00::", 8, AddressClass.MULTICAST));

    private static final DestinationPolicy DENY_INTERNAL = new DestinationPolicy(false, null);
    private static final DestinationPolicy ALLOW_ALL = new DestinationPolicy(true, null);
    /** An IPv4 literal in any spelling the JDK accepts (dotted, or fewer parts such as 127.1 or 2130706433). */
    private static final Pattern IPV4_LITERAL = Pattern.compile("[0-9.]+");

    private final boolean allowInternal;
    /** Null: no name, port or CIDR rules (tests, and wsproxy routes, which the operator chose). */
    private final PolicyConfig rules;

    private DestinationPolicy(boolean allowInternal, PolicyConfig rules) {
        this.allowInternal = allowInternal;
        this.rules = rules;
    }

    /** The policy for {@code wisp.allowPrivateAddresses}: false refuses every class but {@link AddressClass#PUBLIC}. */
    public static DestinationPolicy of(boolean allowPrivateAddresses) {
        return allowPrivateAddresses ? ALLOW_ALL : DENY_INTERNAL;
    }

    /** The full policy: address classes, plus the operator's host, port, direct-IP and address rules. */
    public static DestinationPolicy of(boolean allowPrivateAddresses, PolicyConfig rules) {
        return new DestinationPolicy(allowPrivateAddresses, rules);
    }

    /**
     * The checks that need no resolution, in this order: direct IP toggle, blocked ports, allowed ports, blocked hosts,
     * allowed hosts. {@code host} is the validated name ({@link Hostnames#validate}); patterns match it whole,
     * case-insensitively, without a trailing dot or IPv6 brackets.
     *
     * @throws DestinationBlockedException naming the rule that refused it (0x48)
     */
    public void checkDestination(boolean udp, String host, int port) throws DestinationBlockedException {
        if (rules == null) {
            return;
        }
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        if (name.startsWith("[") && name.endsWith("]")) {
            name = name.substring(1, name.length() - 1);
        }
        boolean literal = name.indexOf(':') >= 0 || IPV4_LITERAL.matcher(name).matches();
        if (literal && !rules.allowDirectIp()) {
            throw new DestinationBlockedException("IP literal destinations are refused (" + PolicyConfig.ALLOW_DIRECT_IP
                    + "=false)");
        }
        PolicyConfig.DestinationRules r = udp ? rules.udp() : rules.tcp();
        String prefix = udp ? "wisp.udp." : "wisp.tcp.";
        if (r.blockPorts().contains(port)) {
            throw new DestinationBlockedException("port " + port + " is in " + prefix + "blockPorts");
        }
        if (!r.allowPorts().isEmpty() && !r.allowPorts().contains(port)) {
            throw new DestinationBlockedException("port " + port + " is not in " + prefix + "allowPorts");
        }
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        for (Pattern p : r.blockHosts()) {
            if (p.matcher(lower).matches()) {
                throw new DestinationBlockedException("host matches " + prefix + "blockHosts");
            }
        }
        if (!r.allowHosts().isEmpty() && r.allowHosts().stream().noneMatch(p -> p.matcher(lower).matches())) {
            throw new DestinationBlockedException("host does not match " + prefix + "allowHosts");
        }
    }

    /**
     * Whether a resolved address may be dialed: {@code wisp.blockAddresses} refuses, then {@code wisp.allowAddresses}
     * allows, then only {@link AddressClass#PUBLIC} addresses pass unless private addresses are allowed.
     */
    public boolean allows(InetAddress address) {
        if (rules != null) {
            for (Cidr c : rules.blockAddresses()) {
                if (c.contains(address)) {
                    return false;
                }
            }
            for (Cidr c : rules.allowAddresses()) {
                if (c.contains(address)) {
                    return true;
                }
            }
        }
        return allowInternal || classify(address) == AddressClass.PUBLIC;
    }

    /** The class of one address. */
    public static AddressClass classify(InetAddress address) {
        byte[] a = address.getAddress();
        if (address instanceof Inet4Address) {
            return match(IPV4, a);
        }
        if (address instanceof Inet6Address) {
            byte[] embedded = embeddedIpv4(a);
            if (embedded != null) {
                return match(IPV4, embedded);
            }
            return match(IPV6, a);
        }
        return AddressClass.RESERVED;
    }

    private static AddressClass match(List<Block> table, byte[] address) {
        for (Block b : table) {
            if (b.matches(address)) {
                return b.type();
            }
        }
        return AddressClass.PUBLIC;
    }

    /**
     * The IPv4 address inside an IPv6 one that carries it, or null: ::ffff:0:0/96 (mapped), 64:ff9b::/96 (NAT64),
     * 2002::/16 (6to4), and ::/96 (IPv4-compatible, deprecated; :: and ::1 are not IPv4).
     */
    private static byte[] embeddedIpv4(byte[] a) {
        boolean zero10 = true;
        for (int i = 0; i < 10; i++) {
            zero10 &= a[i] == 0;
        }
        if (zero10 && (a[10] & 0xFF) == 0xFF && (a[11] & 0xFF) == 0xFF) {
            return java.util.Arrays.copyOfRange(a, 12, 16);
        }
        boolean zero12 = zero10 && a[10] == 0 && a[11] == 0;
        if (zero12 && !(a[12] == 0 && a[13] == 0 && a[14] == 0 && (a[15] & 0xFE) == 0)) {
            return java.util.Arrays.copyOfRange(a, 12, 16);
        }
        if (a[0] == 0 && a[1] == 0x64 && (a[2] & 0xFF) == 0xFF && (a[3] & 0xFF) == 0x9B) {
            boolean zeroMiddle = true;
            for (int i = 4; i < 12; i++) {
                zeroMiddle &= a[i] == 0;
            }
            if (zeroMiddle) {
                return java.util.Arrays.copyOfRange(a, 12, 16);
            }
        }
        if (a[0] == 0x20 && a[1] == 0x02) {
            return java.util.Arrays.copyOfRange(a, 2, 6);
        }
        return null;
    }

    private static Block v4(String literal, int bits, AddressClass type) {
        return new Block(parse(literal), bits, type);
    }

    private static Block v6(String literal, int bits, AddressClass type) {
        return new Block(parse(literal), bits, type);
    }

    private static byte[] parse(String literal) {
        try {
            return InetAddress.getByName(literal).getAddress();   // literals only: no lookup happens
        } catch (java.net.UnknownHostException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
