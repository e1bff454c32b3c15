package org.wispwar.wisp.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.wispwar.wisp.limits.ByteBudget;

/**
 * The queue between a stream's receive thread and its {@code -up} thread: chunk sizes and what the budget counts,
 * packet boundaries for credit and datagrams, and that no chunk is recycled while the consumer may still read it.
 */
class InboundQueueTest {
    final ByteBudget server = new ByteBudget("server", 1L << 30, null);
    final ByteBudget stream = server.child("stream", 1 << 20);
    final BufferPool pool = new BufferPool(1 << 20);
    final InboundQueue q = new InboundQueue(pool, stream);

    private static ByteBuffer bytes(int n, int seed) {
        ByteBuffer b = ByteBuffer.allocate(n);
        for (int i = 0; i < n; i++) {
            b.put((byte) (seed + i));
        }
        return b.flip();
    }

    /** Takes everything there, "writes" it into {@code out}, and reports. */
    private InboundQueue.Progress drain(ByteArrayOutputStream out) throws InterruptedException {
        List<ByteBuffer> views = new ArrayList<>();
        assertEquals(InboundQueue.Take.MORE, q.take(views, false));
        for (ByteBuffer v : views) {
            byte[] b = new byte[v.remaining()];
            v.get(b);
            out.writeBytes(b);
        }
        return q.consumed();
    }

    @Test
    void aSmallPacketTakesASmallChunkAndTheBudgetCountsTheChunk() {
        assertTrue(q.beginPacket());
        q.append(bytes(100, 0));
        q.endPacket();
        assertEquals(BufferPool.MIN_CHUNK, stream.used(), "one 512 B chunk for 100 bytes");
        assertEquals(BufferPool.MIN_CHUNK, server.used(), "counted in the parent too");
    }

    @Test
    void aLargePacketGrowsIn64KiBChunksAndIsWrittenInOrder() throws Exception {
        q.beginPacket();
        ByteBuffer all = bytes(300_000, 7);
        for (int off = 0; off < all.limit(); off += 8192) {   // Tomcat-sized parts
            q.append(all.slice(off, Math.min(8192, all.limit() - off)));
        }
        q.endPacket();
        assertEquals(8192 + 5L * 65536, stream.used(), "the first chunk fits the first part, then 64 KiB chunks");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        InboundQueue.Progress p = drain(out);
        assertArrayEquals(all.array(), out.toByteArray());
        assertEquals(1, p.packetsWritten());
        assertEquals(0, p.unwritten());
        assertEquals(1, p.arrived());
        assertEquals(0, stream.used(), "every chunk went back");
        assertEquals(0, server.used());
    }

    @Test
    void bytesOfAnOpenPacketAreWrittenAsTheyComeButThePacketCountsOnlyOnceEnded() throws Exception {
        q.beginPacket();
        q.append(bytes(1000, 1));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        InboundQueue.Progress p = drain(out);
        assertEquals(1000, out.size(), "streamed through before the packet ended");
        assertEquals(0, p.packetsWritten());
        assertEquals(1, p.unwritten());
        q.append(bytes(24, 2));
        q.endPacket();
        p = drain(out);
        assertEquals(1024, out.size());
        assertEquals(1, p.packetsWritten(), "written once its last byte is");
        assertEquals(0, p.unwritten());
    }

