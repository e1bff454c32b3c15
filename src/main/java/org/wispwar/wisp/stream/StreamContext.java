package org.wispwar.wisp.stream;

import java.util.Objects;
import org.wispwar.wisp.limits.ByteBudget;
import org.wispwar.wisp.limits.ConnectionLimits;
import org.wispwar.wisp.metrics.WispMetrics;
import org.wispwar.wisp.transport.TcpDialer;

/**
 * Everything a stream needs from the connection it belongs to, handed over when the stream is made, so a stream never
 * reaches back into its connection. One per connection, shared by its streams. Immutable; thread-safe.
 *
 * @param connectionId     the connection's id, unique in the server; starts every log line and thread name
 * @param sender           the connection's one serialized writer onto its WebSocket
 * @param threads          starts the connection's counted virtual threads
 * @param metrics          the deployment's counters
 * @param dialer           resolves, applies the destination policy and connects
 * @param buffers          the direct chunks client bytes are queued in
 * @param connectionBudget the connection's byte budget; each stream's budget counts into it
 * @param streamByteBudget bytes one stream may hold (its budget's limit)
 * @param limits           the connection's bandwidth caps and rate limits, or null for none
 * @param readBufferSize   the largest chunk read from a destination at once
 * @param connection       who the connection is and its byte totals, for the access log and JMX
 */
public record StreamContext(String connectionId, PacketSender sender, Spawner threads, WispMetrics metrics,
        TcpDialer dialer, BufferPool buffers, ByteBudget connectionBudget, long streamByteBudget,
        ConnectionLimits limits, int readBufferSize, ConnectionRecord connection) {

    /** Starts a named virtual thread that counts in the metrics while it runs. */
    @FunctionalInterface
    public interface Spawner {
        /** False when the connection is shutting down and no thread was started. */
        boolean spawn(String name, Runnable task);
    }

    public StreamContext {
        Objects.requireNonNull(connectionId, "connectionId");
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(threads, "threads");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(dialer, "dialer");
        Objects.requireNonNull(buffers, "buffers");
        Objects.requireNonNull(connectionBudget, "connectionBudget");
        Objects.requireNonNull(connection, "connection");
        if (streamByteBudget < 1 || readBufferSize < 1) {
            throw new IllegalArgumentException("streamByteBudget " + streamByteBudget + ", readBufferSize "
                    + readBufferSize);
        }
    }
}
