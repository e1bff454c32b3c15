package org.wispwar.wisp.config;

import java.time.Duration;
import java.util.Set;

/**
 * Rate limits, caps and timers that keep one client from taking the server. Zero turns a limit off. Immutable;
 * thread-safe.
 *
 * @param packetRateLimit        DATA packets one WebSocket may send per minute; over it the stream gets CLOSE 0x49
 * @param maxConnectionsPerIp    WebSockets one client IP may hold open at once
 * @param connectionRateLimit    new WebSockets one client IP may open per minute
 * @param streamRateLimit        streams one client IP may open per minute (CLOSE 0x49 beyond)
 * @param bandwidthPerConnection bytes per second per WebSocket, each direction, enforced by throttling
 * @param bandwidthPerIp         bytes per second per client IP, each direction, enforced by throttling
 * @param tcpIdleTimeout         a TCP stream with no bytes either way for this long gets CLOSE 0x47
 * @param pingInterval           how often the server pings each WebSocket; zero: never
 */
public record LimitsConfig(int packetRateLimit, int maxConnectionsPerIp, int connectionRateLimit, int streamRateLimit,
        long bandwidthPerConnection, long bandwidthPerIp, Duration tcpIdleTimeout, Duration pingInterval) {
    public static final String PACKET_RATE_LIMIT = "wisp.packetRateLimit";
    public static final String MAX_CONNECTIONS_PER_IP = "wisp.maxConnectionsPerIp";
    public static final String CONNECTION_RATE_LIMIT = "wisp.connectionRateLimit";
    public static final String STREAM_RATE_LIMIT = "wisp.streamRateLimit";
    public static final String BANDWIDTH_PER_CONNECTION = "wisp.bandwidthPerConnection";
    public static final String BANDWIDTH_PER_IP = "wisp.bandwidthPerIp";
    public static final String TCP_IDLE_TIMEOUT = "wisp.tcpIdleTimeout";
    public static final String PING_INTERVAL = "wisp.pingInterval";
    public static final Set<String> NAMES = Set.of(PACKET_RATE_LIMIT, MAX_CONNECTIONS_PER_IP, CONNECTION_RATE_LIMIT,
            STREAM_RATE_LIMIT, BANDWIDTH_PER_CONNECTION, BANDWIDTH_PER_IP, TCP_IDLE_TIMEOUT, PING_INTERVAL);

    public LimitsConfig {
        nonNegative(PACKET_RATE_LIMIT, packetRateLimit);
        nonNegative(MAX_CONNECTIONS_PER_IP, maxConnectionsPerIp);
        nonNegative(CONNECTION_RATE_LIMIT, connectionRateLimit);
        nonNegative(STREAM_RATE_LIMIT, streamRateLimit);
        nonNegative(BANDWIDTH_PER_CONNECTION, bandwidthPerConnection);
        nonNegative(BANDWIDTH_PER_IP, bandwidthPerIp);
        if (tcpIdleTimeout.isNegative() || pingInterval.isNegative()) {
            throw new IllegalArgumentException(TCP_IDLE_TIMEOUT + " and " + PING_INTERVAL + " must not be negative");
        }
    }

    private static void nonNegative(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be 0 (off) or more, was " + value);
        }
    }

    public static LimitsConfig defaults() {
        return from(new ConfigParams(java.util.Map.of()));
    }

    static LimitsConfig from(ConfigParams p) {
        return new LimitsConfig(
                p.integer(PACKET_RATE_LIMIT, 0),
                p.integer(MAX_CONNECTIONS_PER_IP, 0),
                p.integer(CONNECTION_RATE_LIMIT, 0),
                p.integer(STREAM_RATE_LIMIT, 0),
                p.bytes(BANDWIDTH_PER_CONNECTION, 0),
                p.bytes(BANDWIDTH_PER_IP, 0),
                p.duration(TCP_IDLE_TIMEOUT, Duration.ZERO),
                p.duration(PING_INTERVAL, Duration.ofSeconds(30)));
    }
}
