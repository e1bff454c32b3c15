package org.wispwar.wisp.wsproxy;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.regex.Pattern;
import org.wispwar.wisp.config.WispConfig;
import org.wispwar.wisp.transport.Hostnames;
import org.wispwar.wisp.transport.InvalidDestinationException;

/**
 * Where one wsproxy WebSocket goes: the last path segment of {@code /<context>/<segment>}, read as a fixed route name
 * ({@code wisp.wsproxyRoutes}) or, when {@code wisp.allowWsproxy}, as {@code host:port} (wisp-protocol.md §10).
 *
 * <p>A route is operator-chosen and therefore trusted: it is dialed without the private-address check. An arbitrary
 * {@code host:port} gets the same policy as a Wisp CONNECT. {@code host:port} splits on the <em>last</em> colon; an
 * IPv6 literal must be bracketed ({@code [::1]:22}), because {@code ::1:22} could be {@code ::1} port 22 or
 * {@code ::1:22} with no port. Immutable; thread-safe.
 *
 * @param host  the name to resolve (ASCII form) or an IP literal, IPv6 without brackets
 * @param port  1..65535
 * @param route the route name, or empty for an arbitrary {@code host:port}
 */
public record WsproxyTarget(String host, int port, String route) {
    /** What the close reason of a malformed target starts with. */
    public static final String INVALID = "invalid wsproxy target: ";
    /** The close reason when the segment is no route and arbitrary targets are off. */
    public static final String DISABLED = "wsproxy is disabled";

    private static final Pattern PORT = Pattern.compile("\\d{1,5}");
    /**
     * What an IPv6 literal (possibly with an IPv4 tail) may look like. Starting with a hex digit or a colon matters:
     * only then does {@link InetAddress#getByName} parse the string as a literal instead of looking it up.
     */
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*");

    public WsproxyTarget {
        if (host == null || host.isEmpty() || port < 1 || port > 0xFFFF || route == null) {
            throw new IllegalArgumentException("wsproxy target " + host + ":" + port);
        }
    }

    /** A route is dialed with every address class allowed: the operator chose it. */
    public boolean trusted() {
        return !route.isEmpty();
    }

    /**
     * Reads a path segment as the container delivered it. Containers differ in whether {@code @PathParam} values are
     * percent-decoded, so escapes still present ({@code %5B%3A%3A1%5D%3A22}) are decoded here. Pure: no lookup.
     *
     * @throws WsproxyException            the segment is no route and {@code wisp.allowWsproxy} is false (1008)
     * @throws InvalidDestinationException the segment is neither a route nor a valid {@code host:port}; the message
     *                                     names what is wrong, e.g. {@code "IPv6 literal needs brackets"}
     */
    public static WsproxyTarget parse(String segment, WispConfig config) throws WsproxyException,
            InvalidDestinationException {
        String s;
        try {
            s = percentDecode(segment);
        } catch (InvalidDestinationException e) {
            if (!config.allowWsproxy()) {
                throw disabled();   // cannot be a route: say what matters
            }
            throw e;
        }
        WispConfig.Route route = config.wsproxyRoutes().get(s);
        if (route != null) {
            return new WsproxyTarget(route.host(), route.port(), s);
        }
        if (!config.allowWsproxy()) {
            throw disabled();
        }
        String host;
        String port;
        if (s.startsWith("[")) {
            int end = s.indexOf(']');
            if (end < 0) {
                throw new InvalidDestinationException("unclosed bracket");
            }
            if (end + 1 >= s.length() || s.charAt(end + 1) != ':') {
                throw new InvalidDestinationException("expected :port after ]");
            }
            host = ipv6Literal(s.substring(1, end));
            port = s.substring(end + 2);
        } else {
            int colon = s.lastIndexOf(':');
            if (colon < 0) {
                throw new InvalidDestinationException("unknown route or missing port");
            }
            host = s.substring(0, colon);
            port = s.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw new InvalidDestinationException("IPv6 literal needs brackets");
            }
            if (host.isEmpty()) {
                throw new InvalidDestinationException("empty host");
            }
            host = Hostnames.validate(host);
        }
        return new WsproxyTarget(host, port(port), "");
    }

    private static WsproxyException disabled() {
        return new WsproxyException(WsproxyClose.POLICY_VIOLATION, DISABLED);
    }

    private static String ipv6Literal(String inside) throws InvalidDestinationException {
        if (inside.indexOf(':') < 0 || !IPV6_CHARS.matcher(inside).matches()) {
            throw new InvalidDestinationException("brackets must hold an IPv6 literal");
        }
        try {
            InetAddress.getByName(inside);   // a string with ':' is parsed as an IPv6 literal, never looked up
        } catch (UnknownHostException e) {
            throw new InvalidDestinationException("brackets must hold an IPv6 literal");
        }
        return inside;
    }

    private static int port(String digits) throws InvalidDestinationException {
        if (!PORT.matcher(digits).matches()) {
            throw new InvalidDestinationException("port must be 1..65535");
        }
        int port = Integer.parseInt(digits);
        if (port < 1 || port > 0xFFFF) {
            throw new InvalidDestinationException("port must be 1..65535");
        }
        return port;
    }

    /**
     * Decodes {@code %XX} escapes as UTF-8 ({@code +} stays a plus: this is a path, not a form). A segment without
     * {@code %} is returned as is, so an already-decoded value passes through unchanged.
     */
    static String percentDecode(String segment) throws InvalidDestinationException {
        if (segment.indexOf('%') < 0) {
            return segment;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(segment.length());
        for (int i = 0; i < segment.length(); ) {
            if (segment.charAt(i) != '%') {
                int cp = segment.codePointAt(i);
                bytes.writeBytes(Character.toString(cp).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(cp);
                continue;
            }
            if (i + 2 >= segment.length() || !HexFormat.isHexDigit(segment.charAt(i + 1))
                    || !HexFormat.isHexDigit(segment.charAt(i + 2))) {
                throw new InvalidDestinationException("malformed percent-encoding");
            }
            bytes.write(HexFormat.fromHexDigit(segment.charAt(i + 1)) << 4 | HexFormat.fromHexDigit(segment.charAt(i + 2)));
            i += 3;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidDestinationException("percent-encoding is not UTF-8");
        }
    }

    @Override
    public String toString() {
        String address = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        return trusted() ? "route " + route + " (" + address + ")" : address;
    }
}
