package org.wispwar.wisp.testing;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A switch test doubles block on: open unless {@link #close()}d; {@link #open()} releases everyone waiting. */
public final class Gate {
    private volatile CountDownLatch closed;   // null: open

    public void close() {
        closed = new CountDownLatch(1);
    }

    public void open() {
        CountDownLatch c = closed;
        closed = null;
        if (c != null) {
            c.countDown();
        }
    }

    public boolean isClosed() {
        return closed != null;
    }

    /** Returns at once when open; otherwise waits for {@link #open()}. False when it stayed closed that long. */
    public boolean awaitOpen(long timeout, TimeUnit unit) throws InterruptedException {
        CountDownLatch c = closed;
        return c == null || c.await(timeout, unit);
    }
}
