package org.wispwar.wisp.stream;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Direct buffers for the bytes clients send, in power-of-two sizes from {@value #MIN_CHUNK} B to {@value #MAX_CHUNK} B.
 * Direct, so a destination socket writes them without the JDK's copy into a temporary direct buffer: a payload byte is
 * copied once, from the container's buffer into one of these. Pooled, because allocating direct memory is slow and is
 * only given back by the garbage collector. At most {@code maxRetained} bytes of free buffers are kept; beyond that a
 * released buffer is left to the collector.
 *
 * <p>What streams hold is counted by their {@link org.wispwar.wisp.limits.ByteBudget}s; what sits free here is the
 * pool's own, bounded by {@code maxRetained}. Thread-safe (lock-free stacks and atomics).
 */
public final class BufferPool {
    public static final int MIN_CHUNK = 512;
    public static final int MAX_CHUNK = 64 * 1024;
    private static final int MIN_SHIFT = Integer.numberOfTrailingZeros(MIN_CHUNK);
    private static final int CLASSES = Integer.numberOfTrailingZeros(MAX_CHUNK) - MIN_SHIFT + 1;

    private final ConcurrentLinkedDeque<ByteBuffer>[] free;
    private final long maxRetained;
    private final AtomicLong retained = new AtomicLong();
    private final AtomicLong allocated = new AtomicLong();

    @SuppressWarnings("unchecked")
    public BufferPool(long maxRetained) {
        this.maxRetained = maxRetained;
        this.free = new ConcurrentLinkedDeque[CLASSES];
        for (int i = 0; i < CLASSES; i++) {
            free[i] = new ConcurrentLinkedDeque<>();
        }
    }

    /** The buffer size {@link #acquire} hands out for {@code wanted} bytes: the next power of two, within the classes. */
    public static int chunkSize(int wanted) {
        if (wanted <= MIN_CHUNK) {
            return MIN_CHUNK;
        }
        if (wanted >= MAX_CHUNK) {
            return MAX_CHUNK;
        }
        return Integer.highestOneBit(wanted - 1) << 1;
    }

    /** A cleared direct buffer of {@link #chunkSize chunkSize(wanted)} bytes. */
    public ByteBuffer acquire(int wanted) {
        int size = chunkSize(wanted);
        ByteBuffer b = free[classOf(size)].pollFirst();
        if (b != null) {
            retained.addAndGet(-size);
            return b.clear();
        }
        allocated.incrementAndGet();
        return ByteBuffer.allocateDirect(size);
    }

    /** Gives a buffer from {@link #acquire} back; the caller must not touch it afterwards. */
    public void release(ByteBuffer b) {
        int size = b.capacity();
        if (retained.addAndGet(size) > maxRetained) {
            retained.addAndGet(-size);
            return;   // over the cap: the collector frees it
        }
        free[classOf(size)].offerFirst(b);
    }

    private static int classOf(int size) {
        return Integer.numberOfTrailingZeros(size) - MIN_SHIFT;
    }

    /** Bytes of free buffers kept for reuse. */
    public long retainedBytes() {
        return retained.get();
    }

    /** Direct buffers allocated so far (a pool that works allocates few). */
    public long allocations() {
        return allocated.get();
    }
}
