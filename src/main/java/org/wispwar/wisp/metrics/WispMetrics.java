package org.wispwar.wisp.metrics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.wispwar.wisp.protocol.CloseReason;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters shared by every session of one deployment: what is open now, so tests and operators can see that
 * nothing outlives its stream. The statistics endpoint, the MBean and the Prometheus endpoint all read these; the
 * durations (stream opens, DNS lookups, sessions) go on to the {@link Timings} set with {@link #timings(Timings)}.
 * Thread-safe (atomics only).
 */
public final class WispMetrics {
    private final AtomicLong sessions = new AtomicLong();
    private final AtomicLong streams = new AtomicLong();
    private final AtomicLong threads = new AtomicLong();
    private final AtomicLong sockets = new AtomicLong();
    private final LongAdder streamsOpened = new LongAdder();
    private final LongAdder bytesFromClients = new LongAdder();
    private final LongAdder bytesToClients = new LongAdder();
    private final LongAdder udpDatagramsDropped = new LongAdder();
    /** Streams ended, by the CLOSE reason byte the server sent (or would have sent). */
    private final AtomicLongArray closesByReason = new AtomicLongArray(256);
    private final ConcurrentHashMap<String, LongAdder> limitsTripped = new ConcurrentHashMap<>();
    /** WebSockets whose reading is paused now because a byte budget is full. */
    private final AtomicLong readsPaused = new AtomicLong();
    /** Times reading paused, by the budget that was full (its param name). */
    private final ConcurrentHashMap<String, LongAdder> readPauses = new ConcurrentHashMap<>();
    /**
     * WebSocket upgrades refused, by the HTTP status they got before the upgrade (401, 403, 503) or the WebSocket close
     * code sent right after it (1013: a per-IP limit).
     */
    private final ConcurrentHashMap<Integer, LongAdder> upgradesRefused = new ConcurrentHashMap<>();
    /** Streams open now and opened so far, indexed by {@link StreamKind#ordinal()}. */
    private final AtomicLongArray streamsByKind = new AtomicLongArray(StreamKind.values().length);
    private final AtomicLongArray streamsOpenedByKind = new AtomicLongArray(StreamKind.values().length);
    /** Connections open now and opened so far, indexed by {@link ConnectionKind#ordinal()}. */
    private final AtomicLongArray sessionsByKind = new AtomicLongArray(ConnectionKind.values().length);
    private final AtomicLongArray sessionsOpenedByKind = new AtomicLongArray(ConnectionKind.values().length);
    private volatile Timings timings = Timings.NONE;

    /** What a stream carries, for the per-type counters. */
    public enum StreamKind {
        TCP,
        UDP,
        /** A wsproxy connection: one raw TCP socket per WebSocket. */
        WSPROXY,
        /** A CONNECT with an unknown stream type (answered with CLOSE 0x41). */
        OTHER
    }

    /** What a connection (one WebSocket) speaks, for the per-kind counters. */
    public enum ConnectionKind {
        WISP_V1,
        WISP_V2,
        /** wsproxy: one raw TCP socket per WebSocket. */
        WSPROXY
    }

    /**
     * A WebSocket was admitted as a connection of {@code kind}. Returns when (System.nanoTime), for
     * {@link #sessionClosed}.
     */
    public long sessionOpened(ConnectionKind kind) {
        sessions.incrementAndGet();
        sessionsByKind.incrementAndGet(kind.ordinal());
        sessionsOpenedByKind.incrementAndGet(kind.ordinal());
        return System.nanoTime();
    }

    /** The connection that {@link #sessionOpened} counted at {@code openedAt} has ended; its duration is recorded. */
    public void sessionClosed(ConnectionKind kind, long openedAt) {
        sessions.decrementAndGet();
        sessionsByKind.decrementAndGet(kind.ordinal());
        timings.sessionEnded(kind, System.nanoTime() - openedAt);
    }

    /** Where the durations go from now on (the Prometheus histograms); {@link Timings#NONE} drops them. */
    public void timings(Timings timings) {
        this.timings = java.util.Objects.requireNonNull(timings, "timings");
    }

    /**
     * A stream's destination connected ({@code connected}) or could not be reached, {@code nanos} after its CONNECT
     * (for wsproxy: after the WebSocket was admitted) arrived.
     */
    public void streamOpenTook(long nanos, boolean connected) {
        timings.streamOpened(nanos, connected);
    }

    /** A DNS lookup that went to the resolver (not a cache hit) took {@code nanos}, answered, failed or timed out. */
    public void dnsLookupTook(long nanos) {
        timings.dnsLookup(nanos);
    }

    /** Connections open now by kind, every kind listed. */
    public Map<ConnectionKind, Long> sessionsByKind() {
        return byConnectionKind(sessionsByKind);
    }

    /** Connections opened so far by kind, every kind listed. */
    public Map<ConnectionKind, Long> sessionsOpenedByKind() {
        return byConnectionKind(sessionsOpenedByKind);
    }

    private static Map<ConnectionKind, Long> byConnectionKind(AtomicLongArray counts) {
        Map<ConnectionKind, Long> out = new java.util.EnumMap<>(ConnectionKind.class);
        for (ConnectionKind k : ConnectionKind.values()) {
            out.put(k, counts.get(k.ordinal()));
        }
        return out;
    }

    /** Streams ended so far with {@code reason} (0 when none). */
    public long closes(CloseReason reason) {
        return closesByReason.get(reason.code());
    }

    public void streamOpened(StreamKind kind) {
        streams.incrementAndGet();
        streamsOpened.increment();
        streamsByKind.incrementAndGet(kind.ordinal());
        streamsOpenedByKind.incrementAndGet(kind.ordinal());
    }

    public void streamClosed(StreamKind kind) {
        streams.decrementAndGet();
        streamsByKind.decrementAndGet(kind.ordinal());
    }

    /**
     * Starts {@code task} on {@code threads}, named {@code name} and counted in {@link #threads()} until it ends.
     * Returns false (and counts nothing) when the executor is already shut down.
     */
    public boolean spawn(java.util.concurrent.ExecutorService threads, String name, Runnable task) {
        threadStarted();
        try {
            threads.execute(() -> {
                Thread.currentThread().setName(name);
                try {
                    task.run();
                } finally {
                    threadEnded();
                }
            });
            return true;
        } catch (java.util.concurrent.RejectedExecutionException e) {
            threadEnded();
            return false;
        }
    }

    public void threadStarted() {
        threads.incrementAndGet();
    }

    public void threadEnded() {
        threads.decrementAndGet();
    }

    public void socketOpened() {
        sockets.incrementAndGet();
    }

    public void socketClosed() {
        sockets.decrementAndGet();
    }

    /** A stream ended with this reason (counted whether or not a CLOSE could be sent). */
    public void streamEnded(CloseReason reason) {
        closesByReason.incrementAndGet(reason.code());
    }

    /**
     * Whether the shared state (wisp.sharedState) answers: -1 not configured, 1 up, 0 down. Set by the shared limits
     * when it changes.
     */
    private final java.util.concurrent.atomic.AtomicInteger sharedStateUp = new java.util.concurrent.atomic.AtomicInteger(-1);
    private final LongAdder sharedStateFailures = new LongAdder();

    /** The shared state answers again ({@code true}) or stopped answering. */
    public void sharedStateUp(boolean up) {
        sharedStateUp.set(up ? 1 : 0);
    }

    /** One call to the shared state failed or timed out. */
    public void sharedStateFailed() {
        sharedStateFailures.increment();
    }

    /** -1: no shared state configured; 1: it answers; 0: it does not. */
    public int sharedStateStatus() {
        return sharedStateUp.get();
    }

    /** Calls to the shared state that failed or timed out since deploy. */
    public long sharedStateFailures() {
        return sharedStateFailures.sum();
    }

    /** A limit refused or throttled something; {@code limit} is its param name, e.g. wisp.packetRateLimit. */
    public void limitTripped(String limit) {
        limitsTripped.computeIfAbsent(limit, k -> new LongAdder()).increment();
    }

    /**
     * A WebSocket upgrade was refused: {@code status} is the HTTP status before the upgrade (401 and 403 by the access
     * filter, 503 while draining) or the WebSocket close code sent right after it (1013: a per-IP limit).
     */
    public void upgradeRefused(int status) {
        upgradesRefused.computeIfAbsent(status, k -> new LongAdder()).increment();
    }

    /** A WebSocket stopped being read because {@code budget} (a param name) was full. */
    public void readPaused(String budget) {
        readsPaused.incrementAndGet();
        readPauses.computeIfAbsent(budget, k -> new LongAdder()).increment();
    }

    /** A paused WebSocket is read again (or ended while paused). */
    public void readResumed() {
        readsPaused.decrementAndGet();
    }

    /** WebSockets not being read now because a byte budget is full. */
    public long readsPaused() {
        return readsPaused.get();
    }

    /** Times reading paused so far, by the budget that was full: wisp.streamByteBudget, ... */
    public Map<String, Long> readPauses() {
        Map<String, Long> out = new TreeMap<>();
        readPauses.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    public void udpDatagramDropped() {
        udpDatagramsDropped.increment();
    }

    public void fromClient(long bytes) {
        bytesFromClients.add(bytes);
    }

    public void toClient(long bytes) {
        bytesToClients.add(bytes);
    }

    /** WebSockets with a live Wisp session. */
    public long sessions() {
        return sessions.get();
    }

    /** Streams registered in some session (connecting or connected). */
    public long streams() {
        return streams.get();
    }

    /** Virtual threads started for streams that have not ended yet. */
    public long threads() {
        return threads.get();
    }

    /** Connected destination sockets not yet closed. */
    public long sockets() {
        return sockets.get();
    }

    public long streamsOpened() {
        return streamsOpened.sum();
    }

    public long bytesFromClients() {
        return bytesFromClients.sum();
    }

    public long bytesToClients() {
        return bytesToClients.sum();
    }

    /** Client datagrams dropped because their UDP stream's queue was full (UDP is lossy by contract). */
    public long udpDatagramsDropped() {
        return udpDatagramsDropped.sum();
    }

    /** Streams ended so far by reason name (only reasons that occurred), e.g. {SERVER_STREAM_BLOCKED_ADDRESS=3}. */
    public Map<String, Long> closesByReason() {
        Map<String, Long> out = new TreeMap<>();
        for (CloseReason r : CloseReason.values()) {
            long n = closesByReason.get(r.code());
            if (n > 0) {
                out.put(r.name(), n);
            }
        }
        return out;
    }

    /** Streams open now by type, every type listed: {TCP=2, UDP=0, WSPROXY=1, OTHER=0}. */
    public Map<StreamKind, Long> streamsByType() {
        return byKind(streamsByKind);
    }

    /** Streams opened so far by type, every type listed. */
    public Map<StreamKind, Long> streamsOpenedByType() {
        return byKind(streamsOpenedByKind);
    }

    private static Map<StreamKind, Long> byKind(AtomicLongArray counts) {
        Map<StreamKind, Long> out = new java.util.EnumMap<>(StreamKind.class);
        for (StreamKind k : StreamKind.values()) {
            out.put(k, counts.get(k.ordinal()));
        }
        return out;
    }

    /** Times each limit tripped, by param name. */
    public Map<String, Long> limitsTripped() {
        Map<String, Long> out = new TreeMap<>();
        limitsTripped.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** Upgrades refused so far, by status (only statuses that occurred), e.g. {401=2, 1013=1}. */
    public Map<Integer, Long> upgradesRefused() {
        Map<Integer, Long> out = new TreeMap<>();
        upgradesRefused.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
