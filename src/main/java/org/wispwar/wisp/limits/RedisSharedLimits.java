package org.wispwar.wisp.limits;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.DefaultClientResources;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.wispwar.wisp.config.LimitsConfig;
import org.wispwar.wisp.config.SharedStateConfig;
import org.wispwar.wisp.metrics.WispMetrics;

/**
 * {@link SharedLimits} on Redis through Lettuce: Bucket4j's compare-and-swap proxy buckets for the connection rate, the
 * stream rate and the bandwidth each way, and a plain counter per client IP ({@code INCR}/{@code DECR}) for the
 * concurrent connections, whose expiry this instance refreshes while it holds connections of that IP, so the count
 * of an instance that crashed heals once no live instance refreshes it. Every call waits at most the configured
 * timeout; a failure or timeout is answered by onFailure and reported through {@link SharedStateHealth}. Lettuce
 * reconnects by itself once a connection was made; until the first one is, a background task retries each second.
 * That task also probes a Redis marked DOWN and sends the decrements that could not be sent (releases while Redis was
 * down, and INCRs that timed out but may have been carried out late).
 * Thread-safe.
 */
public final class RedisSharedLimits implements SharedLimits {
    private static final System.Logger LOG = System.getLogger(RedisSharedLimits.class.getName());
    /** Keys start with this, then the client IP in braces (one Redis Cluster slot per client). */
    static final String PREFIX = "wisp:";
    /** How long a connection counter lives without a refresh. */
    static final Duration COUNTER_TTL = Duration.ofSeconds(60);
    /** How often this instance refreshes its IPs' counters. */
    static final Duration REFRESH = Duration.ofSeconds(20);
    /** How long connecting may take; the deploy waits this long at most for the first connection. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** While Redis is down, how often a call is let through to probe it. */
    static final Duration RETRY = Duration.ofSeconds(1);

