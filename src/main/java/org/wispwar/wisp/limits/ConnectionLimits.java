package org.wispwar.wisp.limits;

import java.io.InterruptedIOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.wispwar.wisp.config.LimitsConfig;
import org.wispwar.wisp.metrics.WispMetrics;

/**
 * The limits of one WebSocket: its DATA packet rate, its bandwidth each way, and its share of its client IP's limits.
 * Throttling sleeps the calling stream thread (a virtual thread), so a throttled direction simply slows down: the
 * destination's TCP window or the client's credit does the rest, and no byte is dropped. Thread-safe.
 */
public final class ConnectionLimits {
    private final ClientLimits.Client client;
    private final WispMetrics metrics;
    private final TokenBucket packets;
    private final TokenBucket bytesUp;
    private final TokenBucket bytesDown;
    private final AtomicBoolean released = new AtomicBoolean();

    ConnectionLimits(LimitsConfig c, ClientLimits.Client client, LongSupplier clock, WispMetrics metrics) {
        this.client = client;
        this.metrics = metrics;
        this.packets = c.packetRateLimit() > 0 ? TokenBucket.perMinute(c.packetRateLimit(), clock) : null;
        this.bytesUp = c.bandwidthPerConnection() > 0 ? TokenBucket.bytesPerSecond(c.bandwidthPerConnection(), clock)
                : null;
        this.bytesDown = c.bandwidthPerConnection() > 0
                ? TokenBucket.bytesPerSecond(c.bandwidthPerConnection(), clock) : null;
    }

    public String clientIp() {
        return client.ip;
    }

    /** One more DATA packet from the client; false when over {@code wisp.packetRateLimit}. */
    public boolean allowPacket() {
        if (packets == null || packets.tryAcquire(1)) {
            return true;
        }
        metrics.limitTripped(LimitsConfig.PACKET_RATE_LIMIT);
        return false;
    }

    /** One more stream from this client IP; false when over {@code wisp.streamRateLimit}. */
    public boolean allowNewStream() {
        if (client.newStreams == null || client.newStreams.tryAcquire(1)) {
            return true;
        }
        metrics.limitTripped(LimitsConfig.STREAM_RATE_LIMIT);
        return false;
    }

    /** Waits until {@code bytes} more may go to the destination. */
    public void throttleUp(long bytes) throws InterruptedIOException {
        throttle(bytesUp, client.bytesUp, bytes);
    }

    /** Waits until {@code bytes} more may go to the client. */
    public void throttleDown(long bytes) throws InterruptedIOException {
        throttle(bytesDown, client.bytesDown, bytes);
    }

    private void throttle(TokenBucket connection, TokenBucket ip, long bytes) throws InterruptedIOException {
        long wait = Math.max(connection == null ? 0 : connection.reserve(bytes), ip == null ? 0 : ip.reserve(bytes));
        if (wait <= 0) {
            return;
        }
        metrics.limitTripped(connection != null && ip == null ? LimitsConfig.BANDWIDTH_PER_CONNECTION
                : LimitsConfig.BANDWIDTH_PER_IP);
        try {
            TimeUnit.NANOSECONDS.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while throttled");
        }
    }

    /** The connection ended: it no longer counts against its IP's concurrent cap. Idempotent. */
    public void release() {
        if (released.compareAndSet(false, true)) {
            client.open.decrementAndGet();
        }
    }
}