    @Test
    void aWrittenChunkOfAnOpenPacketGoesBackSoALargePacketHoldsOnlyWhatWaits() throws Exception {
        q.beginPacket();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < 50; i++) {   // a 3.2 MB packet, streamed through
            q.append(bytes(65536, i));
            assertEquals(65536, stream.used(), "one chunk, whatever the packet's size so far");
            drain(out);
            assertEquals(0, stream.used(), "written: back to the pool while the packet is still open");
        }
        q.endPacket();
        assertEquals(1, drain(out).packetsWritten(), "the end, a marker after the last chunk went, still counts");
        assertEquals(50 * 65536, out.size());
    }

    @Test
    void anEndArrivingAfterEveryByteWasWrittenIsStillReported() throws Exception {
        q.beginPacket();
        q.append(bytes(10, 0));
        drain(new ByteArrayOutputStream());
        q.endPacket();
        List<ByteBuffer> views = new ArrayList<>();
        assertEquals(InboundQueue.Take.MORE, q.take(views, false), "the consumer wakes for the end alone");
        assertEquals(List.of(), views);
        assertEquals(1, q.consumed().packetsWritten());
        assertEquals(0, stream.used());
    }

    @Test
    void emptyPacketsCountWithoutMemory() throws Exception {
        for (int i = 0; i < 3; i++) {
            q.beginPacket();
            q.endPacket();
        }
        assertEquals(0, stream.used());
        assertEquals(3, q.unwrittenPackets());
        List<ByteBuffer> views = new ArrayList<>();
        assertEquals(InboundQueue.Take.MORE, q.take(views, false));
        assertEquals(3, q.consumed().packetsWritten());
    }

    @Test
    void wholePacketsAreTakenOneAtATimeAndNotBeforeTheyEnd() throws Exception {
        q.beginPacket();
        q.append(bytes(5, 0));
        AtomicReference<List<ByteBuffer>> taken = new AtomicReference<>();
        Thread consumer = Thread.ofVirtual().start(() -> {
            List<ByteBuffer> views = new ArrayList<>();
            try {
                q.take(views, true);
            } catch (InterruptedException e) {
                return;
            }
            taken.set(views);
        });
        consumer.join(200);
        assertTrue(consumer.isAlive(), "an open datagram is not handed out");
        q.append(bytes(5, 5));
        q.endPacket();
        q.beginPacket();
        q.append(bytes(3, 100));
        q.endPacket();
        consumer.join(5_000);
        assertEquals(1, taken.get().size());
        assertEquals(10, taken.get().get(0).remaining(), "exactly the first datagram");
        taken.get().get(0).position(10);
        assertEquals(1, q.consumed().packetsWritten());
        List<ByteBuffer> views = new ArrayList<>();
        assertEquals(InboundQueue.Take.MORE, q.take(views, true));
        assertEquals(3, views.get(0).remaining());
    }

    @Test
    void anAbortedPacketGivesItsBytesBack() {
        q.beginPacket();
        q.append(bytes(100, 0));
        q.endPacket();
        q.beginPacket();
        q.append(bytes(70_000, 0));
        assertEquals(512 + 65536 + 65536, stream.used());
        q.abortPacket();
        assertEquals(512, stream.used(), "only the first datagram is left");
        assertEquals(1, q.unwrittenPackets());
    }

    @Test
    void closeReleasesWhatTheConsumerDoesNotHoldAndTheConsumerReleasesTheRest() throws Exception {
        q.beginPacket();
        q.append(bytes(65536, 0));
        List<ByteBuffer> views = new ArrayList<>();
        assertEquals(InboundQueue.Take.MORE, q.take(views, false));   // the consumer is "writing" this chunk
        q.append(bytes(65536, 0));                                      // a second chunk, not taken
        q.close();
        assertEquals(65536, stream.used(), "the chunk being written is not recycled under the writer");
        assertEquals(0, views.get(0).position(), "still readable");
        q.consumed();
        assertEquals(0, stream.used(), "released once the write returned");
        assertEquals(InboundQueue.Take.CLOSED, q.take(new ArrayList<>(), false));
        assertFalse(q.beginPacket(), "a closed queue takes nothing");
        q.append(bytes(10, 0));
        assertEquals(0, stream.used());
    }

    @Test
    void releaseTakenAfterCloseFreesEverything() throws Exception {
        q.beginPacket();
        q.append(bytes(4096, 0));
        List<ByteBuffer> views = new ArrayList<>();
        q.take(views, false);
        q.close();
        q.releaseTaken();   // the consumer's thread ended with an exception mid-write
        assertEquals(0, stream.used());
    }

    @Test
    void finishLetsTheConsumerWriteEverythingThenSaysFinished() throws Exception {
        q.beginPacket();
        q.append(bytes(10, 0));
        q.endPacket();
        q.finish();
        assertFalse(q.beginPacket(), "nothing more after finish");
        drain(new ByteArrayOutputStream());
        assertEquals(InboundQueue.Take.FINISHED, q.take(new ArrayList<>(), false));
    }

    @Test
    void aStallIsBytesWaitingWithNoneWrittenNotASlowClient() throws Exception {
        q.beginPacket();
        assertEquals(0, q.stalledFor(System.nanoTime() + 1_000_000_000L), "an open packet with no bytes is no stall");
        q.append(bytes(10, 0));
        long start = System.nanoTime();
        assertTrue(q.stalledFor(start + 2_000_000_000L) >= 1_000_000_000L, "bytes waiting, none written");
        drain(new ByteArrayOutputStream());
        assertEquals(0, q.stalledFor(System.nanoTime() + 5_000_000_000L),
                "everything written: waiting for the client is not a stall, though the packet is open");
    }

    @Test
    void theConsumerWaitsWithoutSpinningAndWakesForBytes() throws Exception {
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            Thread producer = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
                q.beginPacket();
                q.append(bytes(3, 0));
            });
            List<ByteBuffer> views = new ArrayList<>();
            assertEquals(InboundQueue.Take.MORE, q.take(views, false));
            assertEquals(3, views.get(0).remaining());
            producer.join();
        });
    }

    @Test
    void chunksAreReusedFromThePool() throws Exception {
        for (int i = 0; i < 100; i++) {
            q.beginPacket();
            q.append(bytes(65536, i));
            q.endPacket();
            drain(new ByteArrayOutputStream());
        }
        assertEquals(1, pool.allocations(), "one direct buffer, reused");
    }
}
