package org.wispwar.wisp.config;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every setting of the server, read once from the servlet context params ({@code <context-param>} in web.xml, or the
 * container's overrides) and validated. An invalid or unknown {@code wisp.*} param fails the deployment with a message
 * naming it. Immutable; thread-safe. The README lists every param with its default; keep them in step.
 *
 * @param bufferSize            B: the credit (DATA packets) advertised per TCP stream; the queue is hard-capped at 2B
 * @param maxMessageSize        the largest WebSocket message accepted from a client, bytes (larger: close 1009)
 * @param readBufferSize        the largest chunk read from a destination socket into one DATA packet, bytes
 * @param connectTimeout        how long one TCP connect may take (→ CLOSE 0x43)
 * @param sendTimeout           how long one send onto the WebSocket may block before the WebSocket is closed (1001)
 * @param idleTimeout           the WebSocket idle timeout; zero disables it
 * @param maxStreamsPerConnection how many streams one WebSocket may hold open at once (one more: CLOSE 0x49)
 * @param allowPrivateAddresses whether loopback, private, link-local and other internal destinations may be dialed
 * @param tcpNoDelay            TCP_NODELAY on destination sockets
 */
public record WispConfig(
        int bufferSize,
        int maxMessageSize,
        int readBufferSize,
        Duration connectTimeout,
        Duration sendTimeout,
        Duration idleTimeout,
        int maxStreamsPerConnection,
        boolean allowPrivateAddresses,
        boolean tcpNoDelay) {

    public static final String BUFFER_SIZE = "wisp.bufferSize";
    public static final String MAX_MESSAGE_SIZE = "wisp.maxMessageSize";
    public static final String READ_BUFFER_SIZE = "wisp.readBufferSize";
    public static final String CONNECT_TIMEOUT = "wisp.connectTimeout";
    public static final String SEND_TIMEOUT = "wisp.sendTimeout";
    public static final String IDLE_TIMEOUT = "wisp.idleTimeout";
    public static final String MAX_STREAMS_PER_CONNECTION = "wisp.maxStreamsPerConnection";
    public static final String ALLOW_PRIVATE_ADDRESSES = "wisp.allowPrivateAddresses";
    public static final String TCP_NO_DELAY = "wisp.tcpNoDelay";

    /** All params this version understands; any other {@code wisp.*} name is a typo and fails the deployment. */
    public static final Set<String> NAMES = Set.of(BUFFER_SIZE, MAX_MESSAGE_SIZE, READ_BUFFER_SIZE, CONNECT_TIMEOUT,
            SEND_TIMEOUT, IDLE_TIMEOUT, MAX_STREAMS_PER_CONNECTION, ALLOW_PRIVATE_ADDRESSES, TCP_NO_DELAY);

    /** Smallest accepted max message size: a DATA header plus a useful payload; wispmark needs 51 205. */
    static final int MIN_MESSAGE_SIZE = 1024;
    static final int MAX_MESSAGE_SIZE_LIMIT = 64 * 1024 * 1024;

    public WispConfig {
        check(bufferSize >= 1 && bufferSize <= 65535, BUFFER_SIZE, "1..65535", bufferSize);
        check(maxMessageSize >= MIN_MESSAGE_SIZE && maxMessageSize <= MAX_MESSAGE_SIZE_LIMIT, MAX_MESSAGE_SIZE,
                MIN_MESSAGE_SIZE + ".." + MAX_MESSAGE_SIZE_LIMIT, maxMessageSize);
        check(readBufferSize >= 512 && readBufferSize <= 16 * 1024 * 1024, READ_BUFFER_SIZE, "512..16777216",
                readBufferSize);
        check(positive(connectTimeout), CONNECT_TIMEOUT, "a positive duration", connectTimeout);
        check(positive(sendTimeout), SEND_TIMEOUT, "a positive duration", sendTimeout);
        check(!idleTimeout.isNegative(), IDLE_TIMEOUT, "zero or a positive duration", idleTimeout);
        check(maxStreamsPerConnection >= 1, MAX_STREAMS_PER_CONNECTION, "at least 1", maxStreamsPerConnection);
    }

    /** The defaults: what a WAR with no context params runs with. */
    public static WispConfig defaults() {
        return from(Map.of());
    }

    /**
     * Reads and validates the params. Absent params take their defaults.
     *
     * @throws IllegalArgumentException naming the offending param, e.g. {@code "wisp.bufferSize must be 1..65535, was 0"}
     */
    public static WispConfig from(Map<String, String> params) {
        Set<String> unknown = new TreeSet<>();
        for (String name : params.keySet()) {
            if (name.startsWith("wisp.") && !NAMES.contains(name)) {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown context param " + String.join(", ", unknown)
                    + " (known: " + String.join(", ", new TreeSet<>(NAMES)) + ")");
        }
        Params p = new Params(params);
        return new WispConfig(
                p.integer(BUFFER_SIZE, 128),
                p.integer(MAX_MESSAGE_SIZE, 65536),
                p.integer(READ_BUFFER_SIZE, 32 * 1024),
                p.duration(CONNECT_TIMEOUT, Duration.ofSeconds(10)),
                p.duration(SEND_TIMEOUT, Duration.ofSeconds(30)),
                p.duration(IDLE_TIMEOUT, Duration.ZERO),
                p.integer(MAX_STREAMS_PER_CONNECTION, 1024),
                p.bool(ALLOW_PRIVATE_ADDRESSES, false),
                p.bool(TCP_NO_DELAY, true));
    }

    private static boolean positive(Duration d) {
        return d != null && !d.isNegative() && !d.isZero();
    }

    private static void check(boolean ok, String name, String expected, Object was) {
        if (!ok) {
            throw new IllegalArgumentException(name + " must be " + expected + ", was " + format(was));
        }
    }

    private static String format(Object value) {
        return value instanceof Duration d ? d.toMillis() + "ms" : String.valueOf(value);
    }

    /** Typed reads of raw string params; each failure names the param. */
    private record Params(Map<String, String> raw) {
        private static final Pattern DURATION = Pattern.compile("(\\d{1,12})\\s*(ms|s|m|h)?");

        private String get(String name) {
            String v = raw.get(name);
            return v == null || v.isBlank() ? null : v.strip();
        }

        int integer(String name, int fallback) {
            String v = get(name);
            if (v == null) {
                return fallback;
            }
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " must be a whole number, was \"" + v + "\"");
            }
        }

        boolean bool(String name, boolean fallback) {
            String v = get(name);
            if (v == null) {
                return fallback;
            }
            return switch (v.toLowerCase(java.util.Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new IllegalArgumentException(name + " must be true or false, was \"" + v + "\"");
            };
        }

        /** A whole number with an optional unit: ms (the default), s, m or h. */
        Duration duration(String name, Duration fallback) {
            String v = get(name);
            if (v == null) {
                return fallback;
            }
            Matcher m = DURATION.matcher(v);
            if (!m.matches()) {
                throw new IllegalArgumentException(
                        name + " must be a duration such as 500ms, 10s, 2m or 1h, was \"" + v + "\"");
            }
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "ms" : m.group(2);
            return switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        }
    }
}
