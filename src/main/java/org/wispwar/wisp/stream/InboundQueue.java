package org.wispwar.wisp.stream;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.wispwar.wisp.limits.ByteBudget;

/**
 * The bytes a client sent to one stream that the destination has not taken yet, in pooled direct chunks, with the
 * packet boundaries the credit rule and UDP need.
 *
 * <p>One producer, the WebSocket's receive thread: {@link #beginPacket}, then {@link #append} for each part of the
 * message as it arrives (each byte is copied once, from the container's buffer into a chunk), then {@link #endPacket}.
 * A packet never shares a chunk with another: a new chunk is sized to the part that needs it (at least 512 B), and a
 * chunk that filled up is followed by a 64 KiB one. So a small packet costs a small chunk, and the budget, which counts
 * chunk capacity, counts the memory really held.
 *
 * <p>One consumer, the stream's {@code -up} thread: {@link #take} hands out views of what is there (all bytes, or one
 * whole packet at a time for datagrams), the consumer writes them outside the lock, and {@link #consumed} gives the
 * chunks it emptied back to the pool and says how many packets are now fully written. A chunk the consumer is writing
 * from is never given back by anyone else: {@link #close} releases only chunks not taken, and the consumer releases the
 * rest ({@link #consumed} or {@link #releaseTaken}) once its write has returned. Otherwise a closing stream could hand
 * a buffer to another stream while a write still read from it.
 *
 * <p>Thread-safe: all state is guarded by {@code lock}; bytes are copied into chunks under it too, so a close can never
 * recycle a chunk mid-copy.
 */
public final class InboundQueue {
    /** What {@link #take} found. */
    enum Take {
        /** Views were handed out, or finished packets were counted; call {@link #consumed} after writing. */
        MORE,
        /** Nothing is left and nothing more will come: {@link #finish} was called and every byte is written. */
        FINISHED,
        /** The queue was closed; nothing more is handed out. */
        CLOSED
    }

    /** Packets fully written by the last {@link #consumed}, and the backlog after it, read at once. */
    public record Progress(int packetsWritten, int unwritten, long arrived) {
    }

    private static final class Chunk {
        /** Null for the marker of a packet that carried no bytes. */
        final ByteBuffer buffer;
        /** The consumer's view; its position is how far the consumer has written. */
        final ByteBuffer view;
        /** How many bytes the producer has copied in. */
        int end;
        /** The last chunk of its packet. */
        boolean packetEnd;

        Chunk(ByteBuffer buffer) {
            this.buffer = buffer;
            this.view = buffer == null ? null : buffer.duplicate().limit(0);
        }

        int capacity() {
            return buffer == null ? 0 : buffer.capacity();
        }

        boolean written() {
            return buffer == null || view.position() == end;
        }
    }

    private final BufferPool pool;
    private final ByteBudget budget;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    private final ArrayDeque<Chunk> chunks = new ArrayDeque<>();
    /** The open packet's last chunk, or null when no packet is open, or it has no chunk (yet, or any more). */
    private Chunk packetTail;
    /** Chunks the open packet has added, so that {@link #abortPacket} can take them back. */
    private int packetChunks;
    private boolean packetOpen;
    /** Packets begun and not fully written (the open one included). */
    private int unwritten;
    /** Packets begun since the queue was made. */
    private long arrived;
    /** Bytes appended and not yet written. */
    private long unconsumed;
    /** When bytes last moved towards the destination, or started waiting (System.nanoTime). */
    private long lastProgress = System.nanoTime();
    /** Head chunks handed to the consumer by the last take and not yet settled. */
    private int taken;
    /** Bytes in the views handed out by the last take. */
    private long takenBytes;
    /** Packets the consumer finished writing since the last {@link #consumed}. */
    private int writtenSinceReport;
    private boolean finished;
    private boolean closed;
    /** Chunk bytes given back under the lock and not yet released from the budget (see {@link #unlockAndRelease}). */
    private long unreleased;

    InboundQueue(BufferPool pool, ByteBudget budget) {
        this.pool = pool;
        this.budget = budget;
    }

    // ---------------------------------------------------------------------------------------------- the producer

