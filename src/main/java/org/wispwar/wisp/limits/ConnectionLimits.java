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
    /** The totals over every instance, or null; {@code counted}: this connection is in its shared count. */
    private final SharedLimits shared;
    private final boolean counted;
    /** Bytes not yet charged to the shared bandwidth, each way; null without a shared bandwidth cap. */
    private final Batch sharedUp;
    private final Batch sharedDown;

    ConnectionLimits(LimitsConfig c, ClientLimits.Client client, LongSupplier clock, WispMetrics metrics) {
        this(c, client, clock, metrics, null, false);
    }

    ConnectionLimits(LimitsConfig c, ClientLimits.Client client, LongSupplier clock, WispMetrics metrics,
            SharedLimits shared, boolean counted) {
        this.client = client;
        this.metrics = metrics;
        this.shared = shared;
        this.counted = counted;
        boolean sharedBandwidth = shared != null && c.bandwidthPerIp() > 0;
        this.sharedUp = sharedBandwidth ? new Batch(clock) : null;
        this.sharedDown = sharedBandwidth ? new Batch(clock) : null;
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
        if ((client.newStreams == null || client.newStreams.tryAcquire(1))
                && (shared == null || shared.allowNewStream(client.ip))) {
            return true;
        }
        metrics.limitTripped(LimitsConfig.STREAM_RATE_LIMIT);
        return false;
    }

    /** Waits until {@code bytes} more may go to the destination. */
    public void throttleUp(long bytes) throws InterruptedIOException {
        throttle(bytesUp, client.bytesUp, bytes, sharedUp, true);
    }

    /** Waits until {@code bytes} more may go to the client. */
    public void throttleDown(long bytes) throws InterruptedIOException {
        throttle(bytesDown, client.bytesDown, bytes, sharedDown, false);
    }

    private void throttle(TokenBucket connection, TokenBucket ip, long bytes, Batch batch, boolean up)
            throws InterruptedIOException {
        long wait = Math.max(connection == null ? 0 : connection.reserve(bytes), ip == null ? 0 : ip.reserve(bytes));
        if (batch != null) {
            long charge = batch.add(bytes);
            if (charge > 0) {
                wait = Math.max(wait, shared.chargeBytes(client.ip, up, charge));
            }
        }
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
            if (counted) {
                shared.release(client.ip);
            }
        }
    }

    /**
     * Bytes gathered for one charge to the shared bandwidth: a charge is due every {@link #BATCH_BYTES} or
     * {@link #BATCH_NANOS}, whichever comes first, so a stream's bytes rarely touch the store. Thread-safe (a lock,
     * never held while the store is asked).
     */
    static final class Batch {
        static final long BATCH_BYTES = 64 * 1024;
        static final long BATCH_NANOS = 100_000_000L;
        private final LongSupplier clock;
        private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
        private long pending;
        private long since;

        Batch(LongSupplier clock) {
            this.clock = clock;
            this.since = clock.getAsLong();
        }

        /** Adds {@code bytes}; returns the bytes to charge now, or 0 while the batch is still filling. */
        long add(long bytes) {
            lock.lock();
            try {
                pending += bytes;
                long now = clock.getAsLong();
                if (pending < BATCH_BYTES && now - since < BATCH_NANOS) {
                    return 0;
                }
                long out = pending;
                pending = 0;
                since = now;
                return out;
            } finally {
                lock.unlock();
            }
        }
    }
}
