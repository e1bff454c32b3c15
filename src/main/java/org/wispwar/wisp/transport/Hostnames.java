package org.wispwar.wisp.transport;

import java.net.IDN;

/**
 * Syntax checks for destination hostnames before anything is resolved. Stateless; thread-safe.
 */
public final class Hostnames {
    /** The longest DNS name (RFC 1035), in its ASCII form. */
    public static final int MAX_LENGTH = 253;

    private Hostnames() {
    }

    /**
     * Returns the name to resolve: an IP literal as given (IPv6 may be bracketed), or a DNS name in its ASCII (IDNA)
     * form.
     *
     * @throws InvalidDestinationException naming what is wrong: empty, too long, a control or blank character, or a
     *                                     name that is not a valid hostname
     */
    public static String validate(String host) throws InvalidDestinationException {
        if (host.isEmpty()) {
            throw new InvalidDestinationException("empty hostname");
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c <= ' ' || c == 0x7f || Character.isWhitespace(c) || Character.isISOControl(c)) {
                throw new InvalidDestinationException("hostname contains a control or blank character");
            }
        }
        if (host.indexOf(':') >= 0) {
            return ipv6Literal(host);
        }
        labels(host);   // before IDNA too, which rejects these with a message that names neither
        String ascii;
        try {
            ascii = IDN.toASCII(host, IDN.ALLOW_UNASSIGNED);
        } catch (IllegalArgumentException e) {
            throw new InvalidDestinationException("hostname is not a valid internationalized name");
        }
        if (ascii.length() > MAX_LENGTH + 1 || (ascii.length() == MAX_LENGTH + 1 && !ascii.endsWith("."))) {
            throw new InvalidDestinationException("hostname longer than " + MAX_LENGTH + " characters");
        }
        for (String label : labels(ascii)) {   // punycode can make a label longer: check again
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
                        || c == '_';
                if (!ok) {
                    throw new InvalidDestinationException("hostname contains an invalid character");
                }
            }
        }
        return ascii;
    }

    /** The labels of a name without its root dot; each must be 1..63 characters. */
    private static String[] labels(String name) throws InvalidDestinationException {
        String body = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        if (body.isEmpty()) {
            throw new InvalidDestinationException("empty hostname");
        }
        String[] labels = body.split("\\.", -1);
        for (String label : labels) {
            if (label.isEmpty() || label.length() > 63) {
                throw new InvalidDestinationException("hostname has an empty or over-long label");
            }
        }
        return labels;
    }

    /** Only IPv6 literals contain ':'. Optional brackets; an optional zone after '%'. */
    private static final java.util.regex.Pattern IPV6_LITERAL =
            java.util.regex.Pattern.compile("\\[?[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?]?");

    /**
     * A name with ':' must be an IPv6 literal. The characters are checked first, so the JDK parses it as a number and
     * never sends it to DNS; a string that still does not parse is invalid (0x41), not unresolvable.
     */
    private static String ipv6Literal(String host) throws InvalidDestinationException {
        boolean bracketed = host.startsWith("[");
        if (!IPV6_LITERAL.matcher(host).matches() || bracketed != host.endsWith("]")) {
            throw new InvalidDestinationException("hostname with ':' is not an IPv6 literal");
        }
        String bare = bracketed ? host.substring(1, host.length() - 1) : host;
        try {
            java.net.InetAddress.getByName(bare);   // a literal parse (also of a numeric or interface zone)
        } catch (java.net.UnknownHostException e) {
            throw new InvalidDestinationException("hostname with ':' is not an IPv6 literal");
        }
        return host;
    }
}
