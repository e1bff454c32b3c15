package org.wispwar.wisp.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Where streams may go, how names are resolved, and whose forwarding headers are believed. Immutable; thread-safe.
 *
 * @param tcp                 host and port rules for TCP streams (and wsproxy targets)
 * @param udp                 host and port rules for UDP streams
 * @param allowDirectIp       whether a CONNECT may name an IP literal instead of a host name
 * @param allowAddresses      resolved addresses allowed even in a refused class (e.g. one private subnet)
 * @param blockAddresses      resolved addresses always refused, even public ones
 * @param dnsTimeout          how long one resolution may take (→ 0x42)
 * @param dnsCacheTtl         how long a successful resolution is reused; zero: no cache
 * @param dnsNegativeCacheTtl how long a failed resolution is remembered; zero: not remembered
 * @param dnsPreference       which address family is tried first
 * @param trustedProxies      peers whose X-Forwarded-For / X-Real-IP header names the client
 */
public record PolicyConfig(DestinationRules tcp, DestinationRules udp, boolean allowDirectIp, List<Cidr> allowAddresses,
        List<Cidr> blockAddresses, Duration dnsTimeout, Duration dnsCacheTtl, Duration dnsNegativeCacheTtl,
        DnsPreference dnsPreference, List<Cidr> trustedProxies) {

    /** Host patterns (full-match, case-insensitive, on the ASCII name) and port sets; empty allow lists allow all. */
    public record DestinationRules(List<Pattern> allowHosts, List<Pattern> blockHosts, PortRanges allowPorts,
            PortRanges blockPorts) {
        public static final DestinationRules OPEN = new DestinationRules(List.of(), List.of(), PortRanges.NONE,
                PortRanges.NONE);

        public DestinationRules {
            allowHosts = List.copyOf(allowHosts);
            blockHosts = List.copyOf(blockHosts);
        }
    }

    public enum DnsPreference {
        /** The resolver's order. */
        SYSTEM,
        IPV4,
        IPV6
    }

    public static final String TCP_ALLOW_HOSTS = "wisp.tcp.allowHosts";
    public static final String TCP_BLOCK_HOSTS = "wisp.tcp.blockHosts";
    public static final String TCP_ALLOW_PORTS = "wisp.tcp.allowPorts";
    public static final String TCP_BLOCK_PORTS = "wisp.tcp.blockPorts";
    public static final String UDP_ALLOW_HOSTS = "wisp.udp.allowHosts";
    public static final String UDP_BLOCK_HOSTS = "wisp.udp.blockHosts";
    public static final String UDP_ALLOW_PORTS = "wisp.udp.allowPorts";
    public static final String UDP_BLOCK_PORTS = "wisp.udp.blockPorts";
    public static final String ALLOW_DIRECT_IP = "wisp.allowDirectIp";
    public static final String ALLOW_ADDRESSES = "wisp.allowAddresses";
    public static final String BLOCK_ADDRESSES = "wisp.blockAddresses";
    public static final String DNS_TIMEOUT = "wisp.dnsTimeout";
    public static final String DNS_CACHE_TTL = "wisp.dnsCacheTtl";
    public static final String DNS_NEGATIVE_CACHE_TTL = "wisp.dnsNegativeCacheTtl";
    public static final String DNS_PREFERENCE = "wisp.dnsPreference";
    public static final String TRUSTED_PROXIES = "wisp.trustedProxies";
    public static final Set<String> NAMES = Set.of(TCP_ALLOW_HOSTS, TCP_BLOCK_HOSTS, TCP_ALLOW_PORTS, TCP_BLOCK_PORTS,
            UDP_ALLOW_HOSTS, UDP_BLOCK_HOSTS, UDP_ALLOW_PORTS, UDP_BLOCK_PORTS, ALLOW_DIRECT_IP, ALLOW_ADDRESSES,
            BLOCK_ADDRESSES, DNS_TIMEOUT, DNS_CACHE_TTL, DNS_NEGATIVE_CACHE_TTL, DNS_PREFERENCE, TRUSTED_PROXIES);

    public PolicyConfig {
        allowAddresses = List.copyOf(allowAddresses);
        blockAddresses = List.copyOf(blockAddresses);
        trustedProxies = List.copyOf(trustedProxies);
        if (dnsTimeout.isZero() || dnsTimeout.isNegative()) {
            throw new IllegalArgumentException(DNS_TIMEOUT + " must be a positive duration, was " + dnsTimeout.toMillis()
                    + "ms");
        }
    }

    public static PolicyConfig defaults() {
        return from(new ConfigParams(java.util.Map.of()));
    }

    /** Reads and validates just these params (for code that runs before the whole config is loaded). */
    public static PolicyConfig from(java.util.Map<String, String> params) {
        return from(new ConfigParams(params));
    }

    static PolicyConfig from(ConfigParams p) {
        return new PolicyConfig(
                rules(p, TCP_ALLOW_HOSTS, TCP_BLOCK_HOSTS, TCP_ALLOW_PORTS, TCP_BLOCK_PORTS),
                rules(p, UDP_ALLOW_HOSTS, UDP_BLOCK_HOSTS, UDP_ALLOW_PORTS, UDP_BLOCK_PORTS),
                p.bool(ALLOW_DIRECT_IP, true),
                cidrs(p, ALLOW_ADDRESSES),
                cidrs(p, BLOCK_ADDRESSES),
                p.duration(DNS_TIMEOUT, Duration.ofSeconds(5)),
                p.duration(DNS_CACHE_TTL, Duration.ofSeconds(30)),
                p.duration(DNS_NEGATIVE_CACHE_TTL, Duration.ofSeconds(5)),
                preference(p),
                cidrs(p, TRUSTED_PROXIES));
    }

    private static DestinationRules rules(ConfigParams p, String allowHosts, String blockHosts, String allowPorts,
            String blockPorts) {
        return new DestinationRules(patterns(p, allowHosts), patterns(p, blockHosts),
                PortRanges.parse(p.list(allowPorts), allowPorts), PortRanges.parse(p.list(blockPorts), blockPorts));
    }

    private static List<Pattern> patterns(ConfigParams p, String name) {
        List<Pattern> out = new ArrayList<>();
        for (String regex : p.list(name)) {
            try {
                out.add(Pattern.compile(regex, Pattern.CASE_INSENSITIVE));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(name + " entry \"" + regex + "\" is not a regular expression: "
                        + e.getDescription());
            }
        }
        return out;
    }

    private static List<Cidr> cidrs(ConfigParams p, String name) {
        List<Cidr> out = new ArrayList<>();
        for (String entry : p.list(name)) {
            out.add(Cidr.parse(entry, name));
        }
        return out;
    }

    private static DnsPreference preference(ConfigParams p) {
        String v = p.text(DNS_PREFERENCE);
        if (v.isEmpty()) {
            return DnsPreference.SYSTEM;
        }
        try {
            return DnsPreference.valueOf(v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(DNS_PREFERENCE + " must be system, ipv4 or ipv6, was \"" + v + "\"");
        }
    }
}
