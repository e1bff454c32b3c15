package org.wispwar.wisp.limits;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.wispwar.wisp.config.LimitsConfig;
import org.wispwar.wisp.config.SharedStateConfig;
import org.wispwar.wisp.metrics.WispMetrics;

/**
 * Per-client-IP limits shared by every connection of one deployment: concurrent WebSockets, new WebSockets and new
 * streams per minute, and bandwidth each way. Entries of IPs with no open connection and full buckets are dropped by
 * {@link #sweep()}, so the map holds only clients that are active or recently were. Thread-safe.
 */
public final class ClientLimits {
    /** One client IP. Its buckets are null when the limit is off. */
    static final class Client {
        final String ip;
        final AtomicInteger open = new AtomicInteger();
        final TokenBucket newConnections;
        final TokenBucket newStreams;
        final TokenBucket bytesUp;
        final TokenBucket bytesDown;

        Client(String ip, LimitsConfig c, LongSupplier clock) {
            this.ip = ip;
            newConnections = c.connectionRateLimit() > 0 ? TokenBucket.perMinute(c.connectionRateLimit(), clock) : null;
            newStreams = c.streamRateLimit() > 0 ? TokenBucket.perMinute(c.streamRateLimit(), clock) : null;
            bytesUp = c.bandwidthPerIp() > 0 ? TokenBucket.bytesPerSecond(c.bandwidthPerIp(), clock) : null;
            bytesDown = c.bandwidthPerIp() > 0 ? TokenBucket.bytesPerSecond(c.bandwidthPerIp(), clock) : null;
        }

        boolean idle() {
            return open.get() == 0 && full(newConnections) && full(newStreams) && full(bytesUp) && full(bytesDown);
        }

        private static boolean full(TokenBucket b) {
            return b == null || b.isFull();
        }
    }

    /** What {@link #admit} decided: the connection's limits, or why it was refused (a WebSocket close reason). */
    public sealed interface Admission permits Admitted, Refused {
    }

    public record Admitted(ConnectionLimits limits) implements Admission {
    }

    public record Refused(String limit, String reason) implements Admission {
    }

    private final LimitsConfig config;
    private final LongSupplier clock;
    private final WispMetrics metrics;
    private final Map<String, Client> clients = new ConcurrentHashMap<>();
    /** The totals over every instance (wisp.sharedState), or null: the limits are this deployment's alone. */
    private final SharedLimits shared;

    public ClientLimits(LimitsConfig config, LongSupplier clock, WispMetrics metrics) {
        this(config, clock, metrics, null);
    }

    /** With {@code shared} (may be null) checked after the local limits, which always apply first. */
    public ClientLimits(LimitsConfig config, LongSupplier clock, WispMetrics metrics, SharedLimits shared) {
        this.config = config;
        this.clock = clock;
        this.metrics = metrics;
        this.shared = shared;
    }

    /** A new WebSocket from {@code ip}: within the concurrent and per-minute caps, or refused. */
    public Admission admit(String ip) {
        Client c = clients.computeIfAbsent(ip, k -> new Client(k, config, clock));
        int open = c.open.incrementAndGet();
        if (config.maxConnectionsPerIp() > 0 && open > config.maxConnectionsPerIp()) {
            c.open.decrementAndGet();
            metrics.limitTripped(LimitsConfig.MAX_CONNECTIONS_PER_IP);
            return new Refused(LimitsConfig.MAX_CONNECTIONS_PER_IP, "too many connections from your address");
        }
        if (c.newConnections != null && !c.newConnections.tryAcquire(1)) {
            c.open.decrementAndGet();
            metrics.limitTripped(LimitsConfig.CONNECTION_RATE_LIMIT);
            return new Refused(LimitsConfig.CONNECTION_RATE_LIMIT, "too many new connections from your address");
        }
        boolean counted = false;
        if (shared != null) {
            SharedLimits.Admission a = shared.admit(ip);
            String limit = switch (a) {
                case COUNTED, UNCOUNTED -> null;
                case TOO_MANY -> LimitsConfig.MAX_CONNECTIONS_PER_IP;
                case TOO_FAST -> LimitsConfig.CONNECTION_RATE_LIMIT;
                case UNAVAILABLE -> SharedStateConfig.URI;
            };
            if (limit != null) {
                c.open.decrementAndGet();
                metrics.limitTripped(limit);
                return new Refused(limit, switch (a) {
                    case TOO_MANY -> "too many connections from your address";
                    case TOO_FAST -> "too many new connections from your address";
                    default -> "shared limits unavailable";
                });
            }
            counted = a == SharedLimits.Admission.COUNTED;
        }
        return new Admitted(new ConnectionLimits(config, c, clock, metrics, shared, counted));
    }

    /** Forgets idle clients; returns how many are still tracked. */
    public int sweep() {
        clients.values().removeIf(Client::idle);
        return clients.size();
    }

    public int tracked() {
        return clients.size();
    }
}