    private final LimitsConfig limits;
    private final SharedStateConfig config;
    private final WispMetrics metrics;
    private final SharedStateHealth health;
    private final long timeoutNanos;
    private final ClientResources resources;
    private final RedisClient client;
    private final RedisURI uri;
    private final ScheduledExecutorService timer;
    /** Every Redis call of a caller runs on one of these virtual threads (see {@link #await}). */
    private final java.util.concurrent.ExecutorService calls = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("wisp-shared-state-call").factory());
    /** Connections this instance counted in Redis, by client IP: their counters' expiry is refreshed. */
    private final Map<String, AtomicInteger> counted = new ConcurrentHashMap<>();
    /** Decrements that could not reach Redis (or undo a late INCR), by client IP: sent by the background task. */
    private final Map<String, AtomicInteger> unreleased = new ConcurrentHashMap<>();
    private final AtomicBoolean connecting = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile StatefulRedisConnection<byte[], byte[]> connection;
    private volatile AsyncProxyManager<byte[]> buckets;
    private final BucketConfiguration connectionRate;
    private final BucketConfiguration streamRate;
    private final BucketConfiguration bandwidth;
    /** Tokens of the bandwidth buckets (and the most charged in one call). */
    private final long bandwidthChunk;
    /** Bytes per bandwidth token: 1, or 1024 above 1e9 B/s. */
    private final long byteUnit;

    private RedisSharedLimits(LimitsConfig limits, SharedStateConfig config, WispMetrics metrics, LongSupplier clock,
            String where) {
        this.limits = limits;
        this.config = config;
        this.metrics = metrics;
        this.timeoutNanos = config.timeout().toNanos();
        this.health = new SharedStateHealth(clock, RETRY.toNanos(), new SharedStateHealth.Reporter() {
            @Override
            public void down(String detail) {
                metrics.sharedStateUp(false);
                LOG.log(System.Logger.Level.WARNING, "Wisp at {0}: the shared state at {1} does not answer ({2});"
                        + " until it does, new connections and streams are {3} by the local limits only", where,
                        hostPort(config), detail, config.onFailure() == SharedStateConfig.OnFailure.ALLOW
                                ? "admitted" : "refused, and bandwidth is capped");
            }

            @Override
            public void up(long downNanos) {
                metrics.sharedStateUp(true);
                LOG.log(System.Logger.Level.INFO, "Wisp at {0}: the shared state at {1} answers again after {2} ms;"
                        + " the limits are shared again", where, hostPort(config), downNanos / 1_000_000);
            }
        });
        this.connectionRate = perMinute(limits.connectionRateLimit());
        this.streamRate = perMinute(limits.streamRateLimit());
        long rate = limits.bandwidthPerIp();
        // Bucket4j refills at most one token per nanosecond: above 1e9 B/s a token is a KiB
        this.byteUnit = rate > 1_000_000_000L ? 1024 : 1;
        this.bandwidthChunk = Math.max(rate / 10, 64 * 1024) / byteUnit;
        this.bandwidth = rate > 0 ? BucketConfiguration.builder()
                .addLimit(Bandwidth.builder().capacity(bandwidthChunk)
                        .refillGreedy(rate / byteUnit, Duration.ofSeconds(1)).build())
                .build() : null;
        this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(1)
                .reconnectDelay(Delay.constant(Duration.ofMillis(500))).build();
        this.uri = RedisURI.create(config.uri().toString());
        if (!config.password().isEmpty()) {
            uri.setPassword(config.password().toCharArray());
        }
        uri.setDatabase(config.database());
        uri.setTimeout(config.timeout());
        this.client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(config.timeout()))
                .socketOptions(SocketOptions.builder().connectTimeout(CONNECT_TIMEOUT).build())
                .build());
        this.timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofVirtual().name("wisp-shared-state").factory());
    }

    /**
     * Connects to Redis (waiting at most {@link #CONNECT_TIMEOUT}: a Redis that is down does not fail the deployment)
     * and starts the background tasks. {@code where} names the deployment in the log lines.
     */
    public static RedisSharedLimits start(LimitsConfig limits, SharedStateConfig config, WispMetrics metrics,
            LongSupplier clock, String where) {
        return onOwnThread(() -> startHere(limits, config, metrics, clock, where));
    }

    /**
     * Runs {@code task} on a virtual thread of its own and waits for it: Lettuce and Netty leave thread-locals (Netty's
     * InternalThreadLocalMap) on whatever thread calls them, and the container's threads must stay clean of them
     * (Tomcat reports them at undeploy as a leak).
     */
    private static <T> T onOwnThread(java.util.concurrent.Callable<T> task) {
        java.util.concurrent.FutureTask<T> f = new java.util.concurrent.FutureTask<>(task);
        Thread t = Thread.ofVirtual().name("wisp-shared-state-setup").start(f);
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            t.interrupt();
            throw new IllegalStateException("interrupted while setting up the shared state", e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private static RedisSharedLimits startHere(LimitsConfig limits, SharedStateConfig config, WispMetrics metrics,
            LongSupplier clock, String where) {
        RedisSharedLimits s = new RedisSharedLimits(limits, config, metrics, clock, where);
        metrics.sharedStateUp(true);
        CompletableFuture<Void> first = s.connect();
        try {   // the first connect may take longer than one call (Netty starts up): up to the connect timeout
            first.get(CONNECT_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
        } catch (Exception e) {
            s.health.failed(e);
            metrics.sharedStateFailed();
        }
        long every = REFRESH.toMillis();
        s.timer.scheduleWithFixedDelay(s::refresh, every, every, TimeUnit.MILLISECONDS);
        s.timer.scheduleWithFixedDelay(s::reconnectIfNeeded, RETRY.toMillis(), RETRY.toMillis(),
                TimeUnit.MILLISECONDS);
        return s;
    }

    private static String hostPort(SharedStateConfig c) {
        return c.uri().getHost() + ":" + c.uri().getPort();
    }

    private static BucketConfiguration perMinute(int n) {
        return n <= 0 ? null : BucketConfiguration.builder()
                .addLimit(Bandwidth.builder().capacity(n).refillGreedy(n, Duration.ofMinutes(1)).build())
                .build();
    }

    private CompletableFuture<Void> connect() {
        if (!connecting.compareAndSet(false, true)) {
            return CompletableFuture.completedFuture(null);
        }
        return client.connectAsync(ByteArrayCodec.INSTANCE, uri).toCompletableFuture().handle((c, e) -> {
            connecting.set(false);
            if (e != null) {
                throw new java.util.concurrent.CompletionException(e);
            }
            if (closed.get()) {
                c.closeAsync();
                return null;
            }
            buckets = Bucket4jLettuce.casBasedBuilder(c)
                    .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                            Duration.ofSeconds(10)))
                    // no requestTimeout: await() bounds every call, and Bucket4j's would start the JDK's shared
                    // delay-scheduler thread from the webapp
                    .build().asAsync();
            connection = c;
            health.succeeded();
            return null;
        });
    }

    /**
     * Each second: connects if no connection was ever made; while DOWN, probes Redis with a PING (so recovery is seen
     * and reported without waiting for traffic); while UP, retries the releases that did not reach Redis.
     */
    private void reconnectIfNeeded() {
        if (closed.get()) {
            return;
        }
        if (connection == null) {
            connect().whenComplete((v, e) -> {
                if (e != null) {
                    LOG.log(System.Logger.Level.DEBUG, "shared state connect failed: {0}", e.toString());
                }
            });
            return;
        }
        if (!health.up()) {
            await(() -> connection.async().ping());
        }
        if (health.up()) {
            for (String ip : unreleased.keySet()) {
                AtomicInteger n = unreleased.remove(ip);
                if (n != null && n.get() > 0) {
                    decrement(ip, n.get());
                }
            }
        }
    }

    private static byte[] key(String ip, String what) {
        return (PREFIX + "{" + ip + "}:" + what).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Runs {@code call} and waits for its answer at most the timeout; null when the store could not be asked (not connected, down and not
     * yet time for a probe, failed or too slow), which the caller answers by onFailure.
     */
    private <T> T await(java.util.function.Supplier<? extends Future<T>> call) {
        return await(call, null);
    }

    /**
     * As {@link #await(java.util.function.Supplier)}; {@code timedOut} runs when the call was sent but not answered in
     * time (Redis may still carry it out), to undo it later.
     */
    private <T> T await(java.util.function.Supplier<? extends Future<T>> call, Runnable timedOut) {
        if (connection == null || !health.shouldTry()) {
            return null;
        }
        Future<T> f = null;
        try {
            // on a virtual thread of our own: Netty leaves thread-locals on the threads that call it, which must not
            // be the container's (Tomcat reports them at undeploy); Lettuce's own timeout ends the inner wait
            f = calls.submit(() -> call.get().get());
            T v = f.get(timeoutNanos, TimeUnit.NANOSECONDS);
            health.succeeded();
            return v;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            if (f != null) {
                f.cancel(true);
            }
            if (timedOut != null && isTimeout(e)) {
                timedOut.run();
            }
            health.failed(e);
            metrics.sharedStateFailed();
            return null;
        }
    }

    private static boolean isTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.util.concurrent.TimeoutException
                    || t instanceof io.lettuce.core.RedisCommandTimeoutException) {
                return true;
            }
        }
        return false;
    }

    private boolean deny() {
        return config.onFailure() == SharedStateConfig.OnFailure.DENY;
    }

    @Override
    public Admission admit(String ip) {
        boolean count = limits.maxConnectionsPerIp() > 0;
        if (count) {   // the concurrent cap first, as locally: a refused connection does not use up the rate
            byte[] k = key(ip, "connections");
            Long open = await(() -> {
                RedisAsyncCommands<byte[], byte[]> r = connection.async();
                RedisFuture<Long> incr = r.incr(k);
                RedisFuture<Boolean> expire = r.expire(k, COUNTER_TTL.toSeconds());
                return CompletableFuture.allOf(incr.toCompletableFuture(), expire.toCompletableFuture())
                        .thenCompose(v -> incr.toCompletableFuture());
            }, () -> unreleased.computeIfAbsent(ip, x -> new AtomicInteger()).incrementAndGet());   // a late INCR
            if (open == null) {
                return deny() ? Admission.UNAVAILABLE : Admission.UNCOUNTED;
            }
            if (open > limits.maxConnectionsPerIp()) {
                decrement(ip, 1);
                return Admission.TOO_MANY;
            }
            counted.computeIfAbsent(ip, x -> new AtomicInteger()).incrementAndGet();
        }
        if (connectionRate != null) {
            Boolean ok = await(() -> buckets.builder().build(key(ip, "connections-per-minute"), connectionRate)
                    .tryConsume(1));
            if (ok == null && deny() || Boolean.FALSE.equals(ok)) {
                if (count) {
                    release(ip);
                }
                return ok == null ? Admission.UNAVAILABLE : Admission.TOO_FAST;
            }
        }
        return count ? Admission.COUNTED : Admission.UNCOUNTED;
    }

    @Override
    public void release(String ip) {
        counted.computeIfPresent(ip, (x, n) -> n.decrementAndGet() <= 0 ? null : n);
        decrement(ip, 1);
    }

    /**
     * A DECRBY sent from a virtual thread of our own (the caller does not wait); if it fails, it is kept for the
     * background task to retry.
     */
    private void decrement(String ip, int n) {
        StatefulRedisConnection<byte[], byte[]> c = connection;
        if (c == null || closed.get()) {
            unreleased.computeIfAbsent(ip, x -> new AtomicInteger()).addAndGet(n);
            return;
        }
        try {
            calls.execute(() -> {
                try {
                    c.async().decrby(key(ip, "connections"), n).get(timeoutNanos, TimeUnit.NANOSECONDS);
                } catch (Exception e) {
                    unreleased.computeIfAbsent(ip, x -> new AtomicInteger()).addAndGet(n);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {   // closing
            unreleased.computeIfAbsent(ip, x -> new AtomicInteger()).addAndGet(n);
        }
    }

    @Override
    public boolean allowNewStream(String ip) {
        if (streamRate == null) {
            return true;
        }
        Boolean ok = await(() -> buckets.builder().build(key(ip, "streams-per-minute"), streamRate).tryConsume(1));
        return ok == null ? !deny() : ok;
    }

    @Override
    public long chargeBytes(String ip, boolean up, long bytes) {
        if (bandwidth == null || bytes <= 0) {
            return 0;
        }
        byte[] k = key(ip, up ? "bytes-up" : "bytes-down");
        long wait = 0;
        for (long left = (bytes + byteUnit - 1) / byteUnit; left > 0; left -= bandwidthChunk) {
            long n = Math.min(left, bandwidthChunk);
            Long w = await(() -> buckets.builder().build(k, bandwidth).consumeIgnoringRateLimits(n));
            if (w == null) {
                return 0;
            }
            wait = w == Long.MAX_VALUE ? 0 : w;
        }
        return wait;
    }

    /** Keeps the counters of the IPs this instance holds connections of from expiring. */
    void refresh() {
        StatefulRedisConnection<byte[], byte[]> c = connection;
        if (c == null || !health.up()) {
            return;
        }
        for (String ip : counted.keySet()) {
            c.async().expire(key(ip, "connections"), COUNTER_TTL.toSeconds());
        }
    }

    @Override
    public boolean up() {
        return health.up();
    }

    @Override
    public long failures() {
        return health.failures();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        onOwnThread(() -> {
            closeHere();
            return null;
        });
    }

    private void closeHere() {
        timer.shutdownNow();
        calls.shutdown();
        try {
            timer.awaitTermination(2, TimeUnit.SECONDS);
            if (!calls.awaitTermination(2, TimeUnit.SECONDS)) {   // each call ends within the timeout
                calls.shutdownNow();
            }
            StatefulRedisConnection<byte[], byte[]> c = connection;
            if (c != null) {
                c.closeAsync().get(2, TimeUnit.SECONDS);
            }
            client.shutdownAsync(0, 2, TimeUnit.SECONDS).get(3, TimeUnit.SECONDS);
            resources.shutdown(0, 2, TimeUnit.SECONDS).get(3, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "shared state client did not stop cleanly: {0}", e.toString());
        }
    }
}
