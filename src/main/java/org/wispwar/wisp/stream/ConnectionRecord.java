package org.wispwar.wisp.stream;

import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Who one connection (a Wisp or wsproxy WebSocket) is and what it moved: its server-unique id, the client, the proxy
 * peer it came through, its Origin, when it opened, its byte totals and streams, and how its WebSocket ended. It writes
 * the connection's two INFO lines on the logger {@value #LOGGER}, one when it opens and one when it has ended, and says
 * whether the streams' access lines ({@link AccessLog}) are written. Values a client chose (Origin, destination, close
 * phrase) are written with {@link AccessLog#value}, so they cannot break a line.
 *
 * <p>Thread-safe: the totals are {@link LongAdder}s, added to by the threads that move the bytes; the close is decided
 * once ({@link #closing}, first call wins) and the closed line is written once.
 */
public final class ConnectionRecord {
    /** The logger of the connection lines (opened, closed) and of refused connections. */
    public static final String LOGGER = "org.wispwar.wisp.connections";
    private static final System.Logger LOG = System.getLogger(LOGGER);

    /** What a connection speaks, for logs and JMX: v1, v2 or wsproxy. */
    public enum Kind {
        V1, V2, WSPROXY;

        /** Lower case, as logged. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * How a WebSocket ended: its close code (or -1 when none is known), the phrase, and who closed it (client, server,
     * operator, or network when it broke without a close frame).
     */
    public record Close(int code, String phrase, String by) {
    }

    private final String id;
    private final String clientIp;
    private final String peer;
    private final String origin;
    private final String target;
    private final boolean accessLog;
    private final Instant openedAt = Instant.now();
    private final long openedNanos = System.nanoTime();
    private volatile Kind kind;
    private final LongAdder up = new LongAdder();
    private final LongAdder down = new LongAdder();
    private final LongAdder streamsOpened = new LongAdder();
    private final AtomicReference<Close> close = new AtomicReference<>();
    private final AtomicBoolean closedLogged = new AtomicBoolean();

    /**
     * @param id        unique in the server (see the registry's id scheme)
     * @param clientIp  the client: the peer, or what a trusted proxy said
     * @param peer      the TCP peer when it is not the client (a trusted proxy), else null
     * @param origin    the Origin header, or null
     * @param kind      v1, v2 (the client offered a subprotocol; it may still fall back to v1) or wsproxy
     * @param target    a wsproxy connection's destination as asked, else null
     * @param accessLog whether its streams write access lines (wisp.accessLog)
     */
    public ConnectionRecord(String id, String clientIp, String peer, String origin, Kind kind, String target,
            boolean accessLog) {
        this.id = java.util.Objects.requireNonNull(id, "id");
        this.clientIp = clientIp == null ? "unknown" : clientIp;
        this.peer = peer == null || peer.equals(this.clientIp) ? null : peer;
        this.origin = origin;
        this.kind = kind;
        this.target = target;
        this.accessLog = accessLog;
    }

    /** A connection from nowhere in particular, with the access log on (tests and embedders). */
    public static ConnectionRecord of(String id, Kind kind) {
        return new ConnectionRecord(id, null, null, null, kind, null, true);
    }

    public String id() {
        return id;
    }

    public String clientIp() {
        return clientIp;
    }

    /** The proxy the client came through, or null when the client is the peer. */
    public String peer() {
        return peer;
    }

    public String origin() {
        return origin;
    }

    public Kind kind() {
        return kind;
    }

    /** A v2 client that fell back to v1. */
    public void kind(Kind k) {
        kind = k;
    }

    public Instant openedAt() {
        return openedAt;
    }

    public boolean accessLog() {
        return accessLog;
    }

    /** Bytes written to destinations, all streams together. */
    public long bytesUp() {
        return up.sum();
    }

    /** Bytes read from destinations for the client. */
    public long bytesDown() {
        return down.sum();
    }

    public long streamsOpened() {
        return streamsOpened.sum();
    }

    void addUp(long n) {
        up.add(n);
    }

    void addDown(long n) {
        down.add(n);
    }

    /** A stream of this connection opened (a CONNECT was taken, whatever became of it). */
    public void streamOpened() {
        streamsOpened.increment();
    }

    /** Milliseconds since the connection opened. */
    public long ageMillis() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - openedNanos);
    }

    /** Records how the WebSocket ends; the first call wins (the side that closed first). */
    public void closing(int code, String phrase, String by) {
        close.compareAndSet(null, new Close(code, phrase, by));
    }

    /** How the WebSocket ended, or null when not known (yet). */
    public Close close() {
        return close.get();
    }

    /** The INFO line of a new connection. */
    public void logOpened() {
        if (LOG.isLoggable(System.Logger.Level.INFO)) {
            LogWriter.WRITER.submit(LOG, openedLine());
        }
    }

    String openedLine() {
        return "[" + id + "] connection opened: " + who();
    }

    /** The client, the proxy it came through, its Origin and what it speaks, as the connection lines show them. */
    public String who() {
        StringBuilder b = new StringBuilder("client=").append(AccessLog.value(clientIp)).append(" via=")
                .append(AccessLog.value(peer)).append(" origin=").append(AccessLog.value(origin)).append(" proto=")
                .append(kind.label());
        if (target != null) {
            b.append(" dest=").append(AccessLog.value(target));
        }
        return b.toString();
    }

    /** The INFO line of a connection that has ended, once (later calls do nothing). */
    public void logClosed() {
        if (closedLogged.compareAndSet(false, true) && LOG.isLoggable(System.Logger.Level.INFO)) {
            LogWriter.WRITER.submit(LOG, closedLine());
        }
    }

    String closedLine() {
        Close c = close.get();
        return "[" + id + "] connection closed: client=" + AccessLog.value(clientIp) + " proto=" + kind.label()
                + " ms=" + ageMillis() + " up=" + bytesUp() + " down=" + bytesDown() + " streams=" + streamsOpened()
                + " code=" + (c == null || c.code() < 0 ? AccessLog.NONE : Integer.toString(c.code()))
                + " by=" + (c == null ? AccessLog.NONE : c.by())
                + " phrase=" + AccessLog.value(c == null || c.phrase() == null || c.phrase().isEmpty() ? null : c.phrase());
    }

    @Override
    public String toString() {
        return id;
    }
}
