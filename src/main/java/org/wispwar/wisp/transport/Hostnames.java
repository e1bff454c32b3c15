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
        String[] asciiLabels = labels(ascii);   // punycode can make a label longer: check again
        if (isNumber(asciiLabels[asciiLabels.length - 1])) {   // after IDNA, which maps fullwidth digits to ASCII
            return ipv4Literal(ascii, asciiLabels);
        }
        for (String label : asciiLabels) {
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

    /**
     * A name whose last label is a number is an IPv4 address to a browser (the WHATWG URL standard) and to
     * {@code inet_aton}, which read {@code 0177.0.0.1} and {@code 0177.1} as octal 127.0.0.1 and also take hex parts
     * and fewer than four parts; the JDK reads the same strings as decimal (177.0.0.1) or hands them to the system
     * resolver. So only the form everybody reads alike is taken: four decimal numbers 0..255 without leading zeros.
     */
    private static String ipv4Literal(String host, String[] labels) throws InvalidDestinationException {
        requireCanonicalIpv4(labels);
        return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    }

    private static void requireCanonicalIpv4(String[] parts) throws InvalidDestinationException {
        boolean canonical = parts.length == 4;
        for (int i = 0; canonical && i < parts.length; i++) {
            String part = parts[i];
            canonical = !part.isEmpty() && part.length() <= 3 && part.chars().allMatch(c -> c >= '0' && c <= '9')
                    && (part.length() == 1 || part.charAt(0) != '0') && Integer.parseInt(part) <= 255;
        }
        if (!canonical) {
            throw new InvalidDestinationException(IPV4_FORM);
        }
    }

    static final String IPV4_FORM = "IPv4 address must be four decimal numbers 0-255 without leading zeros";

    /** A decimal or 0x-hexadecimal number, as the URL standard's IPv4 parser would read it. */
    private static boolean isNumber(String label) {
        boolean hex = label.length() > 1 && label.charAt(0) == '0' && (label.charAt(1) == 'x' || label.charAt(1) == 'X');
        String digits = hex ? label.substring(2) : label;
        return digits.chars().allMatch(c -> (c >= '0' && c <= '9') || (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))));
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
        int zone = bare.indexOf('%');
        String address = zone < 0 ? bare : bare.substring(0, zone);
        if (address.indexOf('.') >= 0) {   // an embedded IPv4 (::ffff:127.0.0.1): the same one form as on its own
            requireCanonicalIpv4(address.substring(address.lastIndexOf(':') + 1).split("\\.", -1));
        }
        return host;
    }
}
