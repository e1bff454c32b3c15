package org.wispwar.wisp.testing;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.wispwar.wisp.stream.ReadControl;

/**
 * A {@link ReadControl} that records what the gate asked for, for tests without a container: whether reading is
 * paused now, and how often it paused and resumed. It fails a test that resumes what is not paused or pauses twice,
 * which the gate must never do. Thread-safe.
 */
public final class RecordingReadControl implements ReadControl {
    private final AtomicBoolean paused = new AtomicBoolean();
    private final AtomicInteger pauses = new AtomicInteger();
    private final AtomicInteger resumes = new AtomicInteger();
    private final AtomicInteger misuses = new AtomicInteger();

    @Override
    public void pause() {
        if (!paused.compareAndSet(false, true)) {
            misuses.incrementAndGet();
        }
        pauses.incrementAndGet();
    }

    @Override
    public void resume() {
        if (!paused.compareAndSet(true, false)) {
            misuses.incrementAndGet();
        }
        resumes.incrementAndGet();
    }

    public boolean paused() {
        return paused.get();
    }

    public int pauses() {
        return pauses.get();
    }

    public int resumes() {
        return resumes.get();
    }

    /** Pauses while paused, or resumes while reading: 0 unless the gate is wrong. */
    public int misuses() {
        return misuses.get();
    }
}
