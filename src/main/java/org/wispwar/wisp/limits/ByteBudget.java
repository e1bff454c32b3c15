package org.wispwar.wisp.limits;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes held in memory on behalf of clients (accepted from them and not yet written to a destination), counted against a
 * limit. Budgets nest: a stream's budget has its connection's as parent, and that one the server's, so every byte is
 * counted at every level it belongs to.
 *
 * <p>Charging never fails, because the bytes are already in hand when they are counted (a part of a WebSocket message
 * must be consumed before its handler returns). The reader checks {@link #exhaustedLevel()} after each part and stops
 * reading its WebSocket while some level is full; it registers with {@link #whenDrained} and reads again once the
 * level has drained to half its limit. Resuming at half, not just below the limit, keeps a reader from pausing and
 * resuming once per chunk written.
 *
 * <p>Thread-safe: counters are atomics; drain listeners run on the thread whose release crossed the mark, once each.
 */
public final class ByteBudget {
    private final String name;
    private final long limit;
    private final long resumeAt;
    private final ByteBudget parent;
    private final AtomicLong used = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();
    private final ConcurrentLinkedQueue<Runnable> drainListeners = new ConcurrentLinkedQueue<>();

    /**
     * @param name   the param that sets the limit, for messages and metrics (e.g. {@code wisp.connectionByteBudget})
     * @param limit  bytes; at or above it the budget is exhausted
     * @param parent the enclosing budget, or null for the server's
     */
    public ByteBudget(String name, long limit, ByteBudget parent) {
        if (limit < 1) {
            throw new IllegalArgumentException(name + " limit " + limit);
        }
        this.name = name;
        this.limit = limit;
        this.resumeAt = limit / 2;
        this.parent = parent;
    }

    /** A budget below this one, counting into it as well. */
    public ByteBudget child(String childName, long childLimit) {
        return new ByteBudget(childName, childLimit, this);
    }

    public String name() {
        return name;
    }

    public long limit() {
        return limit;
    }

    /** Bytes held now at this level (children included). */
    public long used() {
        return used.get();
    }

    /** The most this level has held at once. */
    public long peak() {
        return peak.get();
    }

    /** Counts {@code bytes} more, here and in every parent. */
    public void charge(long bytes) {
        for (ByteBudget b = this; b != null; b = b.parent) {
            long now = b.used.addAndGet(bytes);
            if (now > b.peak.get()) {
                b.peak.accumulateAndGet(now, Math::max);
            }
        }
    }

    /** Counts {@code bytes} fewer, here and in every parent; runs the drain listeners of each level that drained. */
    public void release(long bytes) {
        for (ByteBudget b = this; b != null; b = b.parent) {
            b.used.addAndGet(-bytes);
        }
        // Every level first, then the listeners: a listener checks the other levels, which must be current.
        for (ByteBudget b = this; b != null; b = b.parent) {
            if (!b.drainListeners.isEmpty() && b.used.get() <= b.resumeAt) {
                b.runDrainListeners();
            }
        }
    }

    /** Whether this level alone is at or over its limit. */
    public boolean exhausted() {
        return used.get() >= limit;
    }

    /** The innermost level, this one or a parent, that is at or over its limit; null when none is. */
    public ByteBudget exhaustedLevel() {
        for (ByteBudget b = this; b != null; b = b.parent) {
            if (b.exhausted()) {
                return b;
            }
        }
        return null;
    }

    /**
     * Runs {@code listener} once this level has drained to half its limit: at once (on this thread) when it already has,
     * else on the thread whose release gets it there. Registering first and checking after closes the window in which a
     * release could pass unseen.
     */
    public void whenDrained(Runnable listener) {
        drainListeners.add(listener);
        if (used.get() <= resumeAt) {
            runDrainListeners();
        }
    }

    /**
     * Runs the listeners registered before this call, each once. One that registers again (the level, or another,
     * filled up again meanwhile) waits for the next drain: running it again in this loop would spin on the releasing
     * thread, a stream's writer, for as long as the level stays full, and so keep it from draining.
     */
    private void runDrainListeners() {
        java.util.List<Runnable> due = new java.util.ArrayList<>();
        Runnable r;
        while ((r = drainListeners.poll()) != null) {
            due.add(r);
        }
        for (Runnable listener : due) {
            listener.run();
        }
    }

    @Override
    public String toString() {
        return name + " " + used.get() + "/" + limit;
    }
}
