package org.wispwar.wisp.limits;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.regex.Pattern;
import org.wispwar.wisp.config.Cidr;

/**
 * Who the client is, for limits and logs: the TCP peer, unless the peer is a trusted proxy, in which case the
 * forwarding headers are believed. {@code X-Forwarded-For} is read from the right: each hop that is itself a trusted
 * proxy is skipped and the first untrusted one is the client (a client can prepend anything, so only what trusted
 * proxies appended counts). Without that header, {@code X-Real-IP} is used. Headers that do not hold an IP literal are
 * ignored. Stateless; thread-safe.
 */
public final class ClientIp {
    private static final Pattern LITERAL = Pattern.compile("[0-9A-Fa-f:.]+");

    private ClientIp() {
    }

    public static String resolve(String peer, List<String> forwardedFor, String realIp, List<Cidr> trustedProxies) {
        if (peer == null || !trusted(peer, trustedProxies)) {
            return peer == null ? "unknown" : normalize(peer);
        }
        if (forwardedFor != null && !forwardedFor.isEmpty()) {
            String candidate = null;
            List<String> hops = forwardedFor.stream().flatMap(h -> java.util.Arrays.stream(h.split(",")))
                    .map(String::strip).filter(h -> !h.isEmpty()).toList();
            for (int i = hops.size() - 1; i >= 0; i--) {
                String hop = hops.get(i);
                if (parse(hop) == null) {
                    break;   // garbage in the chain: trust nothing left of it
                }
                candidate = hop;
                if (!trusted(hop, trustedProxies)) {
                    return normalize(hop);
                }
            }
            if (candidate != null) {
                return normalize(candidate);   // every hop was a trusted proxy: the leftmost is the best we know
            }
        }
        if (realIp != null && parse(realIp.strip()) != null) {
            return normalize(realIp.strip());
        }
        return normalize(peer);
    }

    /** Whether {@code peer} is one of the trusted proxies, whose forwarding headers are believed. */
    public static boolean isTrustedProxy(String peer, List<Cidr> trustedProxies) {
        return peer != null && trusted(peer, trustedProxies);
    }

    private static boolean trusted(String address, List<Cidr> trustedProxies) {
        InetAddress a = parse(address);
        return a != null && trustedProxies.stream().anyMatch(c -> c.contains(a));
    }

    private static InetAddress parse(String literal) {
        String s = literal.startsWith("[") && literal.endsWith("]") ? literal.substring(1, literal.length() - 1)
                : literal;
        if (!LITERAL.matcher(s).matches() || s.indexOf(':') < 0 && s.chars().filter(c -> c == '.').count() != 3) {
            return null;
        }
        try {
            return InetAddress.getByName(s);   // a literal: parsed, never looked up
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static String normalize(String address) {
        InetAddress a = parse(address);
        return a == null ? address : a.getHostAddress();
    }
}
