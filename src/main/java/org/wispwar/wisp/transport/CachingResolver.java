package org.wispwar.wisp.transport;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.wispwar.wisp.config.PolicyConfig.DnsPreference;

/**
 * The server's resolver: a delegate (the JDK's) behind a timeout, a cache of answers and of failures with their own
 * TTLs, and an address-family preference. IP literals skip all of it (parsing them needs no lookup). Lookups run on a
 * small pool of daemon platform threads, so a resolver that hangs cannot pin the carriers of the virtual threads, and
 * the caller stops waiting after the timeout whatever the resolver does. The cache holds at most {@code maxEntries}
 * names; expired entries are dropped first, and when none is expired a new answer is simply not cached. Each lookup that
 * goes to the delegate (not a cache hit, not a literal) is timed, answered, failed or timed out alike, and its duration
 * in nanoseconds goes to {@code lookupTimes} (the DNS histogram). The clock is injectable so tests need no sleeps.
 * Thread-safe.
 */
public final class CachingResolver implements HostResolver, AutoCloseable {
    private static final Pattern LITERAL = Pattern.compile("[0-9.]+|\\[?[0-9A-Fa-f:.]*:[0-9A-Fa-f:.%\\w-]*]?");

    private record Entry(List<InetAddress> addresses, String failure, long expiresAt) {
    }

    private final HostResolver delegate;
    private final long timeoutNanos;
    private final long ttlNanos;
    private final long negativeTtlNanos;
    private final DnsPreference preference;
    private final LongSupplier clock;
    private final int maxEntries;
    private final Map<String, Entry> cache = new ConcurrentHashMap<>();
    private final ExecutorService lookups;
    private final LongConsumer lookupTimes;

    public CachingResolver(HostResolver delegate, Duration timeout, Duration ttl, Duration negativeTtl,
            DnsPreference preference, LongSupplier clock, int maxEntries) {
        this(delegate, timeout, ttl, negativeTtl, preference, clock, maxEntries, nanos -> { });
    }

    /** As above, reporting how long each real lookup took to {@code lookupTimes} (nanoseconds). */
    public CachingResolver(HostResolver delegate, Duration timeout, Duration ttl, Duration negativeTtl,
            DnsPreference preference, LongSupplier clock, int maxEntries, LongConsumer lookupTimes) {
        this.lookupTimes = java.util.Objects.requireNonNull(lookupTimes, "lookupTimes");
        this.delegate = delegate;
        this.timeoutNanos = timeout.toNanos();
        this.ttlNanos = ttl.toNanos();
        this.negativeTtlNanos = negativeTtl.toNanos();
        this.preference = preference;
        this.clock = clock;
        this.maxEntries = maxEntries;
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(8, 8, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "wisp-dns-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
        this.lookups = pool;
    }

    @Override
    public List<InetAddress> resolve(String host) throws UnknownHostException {
        if (LITERAL.matcher(host).matches()) {
            return order(delegate.resolve(host));
        }
        String key = host.toLowerCase(java.util.Locale.ROOT);
        long now = clock.getAsLong();
        Entry cached = cache.get(key);
        if (cached != null && now - cached.expiresAt < 0) {
            if (cached.failure != null) {
                throw new UnknownHostException(cached.failure);
            }
            return cached.addresses;
        }
        List<InetAddress> answer;
        try {
            answer = order(lookup(host));
        } catch (DnsTimeoutException e) {
            throw e;   // a slow resolver says nothing about the name: not cached
        } catch (UnknownHostException e) {
            remember(key, new Entry(null, e.getMessage(), now + negativeTtlNanos), negativeTtlNanos);
            throw e;
        }
        remember(key, new Entry(answer, null, now + ttlNanos), ttlNanos);
        return answer;
    }

    private List<InetAddress> lookup(String host) throws UnknownHostException {
        long start = System.nanoTime();   // the real time taken, whatever the injected cache clock says
        try {
            return lookupWithTimeout(host);
        } finally {
            lookupTimes.accept(System.nanoTime() - start);
        }
    }

    private List<InetAddress> lookupWithTimeout(String host) throws UnknownHostException {
        Future<List<InetAddress>> f = lookups.submit(() -> delegate.resolve(host));
        try {
            List<InetAddress> a = f.get(timeoutNanos, TimeUnit.NANOSECONDS);
            if (a.isEmpty()) {
                throw new UnknownHostException(host + ": no addresses");
            }
            return a;
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new DnsTimeoutException("DNS lookup timed out after " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
                    + " ms");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownHostException u) {
                throw u;
            }
            UnknownHostException u = new UnknownHostException(host + ": " + e.getCause());
            u.initCause(e.getCause());
            throw u;
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new UnknownHostException(host + ": interrupted");
        }
    }

    private void remember(String key, Entry entry, long ttl) {
        if (ttl <= 0) {
            return;
        }
        if (cache.size() >= maxEntries) {
            long now = clock.getAsLong();
            cache.values().removeIf(e -> now - e.expiresAt >= 0);
            if (cache.size() >= maxEntries) {
                return;
            }
        }
        cache.put(key, entry);
    }

    private List<InetAddress> order(List<InetAddress> addresses) {
        if (preference == DnsPreference.SYSTEM || addresses.size() < 2) {
            return List.copyOf(addresses);
        }
        Class<?> first = preference == DnsPreference.IPV4 ? Inet4Address.class : Inet6Address.class;
        List<InetAddress> sorted = new ArrayList<>(addresses);
        sorted.sort(Comparator.comparingInt(a -> first.isInstance(a) ? 0 : 1));   // stable: keeps order within a family
        return List.copyOf(sorted);
    }

    /** Names currently cached (answers and failures, expired or not); for tests and stats. */
    public int cachedNames() {
        return cache.size();
    }

    /**
     * Stops the lookup threads and waits (at most {@link #CLOSE_WAIT}) for them to end, so that a container's leak
     * check on undeploy (Tomcat's "appears to have started a thread") finds none left.
     */
    @Override
    public void close() {
        lookups.shutdownNow();
        try {
            lookups.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** How long {@link #close()} waits for lookups in flight (a native lookup cannot be interrupted). */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(2);
}
