package org.wispwar.wisp.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;

/**
 * A wsproxy client over the Jetty WebSocket client, for integration tests: every binary message from the server is
 * appended to one byte stream (wsproxy has no framing, so only the concatenation means anything), and the close code
 * and reason are kept. Every wait is bounded and fails the test with a message. Thread-safe: the Jetty client's
 * threads record, the test thread reads.
 */
public final class WsproxyClient implements Session.Listener.AutoDemanding, AutoCloseable {
    public static final Duration WAIT = Duration.ofSeconds(20);

    private final WebSocketClient jetty;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Guarded by lock. */
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    /** Guarded by lock. */
    private int messages;
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private volatile String closeReason;
    private volatile Throwable error;
    private volatile CountDownLatch readGate;   // null: reading
    private Session session;

    private WsproxyClient(WebSocketClient jetty) {
        this.jetty = jetty;
    }

    public static WsproxyClient connect(URI uri) throws Exception {
        WebSocketClient jetty = new WebSocketClient();
        jetty.setMaxBinaryMessageSize(16 * 1024 * 1024);
        jetty.setIdleTimeout(Duration.ofMinutes(2));
        jetty.start();
        WsproxyClient client = new WsproxyClient(jetty);
        try {
            client.session = jetty.connect(client, new ClientUpgradeRequest(uri)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            jetty.stop();
            throw e;
        }
        return client;
    }

    public Session session() {
        return session;
    }

    // -------------------------------------------------------------------------------------------------- receiving

    @Override
    public void onWebSocketBinary(ByteBuffer message, Callback callback) {
        try {
            CountDownLatch gate = readGate;
            if (gate != null && !gate.await(WAIT.toSeconds() * 3, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never resumed reading");
            }
            byte[] bytes = new byte[message.remaining()];
            message.get(bytes);
            lock.lock();
            try {
                received.writeBytes(bytes);
                messages++;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            callback.succeed();
        } catch (Exception e) {
            callback.fail(e);
        }
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason) {
        closeReason = reason;
        closeCode.complete(statusCode);
        signal();
    }

    /** Jetty reports a failure here and then still calls {@link #onWebSocketClose}, which settles the close code. */
    @Override
    public void onWebSocketError(Throwable cause) {
        error = cause;
        signal();
    }

    private void signal() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** From now on the next message is held (its reading stalls) until {@link #resumeReading()}. */
    public void pauseReading() {
        readGate = new CountDownLatch(1);
    }

    public void resumeReading() {
        CountDownLatch g = readGate;
        readGate = null;
        if (g != null) {
            g.countDown();
        }
    }

    /** Waits until {@code n} bytes arrived (or the WebSocket closed) and returns what arrived. */
    public byte[] awaitBytes(int n) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        lock.lock();
        try {
            while (received.size() < n && !closeCode.isDone()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    fail("received " + received.size() + " of " + n + " bytes within " + WAIT);
                }
                changed.await(left, TimeUnit.NANOSECONDS);
            }
            return received.toByteArray();
        } finally {
            lock.unlock();
        }
    }

    public byte[] received() {
        lock.lock();
        try {
            return received.toByteArray();
        } finally {
            lock.unlock();
        }
    }

    public int messagesReceived() {
        lock.lock();
        try {
            return messages;
        } finally {
            lock.unlock();
        }
    }

    /** Waits for the WebSocket to close and returns the close code (1006 when it broke without a close frame). */
    public int awaitClose() throws Exception {
        try {
            return closeCode.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("the WebSocket did not close within " + WAIT + "; received " + received().length
                    + " bytes; error " + error, e);
        }
    }

    /** The failure Jetty reported, if any (for assertion messages). */
    public Throwable error() {
        return error;
    }

    public boolean isClosed() {
        return closeCode.isDone();
    }

    public String closeReason() {
        return closeReason;
    }

    // ---------------------------------------------------------------------------------------------------- sending

    /**
     * Sends one binary message with a copy of the bytes: the Jetty client masks a payload in place, so the caller's
     * array must never be handed over.
     */
    public void sendBinary(byte[] bytes, int offset, int length) throws Exception {
        Callback.Completable done = new Callback.Completable();
        session.sendBinary(ByteBuffer.wrap(Arrays.copyOfRange(bytes, offset, offset + length)), done);
        done.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    public void sendBinary(byte[] bytes) throws Exception {
        sendBinary(bytes, 0, bytes.length);
    }

    /** Sends {@code bytes} as binary messages of at most {@code chunk} bytes. */
    public void sendInChunks(byte[] bytes, int chunk) throws Exception {
        for (int off = 0; off < bytes.length; off += chunk) {
            sendBinary(bytes, off, Math.min(chunk, bytes.length - off));
        }
    }

    public void sendText(String text) throws Exception {
        Callback.Completable done = new Callback.Completable();
        session.sendText(text, done);
        done.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    /**
     * A clean close (1000), then waits for the close handshake to end. The send callback itself is not waited on: the
     * server may answer and drop the TCP connection before Jetty's client completes it (ClosedChannelException).
     */
    public int closeNormally() throws Exception {
        session.close(1000, "bye", Callback.NOOP);
        return awaitClose();
    }

    @Override
    public void close() throws Exception {
        resumeReading();
        try {
            if (session != null && session.isOpen()) {
                session.close();
            }
        } finally {
            jetty.stop();
        }
    }
}
