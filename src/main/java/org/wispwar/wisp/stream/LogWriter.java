package org.wispwar.wisp.stream;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Writes the per-connection and per-stream INFO lines (the access log, the connection opened and closed lines) on a
 * virtual thread of its own, in the order they were submitted, so the threads that open and end connections and
 * streams, often the WebSocket's receive thread, do not wait for the log handler. With the JDK's console handler and
 * its default formatter these lines cost about a fifth of the server's CPU samples in one-at-a-time stream opens and in
 * bursts of WebSocket upgrades, all of it on the path of the connection's next packet (README "Performance").
 *
 * <p>The thread is started when a line waits and ends when none is left, so no thread outlives the lines. Memory is
 * bounded: past {@code maxPending} waiting lines a submitter writes its own line, waiting for the handler as before;
 * lines are never dropped (but lines still waiting when the JVM exits are lost). Thread-safe.
 */
public final class LogWriter {
    /** At most this many lines wait for the writer; past it, the submitting thread writes its line itself. */
    static final int MAX_PENDING = 4096;
    /** The deployment's writer (this class is the WAR's). */
    public static final LogWriter WRITER = new LogWriter(MAX_PENDING);
    /** The writer thread's name. */
    static final String THREAD_NAME = "log-writer (wisp)";

    private record Line(System.Logger log, String text) {
    }

    private final int maxPending;
    private final ConcurrentLinkedQueue<Line> lines = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicBoolean running = new AtomicBoolean();

    LogWriter(int maxPending) {
        this.maxPending = maxPending;
    }

    /** Has {@code text} logged on {@code log} at INFO (the caller checked that INFO is on). */
    public void submit(System.Logger log, String text) {
        if (pending.incrementAndGet() > maxPending) {
            pending.decrementAndGet();
            log.log(System.Logger.Level.INFO, text);   // the writer is behind: wait for the handler here
            return;
        }
        lines.add(new Line(log, text));
        if (running.compareAndSet(false, true)) {
            Thread.ofVirtual().name(THREAD_NAME).start(this::drain);
        }
    }

    private void drain() {
        do {
            for (Line line; (line = lines.poll()) != null; ) {
                pending.decrementAndGet();
                try {
                    line.log().log(System.Logger.Level.INFO, line.text());
                } catch (RuntimeException e) {
                    // a failing handler loses its line, not the writer: the next line is tried as usual
                }
            }
            running.set(false);
            // a line added after the last poll and before the flag cleared found the writer running: take it here
        } while (!lines.isEmpty() && running.compareAndSet(false, true));
    }

    /** Lines waiting to be written. */
    int pending() {
        return pending.get();
    }
}
