package org.wispwar.wisp.stream;

import java.util.concurrent.locks.ReentrantLock;
import org.wispwar.wisp.limits.ByteBudget;
import org.wispwar.wisp.metrics.WispMetrics;

/**
 * Decides when one WebSocket stops being read and when it is read again. After each message part the reader calls
 * {@link #afterPart}: when the stream that part fed is over its byte budget, or the connection's or the server's budget
 * is exhausted, reading pauses ({@link ReadControl#pause}) until that budget has drained to half, and then every level
 * is checked again before reading resumes. Nothing is dropped and no client is closed for it: its bytes simply stop
 * arriving, and TCP tells it so.
 *
 * <p>Thread-safe: {@code lock} orders pause and resume, so a resume can never overtake the pause it answers.
 */
public final class ReadGate {
    private final ReadControl control;
    private final ByteBudget connection;
    private final WispMetrics metrics;
    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by lock. */
    private boolean paused;
    /** Guarded by lock. */
    private boolean closed;

    public ReadGate(ReadControl control, ByteBudget connection, WispMetrics metrics) {
        this.control = control;
        this.connection = connection;
        this.metrics = metrics;
    }

    /**
     * On the receive thread, after a part was handled: pauses reading when {@code stream} (the budget of the stream the
     * part fed, or null) or the connection or server budget is full.
     */
    public void afterPart(ByteBudget stream) {
        ByteBudget full = stream != null && stream.exhausted() ? stream : connection.exhaustedLevel();
        if (full == null) {
            return;
        }
        lock.lock();
        try {
            if (paused || closed) {
                return;
            }
            paused = true;
            control.pause();
        } finally {
            lock.unlock();
        }
        metrics.readPaused(full.name());
        full.whenDrained(this::drained);
    }

    /** A budget this gate waited on has drained: read again unless another level is still full. */
    private void drained() {
        ByteBudget full = connection.exhaustedLevel();
        if (full != null) {
            full.whenDrained(this::drained);
            return;
        }
        resume(false);
    }

    /** Reads again if paused; with {@code closing}, also marks the gate closed (then it never pauses again). */
    private void resume(boolean closing) {
        lock.lock();
        try {
            boolean wasClosed = closed;
            closed |= closing;
            if (!paused || (wasClosed && !closing)) {
                return;
            }
            paused = false;
            control.resume();
        } finally {
            lock.unlock();
        }
        metrics.readResumed();
    }

    /** Whether reading is paused now. */
    public boolean paused() {
        lock.lock();
        try {
            return paused;
        } finally {
            lock.unlock();
        }
    }

    /** The connection is ending: a paused reader is let go (a blocked receive thread must return). Idempotent. */
    public void close() {
        resume(true);
    }
}
