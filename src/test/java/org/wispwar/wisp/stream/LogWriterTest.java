package org.wispwar.wisp.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.wispwar.wisp.testing.Await;
import org.wispwar.wisp.testing.LogCapture;

/**
 * The log writer: every line is written, once, in the order submitted; the thread that submits does not wait
 * for the handler, unless {@code maxPending} lines already wait, and then it writes its own line; no writer thread is
 * left once the lines are written. Through the real JUL logger {@value AccessLog#LOGGER}, with a handler that can be
 * held up to make a backlog.
 */
@Timeout(30)
class LogWriterTest {
    private static final System.Logger LOG = System.getLogger(AccessLog.LOGGER);
    private final LogCapture access = LogCapture.of(AccessLog.LOGGER);
    private final Logger logger = Logger.getLogger(AccessLog.LOGGER);
    private Handler blocker;

    @AfterEach
    void tearDown() {
        if (blocker != null) {
            logger.removeHandler(blocker);
        }
        access.close();
    }

    @Test
    void everyLineIsWrittenOnceInOrderAndNoWriterThreadIsLeft() {
        LogWriter w = new LogWriter(1000);
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            String line = "writer-order " + i;
            sent.add(line);
            w.submit(LOG, line);
        }
        Await.until("all 500 lines written", () -> access.lines(l -> l.startsWith("writer-order ")).size() == 500);
        assertEquals(sent, access.lines(l -> l.startsWith("writer-order ")));
        Await.until("the writer thread ends once the lines are written", () -> Thread.getAllStackTraces().keySet()
                .stream().noneMatch(t -> t.getName().equals(LogWriter.THREAD_NAME)) && w.pending() == 0);
    }

    @Test
    void theSubmitterDoesNotWaitForTheHandlerUnlessTheBacklogIsFull() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch held = new CountDownLatch(1);
        blocker = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getMessage().startsWith("writer-backlog ")) {
                    held.countDown();
                    try {
                        release.await(20, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        blocker.setLevel(Level.ALL);
        logger.addHandler(blocker);
        LogWriter w = new LogWriter(3);
        w.submit(LOG, "writer-backlog 0");   // taken by the writer thread, which the handler holds
        assertTrue(held.await(10, TimeUnit.SECONDS), "the writer thread reached the handler");
        long start = System.nanoTime();
        for (int i = 1; i <= 3; i++) {
            w.submit(LOG, "writer-backlog " + i);   // wait in the queue: the submitter returns at once
        }
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "queued submits did not wait");
        assertEquals(3, w.pending());
        Thread overflow = Thread.ofVirtual().start(() -> w.submit(LOG, "writer-backlog 4"));   // the backlog is full
        assertTrue(!overflow.join(java.time.Duration.ofMillis(300)), "the fourth waiting line is written by its"
                + " submitter, which waits for the handler");
        release.countDown();
        assertTrue(overflow.join(java.time.Duration.ofSeconds(10)), "the submitter returns once the handler does");
        Await.until("all 5 lines written", () -> access.lines(l -> l.startsWith("writer-backlog ")).size() == 5);
        assertEquals(0, w.pending());
    }
}
