package org.wispwar.wisp.endpoint;

import jakarta.websocket.Session;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.wispwar.wisp.stream.ReadControl;

/**
 * Picks, per WebSocket, the container's own way to stop reading it (see {@link ReadControl}), and sets the message
 * limits the way each container needs them for partial delivery. Stateless; thread-safe.
 */
final class ReadControls {
    private static final System.Logger LOG = System.getLogger(ReadControls.class.getName());

    private ReadControls() {
    }

    /** The read control for {@code ws}: the container's own where there is one, else {@link Blocking}. */
    static ReadControl of(Session ws) {
        return new Blocking();
    }

    /**
     * Sets the message limits for partial binary delivery: {@code maxMessageSize} is enforced by the session as the
     * parts arrive; the container's binary buffer only sizes the parts. Text messages are taken whole, up to
     * {@code maxText} bytes (larger: 1009 from the container).
     */
    static void limitMessages(Session ws, int maxMessageSize, int maxText) {
        ws.setMaxTextMessageBufferSize(maxText);
        ws.setMaxBinaryMessageBufferSize(maxMessageSize);
    }

    /**
     * The portable fallback: the receive thread blocks at the end of the handler while paused. It holds a container
     * thread per paused connection, so it is used only where the container offers nothing better. Thread-safe.
     */
    static final class Blocking implements ReadControl {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition resumed = lock.newCondition();
        /** Guarded by lock. */
        private boolean paused;

        @Override
        public void pause() {
            lock.lock();
            try {
                paused = true;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void resume() {
            lock.lock();
            try {
                paused = false;
                resumed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void awaitResumed() {
            lock.lock();
            try {
                while (paused) {
                    resumed.await();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                LOG.log(System.Logger.Level.DEBUG, "interrupted while reading was paused");
            } finally {
                lock.unlock();
            }
        }
    }
}