    /** Starts a packet. False when the queue is closed or finished (the packet's bytes are then ignored). */
    boolean beginPacket() {
        lock.lock();
        try {
            if (closed || finished) {
                return false;
            }
            if (packetOpen) {
                endPacketLocked();   // defensive: the reader always ends a packet before it begins one
            }
            packetOpen = true;
            packetTail = null;
            packetChunks = 0;
            unwritten++;
            arrived++;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Copies all of {@code part} (a view of the container's buffer, valid only during this call) into chunks. */
    void append(ByteBuffer part) {
        int n = part.remaining();
        if (n == 0) {
            return;
        }
        lock.lock();
        try {
            if (closed || !packetOpen) {
                return;
            }
            if (unconsumed == 0) {
                lastProgress = System.nanoTime();   // bytes start waiting now
            }
            int from = part.position();
            int left = n;
            while (left > 0) {
                Chunk c = packetTail;
                if (c == null || c.end == c.capacity()) {
                    c = newChunkLocked(c == null ? left : BufferPool.MAX_CHUNK);   // full: the packet is a large one
                }
                int k = Math.min(left, c.capacity() - c.end);
                c.buffer.put(c.end, part, from, k);
                c.end += k;
                from += k;
                left -= k;
            }
            part.position(from);
            unconsumed += n;
            ready.signal();
        } finally {
            lock.unlock();
        }
    }

    private Chunk newChunkLocked(int wanted) {
        Chunk c = new Chunk(pool.acquire(wanted));
        budget.charge(c.capacity());
        chunks.addLast(c);
        packetTail = c;
        packetChunks++;
        return c;
    }

    /** Ends the open packet. */
    void endPacket() {
        lock.lock();
        try {
            if (!closed && packetOpen) {
                endPacketLocked();
                ready.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    private void endPacketLocked() {
        if (packetTail == null) {
            packetTail = new Chunk(null);   // no bytes: a marker keeps the packet's place in line
            chunks.addLast(packetTail);
        }
        packetTail.packetEnd = true;
        packetTail = null;
        packetOpen = false;
    }

    /**
     * Drops the open packet and its bytes (a datagram too large to send). Only for a consumer that takes whole packets,
     * which has not seen any of them.
     */
    void abortPacket() {
        lock.lock();
        try {
            if (closed || !packetOpen) {
                return;
            }
            for (int i = 0; i < packetChunks; i++) {
                Chunk c = chunks.pollLast();
                unconsumed -= c.end;
                releaseLocked(c);
            }
            packetTail = null;
            packetChunks = 0;
            packetOpen = false;
            unwritten--;
        } finally {
            unlockAndRelease();
        }
    }

    /** No more input: the consumer writes what is here, then {@link #take} answers {@link Take#FINISHED}. */
    void finish() {
        lock.lock();
        try {
            finished = true;
            ready.signalAll();
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------------------------------------- the consumer

    /**
     * Waits until there is something to write (or finished packets to count), then adds views of it to {@code out}:
     * every unwritten byte, or with {@code wholePackets} exactly one finished packet (possibly no views, for a packet
     * without bytes). The views stay valid until {@link #consumed} or {@link #releaseTaken}.
     */
    Take take(List<ByteBuffer> out, boolean wholePackets) throws InterruptedException {
        lock.lock();
        try {
            while (true) {
                if (closed) {
                    return Take.CLOSED;
                }
                settleLocked();
                if (wholePackets ? takePacketLocked(out) : takeBytesLocked(out)) {
                    return Take.MORE;
                }
                if (writtenSinceReport > 0 || unreleased > 0) {
                    return Take.MORE;   // packets finished, or chunks freed, with nothing left to write: report them
                }
                if (finished && (wholePackets ? !hasFinishedPacketLocked() : unconsumed == 0)) {
                    return Take.FINISHED;
                }
                ready.await();
            }
        } finally {
            unlockAndRelease();
        }
    }

    private boolean takeBytesLocked(List<ByteBuffer> out) {
        int n = 0;
        long bytes = 0;
        for (Chunk c : chunks) {
            if (c.buffer != null && c.view.position() < c.end) {
                c.view.limit(c.end);
                out.add(c.view);
                bytes += c.end - c.view.position();
            }
            n++;
            if (c == packetTail) {
                break;   // nothing after the open packet's last chunk
            }
        }
        if (bytes == 0) {
            return false;
        }
        taken = n;
        takenBytes = bytes;
        return true;
    }

    private boolean takePacketLocked(List<ByteBuffer> out) {
        if (!hasFinishedPacketLocked()) {
            return false;
        }
        int n = 0;
        long bytes = 0;
        for (Chunk c : chunks) {
            n++;
            if (c.buffer != null) {
                c.view.limit(c.end);
                out.add(c.view);
                bytes += c.end - c.view.position();
            }
            if (c.packetEnd) {
                break;
            }
        }
        taken = n;
        takenBytes = bytes;
        return true;
    }

    private boolean hasFinishedPacketLocked() {
        for (Chunk c : chunks) {
            if (c.packetEnd) {
                return true;
            }
        }
        return false;
    }

    /**
     * The consumer has written (or, for datagrams, sent or dropped) what it took: the views' positions say how far.
     * Gives the emptied chunks back and reports the packets now fully written.
     */
    Progress consumed() {
        lock.lock();
        try {
            long left = 0;
            int i = 0;
            for (Chunk c : chunks) {
                if (i++ == taken) {
                    break;
                }
                if (c.buffer != null) {
                    left += c.view.limit() - c.view.position();
                }
            }
            long written = takenBytes - left;
            if (written > 0) {
                unconsumed -= written;
                lastProgress = System.nanoTime();
            }
            taken = 0;
            takenBytes = 0;
            if (closed) {
                releaseAllLocked();
            } else {
                settleLocked();
            }
            int done = writtenSinceReport;
            writtenSinceReport = 0;
            return new Progress(done, unwritten, arrived);
        } finally {
            unlockAndRelease();
        }
    }

    /** Drops a packet the consumer took whole and will not send (a datagram too large): its bytes count as written. */
    void skipTaken() {
        lock.lock();
        try {
            int i = 0;
            for (Chunk c : chunks) {
                if (i++ == taken) {
                    break;
                }
                if (c.buffer != null) {
                    c.view.position(c.view.limit());
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Head chunks that are fully written go back, and their packet ends are counted. That includes the open packet's
     * last chunk: its next bytes then start a new chunk, and its end becomes a marker. Keeping it instead would hold a
     * chunk for as long as a large packet is arriving, however fast the destination takes it, and a stream budget of
     * one chunk would never drain.
     */
    private void settleLocked() {
        Iterator<Chunk> it = chunks.iterator();
        while (it.hasNext()) {
            Chunk c = it.next();
            if (!c.written()) {
                return;
            }
            if (c.packetEnd) {
                unwritten--;
                writtenSinceReport++;
            }
            if (c == packetTail) {
                packetTail = null;   // only while its packet is open: an ended packet's tail is reset to null
            }
            it.remove();
            releaseLocked(c);
        }
    }

    /** The consumer is gone (its thread ended): whatever it had taken is released now if the queue is closed. */
    void releaseTaken() {
        lock.lock();
        try {
            taken = 0;
            takenBytes = 0;
            if (closed) {
                releaseAllLocked();
            }
        } finally {
            unlockAndRelease();
        }
    }

    /**
     * Closes the queue: nothing more is accepted or handed out. Chunks the consumer is not writing from go back now,
     * the ones it is go back when it reports ({@link #consumed}, {@link #releaseTaken}). Idempotent.
     */
    void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            packetOpen = false;
            packetTail = null;
            int keep = taken;
            Iterator<Chunk> it = chunks.iterator();
            while (it.hasNext()) {
                Chunk c = it.next();
                if (keep > 0) {
                    keep--;
                    continue;
                }
                it.remove();
                releaseLocked(c);
            }
            ready.signalAll();
        } finally {
            unlockAndRelease();
        }
    }

    private void releaseAllLocked() {
        Chunk c;
        while ((c = chunks.pollFirst()) != null) {
            releaseLocked(c);
        }
    }

    private void releaseLocked(Chunk c) {
        if (c.buffer != null) {
            unreleased += c.capacity();
            pool.release(c.buffer);
        }
    }

    /**
     * Gives the budget back what was released under the lock, after unlocking: releasing can run drain listeners
     * (resuming a WebSocket's reads), which must never run while a stream's lock is held.
     */
    private void unlockAndRelease() {
        long bytes = unreleased;
        unreleased = 0;
        lock.unlock();
        if (bytes > 0) {
            budget.release(bytes);
        }
    }

    // ------------------------------------------------------------------------------------------------ readings

    /** Packets begun and not yet fully written. */
    int unwrittenPackets() {
        lock.lock();
        try {
            return unwritten;
        } finally {
            lock.unlock();
        }
    }

    /** Packets not fully written and packets begun in all, read at once. */
    Progress backlog() {
        lock.lock();
        try {
            return new Progress(0, unwritten, arrived);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Nanoseconds that bytes have been waiting with none written, at {@code now}; 0 when none are waiting. A client that
     * is slow to send the rest of a packet does not count: only bytes already here and not yet written do.
     */
    long stalledFor(long now) {
        lock.lock();
        try {
            return unconsumed == 0 ? 0 : Math.max(0, now - lastProgress);
        } finally {
            lock.unlock();
        }
    }

    /** Bytes of chunk capacity held now. */
    long heldBytes() {
        return budget.used();
    }
}
