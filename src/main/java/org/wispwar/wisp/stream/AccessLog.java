package org.wispwar.wisp.stream;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The access log: one line per stream, and per wsproxy connection, when it ends, on the logger
 * {@value #LOGGER} at INFO. The line is space-separated {@code key=value} fields in a fixed order, so grep and awk can
 * take it apart (README "Logging"):
 *
 * <pre>
 * time=2026-12-03T16:20:01.123Z conn=k3.1f stream=3 client=203.0.113.5 via=- origin=https://app.example proto=tcp
 *   dest=example.com:443 dialed=93.184.216.34 up=517 down=4711 ms=1234 reason=VOLUNTARY(0x02) by=destination
 * </pre>
 *
 * <p>A value that is absent is {@code -}. A value is written bare when it is non-empty and only printable ASCII other
 * than space, {@code "}, {@code \} and {@code =}; anything else is quoted, with {@code \"}, {@code \\} and
 * {@code \}{@code uXXXX} for every other character outside printable ASCII (so a client cannot start a new line or
 * fake a field). A value that is itself {@code -} is quoted as {@code "-"}. Lines are written by {@link LogWriter}, off
 * the thread that ends the stream. Thread-safe.
 */
public final class AccessLog {
    /** The access log's own logger, so it can be routed to its own file or turned off without the rest. */
    public static final String LOGGER = "org.wispwar.wisp.access";
    /** An absent value. */
    public static final String NONE = "-";
    private static final System.Logger LOG = System.getLogger(LOGGER);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private AccessLog() {
    }

    /**
     * What one access line says.
     *
     * @param connection the connection's id
     * @param stream     the Wisp stream id (unsigned), or null for a wsproxy connection
     * @param proto      tcp, udp, other (an unknown CONNECT type) or wsproxy
     * @param dest       the destination as the client asked for it, {@code host:port} (IPv6 in brackets)
     * @param dialed     the address dialed, or null when the stream was refused before dialing
     * @param up         bytes written to the destination
     * @param down       bytes read from the destination for the client
     * @param millis     how long the stream lived
     * @param reason     how it ended: a CLOSE reason ({@code VOLUNTARY(0x02)}) or a WebSocket close code
     * @param by         who ended it: client, server, destination, connection (the WebSocket ended) or operator
     */
    public record Entry(String connection, String stream, String proto, String dest, String dialed, long up, long down,
            long millis, String reason, String by) {
    }

    /**
     * Logs the line of a stream that ended, when the connection's access log is on and the logger takes INFO. The line
     * is made here (its time is now) and handed to {@link LogWriter}, so the thread that closed the stream, often the
     * WebSocket's receive thread, does not wait for the log handler: with the JDK's console handler and its default
     * formatter, writing a line cost about a fifth of the server's CPU samples in a one-at-a-time stream-open profile,
     * all of it on the path of the connection's next packet (README "Performance").
     */
    public static void log(ConnectionRecord connection, Entry entry) {
        if (connection.accessLog() && LOG.isLoggable(System.Logger.Level.INFO)) {
            LogWriter.WRITER.submit(LOG, line(Instant.now(), connection, entry));
        }
    }

    /** The line, as {@link #log} writes it. */
    public static String line(Instant time, ConnectionRecord c, Entry e) {
        StringBuilder b = new StringBuilder(256);
        field(b, "time", TIME.format(time));
        field(b, "conn", e.connection());
        field(b, "stream", e.stream());
        field(b, "client", c.clientIp());
        field(b, "via", c.peer());
        field(b, "origin", c.origin());
        field(b, "proto", e.proto());
        field(b, "dest", e.dest());
        field(b, "dialed", e.dialed());
        field(b, "up", Long.toString(e.up()));
        field(b, "down", Long.toString(e.down()));
        field(b, "ms", Long.toString(e.millis()));
        field(b, "reason", e.reason());
        field(b, "by", e.by());
        return b.toString();
    }

    /** {@code host:port}, with an IPv6 literal in brackets. */
    public static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    private static void field(StringBuilder b, String key, String value) {
        if (!b.isEmpty()) {
            b.append(' ');
        }
        b.append(key).append('=').append(value(value));
    }

    /** One value as the access log (and the connection lines) write it: bare, {@code -}, or quoted and escaped. */
    public static String value(String v) {
        if (v == null) {
            return NONE;
        }
        if (!v.isEmpty() && !v.equals(NONE) && v.chars().allMatch(AccessLog::bare)) {
            return v;
        }
        StringBuilder b = new StringBuilder(v.length() + 8).append('"');
        for (int i = 0; i < v.length(); i++) {
            char ch = v.charAt(i);
            if (ch == '"' || ch == '\\') {
                b.append('\\').append(ch);
            } else if (ch < 0x20 || ch > 0x7e) {
                b.append(String.format("\\u%04x", (int) ch));
            } else {
                b.append(ch);
            }
        }
        return b.append('"').toString();
    }

    private static boolean bare(int ch) {
        return ch > 0x20 && ch < 0x7f && ch != '"' && ch != '\\' && ch != '=';
    }
}
