package org.wispwar.wisp.config;

import java.time.Duration;
import java.util.Set;

/**
 * How much memory clients can make the server hold: bytes accepted from a client and not yet written to their
 * destination, capped per stream, per connection and for the whole server. A full budget pauses reading the client's
 * WebSocket until the bytes drain; a destination that takes no byte for {@code destinationTimeout} ends its stream,
 * which gives its bytes back. Immutable; thread-safe.
 *
 * @param streamByteBudget     bytes one stream (or wsproxy connection) may hold
 * @param connectionByteBudget bytes one WebSocket's streams may hold together
 * @param serverByteBudget     bytes every connection of the deployment may hold together
 * @param destinationTimeout   how long bytes may wait for a destination that takes none of them
 */
public record BudgetConfig(long streamByteBudget, long connectionByteBudget, long serverByteBudget,
        Duration destinationTimeout) {
    public static final String STREAM_BYTE_BUDGET = "wisp.streamByteBudget";
    public static final String CONNECTION_BYTE_BUDGET = "wisp.connectionByteBudget";
    public static final String SERVER_BYTE_BUDGET = "wisp.serverByteBudget";
    public static final String DESTINATION_TIMEOUT = "wisp.destinationTimeout";
    public static final Set<String> NAMES = Set.of(STREAM_BYTE_BUDGET, CONNECTION_BYTE_BUDGET, SERVER_BYTE_BUDGET,
            DESTINATION_TIMEOUT);

    /** A stream's budget holds at least one full-size chunk (64 KiB), or every large packet would pause reading. */
    static final long MIN_STREAM_BYTE_BUDGET = 64 * 1024;
    static final long DEFAULT_STREAM_BYTE_BUDGET = 4 * 1024 * 1024;
    static final long DEFAULT_CONNECTION_BYTE_BUDGET = 16 * 1024 * 1024;
    /** The server default's floor, for small heaps. */
    static final long MIN_DEFAULT_SERVER_BYTE_BUDGET = 64 * 1024 * 1024;

    public BudgetConfig {
        if (streamByteBudget < MIN_STREAM_BYTE_BUDGET) {
            throw new IllegalArgumentException(STREAM_BYTE_BUDGET + " must be at least " + MIN_STREAM_BYTE_BUDGET
                    + " (64k), was " + streamByteBudget);
        }
        if (connectionByteBudget < streamByteBudget) {
            throw new IllegalArgumentException(CONNECTION_BYTE_BUDGET + " must be at least " + STREAM_BYTE_BUDGET + " ("
                    + streamByteBudget + "), was " + connectionByteBudget);
        }
        if (serverByteBudget < connectionByteBudget) {
            throw new IllegalArgumentException(SERVER_BYTE_BUDGET + " must be at least " + CONNECTION_BYTE_BUDGET + " ("
                    + connectionByteBudget + "), was " + serverByteBudget);
        }
        if (destinationTimeout == null || destinationTimeout.isNegative() || destinationTimeout.isZero()) {
            throw new IllegalArgumentException(DESTINATION_TIMEOUT + " must be a positive duration, was "
                    + (destinationTimeout == null ? null : destinationTimeout.toMillis() + "ms"));
        }
    }

    /**
     * The server budget when none is set: a quarter of the JVM's max heap, at least 64 MiB. The bytes are held in
     * direct buffers, whose JVM cap defaults to the max heap too.
     */
    public static long defaultServerByteBudget() {
        return Math.max(MIN_DEFAULT_SERVER_BYTE_BUDGET, Runtime.getRuntime().maxMemory() / 4);
    }

    public static BudgetConfig defaults() {
        return from(new ConfigParams(java.util.Map.of()));
    }

    static BudgetConfig from(ConfigParams p) {
        long stream = p.bytes(STREAM_BYTE_BUDGET, DEFAULT_STREAM_BYTE_BUDGET);
        long connection = p.bytes(CONNECTION_BYTE_BUDGET, Math.max(DEFAULT_CONNECTION_BYTE_BUDGET, stream));
        long server = p.bytes(SERVER_BYTE_BUDGET, Math.max(defaultServerByteBudget(), connection));
        return new BudgetConfig(stream, connection, server, p.duration(DESTINATION_TIMEOUT, Duration.ofSeconds(30)));
    }
}
