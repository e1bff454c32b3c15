package org.wispwar.wisp.stream;

/**
 * Stops and restarts reading one WebSocket from the network: the backpressure towards a client while its bytes fill a
 * budget. Each container has its own way (Tomcat suspends the session's reads, Jetty stops demanding frames); where
 * there is none, {@link #awaitResumed} blocks the receive thread instead. {@link ReadGate} is the only caller of
 * {@link #pause} and {@link #resume}, and calls them in order under its lock. Implementations are thread-safe.
 */
public interface ReadControl {
    /** A control that never pauses (tests, and connections that cannot hold client bytes). */
    ReadControl NONE = new ReadControl() {
        @Override
        public void pause() {
        }

        @Override
        public void resume() {
        }
    };

    /** Stops reading after the current message part; called on the receive thread, inside the message handler. */
    void pause();

    /** Reads again; called from any thread. */
    void resume();

    /**
     * Called on the receive thread at the end of each binary message handler call, whatever happened in it. A control
     * that asks for each part explicitly asks for the next one here unless paused; one that cannot stop the container
     * from reading blocks here while paused; the others return at once.
     */
    default void partDone() {
    }

    /**
     * Called on the receive thread at the end of each whole text message handler call (wsproxy clients may send text).
     * A container that reads text frames on its own blocks here while paused, as the fallback does for everything.
     */
    default void textDone() {
        partDone();
    }
}
