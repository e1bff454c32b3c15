package org.wispwar.wisp.endpoint;

import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.wispwar.wisp.stream.ConnectionRecord;
import org.wispwar.wisp.stream.PacketSender;

/**
 * The one writer onto a WebSocket. Tomcat throws when two sends overlap, so every send holds {@code sendLock} (a
 * ReentrantLock, not {@code synchronized}, which would pin a virtual thread's carrier on JDK 21) and keeps exactly one
 * send outstanding. Each send, lock wait included, is bounded by the send timeout; when it expires the WebSocket is
 * closed with 1001 rather than buffering without bound. Thread-safe.
 *
 * <p>How a send waits depends on the container. On Jetty it is an async send whose Future is waited for: Jetty writes
 * on the calling thread and completes the Future there when the socket takes the bytes, so nothing parks. Tomcat
 * completes every async send by handing its result to a container thread, which then wakes the sender: two thread
 * hand-offs per message, which held source_1 to a quarter of the blocking send's rate at four times its CPU per MiB
 * (README "Performance"). So on Tomcat, on JDK 24 or later, a send is Tomcat's blocking send, bounded by Tomcat's
 * blocking-send timeout set to what is left of the send timeout. Tomcat's blocking write waits with
 * {@code Object.wait}, which pins a virtual thread's carrier before JDK 24 (JEP 491): on JDK 21–23 every client that
 * reads slowly would hold a carrier, so there the async send stays.
 */
final class JakartaPacketSender implements PacketSender {
    private static final System.Logger LOG = System.getLogger(JakartaPacketSender.class.getName());
    /** A close reason phrase must fit a control frame: 125 bytes minus the 2-byte code. */
    static final int MAX_REASON_BYTES = 123;

    private final Session ws;
    /** Tomcat's blocking send instead of async send + Future (see the class comment). */
    private final boolean blockingSends;
    private final long timeoutNanos;
    private final ReentrantLock sendLock = new ReentrantLock();
    private final Runnable onBroken;
    private final AtomicBoolean brokenOnce = new AtomicBoolean();
    private final AtomicBoolean timeoutLogged = new AtomicBoolean();
    /** Set when the server starts closing the WebSocket: no send starts after it, so the close frame is next. */
    private volatile boolean closing;
    /** Who the connection is, told how its WebSocket ends; null before a connection is admitted (and in tests). */
    private final ConnectionRecord connection;

    /**
     * Tomcat's own blocking sends (its close frame on a broken connection, pings) wait this long for a send in progress.
     * With Tomcat's 20 s default, a connection that died while one of our sends was under way reached {@code @OnClose}
     * (and so released its streams) only 20 s later. Our data sends are bounded by wisp.sendTimeout on their own.
     */
    static final String TOMCAT_BLOCKING_SEND_TIMEOUT = "org.apache.tomcat.websocket.BLOCKING_SEND_TIMEOUT";
    static final long CONTAINER_BLOCKING_SEND_MILLIS = 2_000;
    /**
     * How long Tomcat may take to send a close frame with a code other than 1000. Its default, 50 ms, is short enough
     * that under load (a message over the limit closed with 1009 while the echo of its first parts was still going
     * out) Tomcat gave up on the close frame and dropped the connection, so the client saw no code at all.
     */
    static final String TOMCAT_ABNORMAL_CLOSE_SEND_TIMEOUT = "org.apache.tomcat.websocket.ABNORMAL_SESSION_CLOSE_SEND_TIMEOUT";

    /**
     * Jetty reads a WebSocket's bytes from the network in buffers of this size (its default is 4 KiB, so a 50 KiB DATA
     * took 13 reads). 64 KiB raised sink_1 by about 25 % and wispmark_10 by about 20 %; 128 and 256 KiB were slower
     * (README "Performance"). Jetty's Jakarta sessions apply this property when it is put; Tomcat ignores it. Jetty
     * returns the buffer to its pool whenever a read finds nothing more, so idle connections do not hold it.
     */
    static final String JETTY_INPUT_BUFFER_SIZE = "org.eclipse.jetty.websocket.inputBufferSize";
    static final int INPUT_BUFFER_BYTES = 64 * 1024;

    /**
     * @param onBroken runs once, on the sending thread, when a send times out or the container reports it failed: the
     *                 connection is unusable, so whatever it carries must end now. The container's {@code @OnClose} for
     *                 a connection that died mid-send can come much later, or never: Tomcat, after the peer vanished
     *                 with a send under way, was seen holding a session past its 20 s close wait.
     */
    JakartaPacketSender(Session ws, Duration sendTimeout, Runnable onBroken) {
        this(ws, sendTimeout, onBroken, null);
    }

    /** With the connection's record, which learns how the WebSocket ends and names the connection in log lines. */
    JakartaPacketSender(Session ws, Duration sendTimeout, Runnable onBroken, ConnectionRecord connection) {
        this.connection = connection;
        ws.getUserProperties().put(TOMCAT_BLOCKING_SEND_TIMEOUT, CONTAINER_BLOCKING_SEND_MILLIS);   // ignored by Jetty
        ws.getUserProperties().put(JETTY_INPUT_BUFFER_SIZE, INPUT_BUFFER_BYTES);   // ignored by Tomcat
        this.ws = ws;
        this.blockingSends = isTomcat(ws) && Runtime.version().feature() >= FIRST_JDK_WAIT_WITHOUT_PINNING;
        this.timeoutNanos = sendTimeout.toNanos();
        this.onBroken = onBroken;
    }

    /** JEP 491: from this JDK on, {@code synchronized} and {@code Object.wait} no longer pin a virtual thread. */
    static final int FIRST_JDK_WAIT_WITHOUT_PINNING = 24;

    /** Tomcat's own Session class (Jetty's is in org.eclipse.jetty). */
    static boolean isTomcat(Session ws) {
        return ws.getClass().getName().startsWith("org.apache.tomcat.");
    }

    /** Whether sends are Tomcat's blocking sends (see the class comment). */
    boolean blockingSends() {
        return blockingSends;
    }

    @Override
    public void sendFrame(ByteBuffer frame) throws IOException {
        long deadline = System.nanoTime() + timeoutNanos;
        try {
            if (!sendLock.tryLock(timeoutNanos, TimeUnit.NANOSECONDS)) {
                throw timedOut();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to send");
        }
        try {
            sendLocked(frame, deadline);
        } finally {
            sendLock.unlock();
        }
    }

    private void sendLocked(ByteBuffer frame, long deadline) throws IOException {
        if (closing || !ws.isOpen()) {
            throw new IOException("WebSocket is closed");
        }
        if (blockingSends) {
            sendBlocking(frame, deadline);
            return;
        }
        Future<Void> sent;
        try {
            sent = ws.getAsyncRemote().sendBinary(frame);
        } catch (IllegalStateException e) {
            throw new IOException("WebSocket refused the send: " + e.getMessage(), e);
        }
        try {
            sent.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            sent.cancel(true);
            throw timedOut();
        } catch (ExecutionException e) {
            throw failed(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while sending");
        }
    }

    /**
     * Tomcat's blocking send, bounded by what is left of the send timeout through Tomcat's blocking-send timeout, which
     * is put back to {@value #CONTAINER_BLOCKING_SEND_MILLIS} ms afterwards for Tomcat's own sends (close frames,
     * pings). On a timeout Tomcat closes the WebSocket itself (1001) and throws; the send may have written part of the
     * frame, so the WebSocket is unusable either way.
     */
    private void sendBlocking(ByteBuffer frame, long deadline) throws IOException {
        long leftMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime() + 999_999);
        if (leftMillis <= 0) {
            throw timedOut();
        }
        java.util.Map<String, Object> props = ws.getUserProperties();
        props.put(TOMCAT_BLOCKING_SEND_TIMEOUT, leftMillis);
        try {
            ws.getBasicRemote().sendBinary(frame);
        } catch (IllegalStateException e) {
            throw new IOException("WebSocket refused the send: " + e.getMessage(), e);
        } catch (IOException e) {
            if (System.nanoTime() - deadline >= 0 && causedByTimeout(e)) {
                throw timedOut();
            }
            throw failed(e);
        } finally {
            props.put(TOMCAT_BLOCKING_SEND_TIMEOUT, CONTAINER_BLOCKING_SEND_MILLIS);
        }
    }

    private static boolean causedByTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** The container could not send: the WebSocket is broken. */
    private IOException failed(Throwable cause) {
        if (connection != null) {
            connection.closing(CloseReason.CloseCodes.CLOSED_ABNORMALLY.getCode(), "send failed", "network");
        }
        broken();
        return new IOException("WebSocket send failed: " + cause, cause);
    }

    /** A keepalive ping, skipped when a send holds the lock (a busy connection needs none). */
    @Override
    public boolean ping() {
        if (!sendLock.tryLock()) {
            return false;
        }
        try {
            if (closing || !ws.isOpen()) {
                return false;
            }
            ws.getAsyncRemote().sendPing(PING_PAYLOAD.duplicate());
            return true;
        } catch (IOException | IllegalStateException | IllegalArgumentException e) {
            LOG.log(System.Logger.Level.DEBUG, "[{0}] ping failed: {1}", label(), e.toString());
            return false;
        } finally {
            sendLock.unlock();
        }
    }

    private static final ByteBuffer PING_PAYLOAD = ByteBuffer.wrap(new byte[] {'w', 'i', 's', 'p'}).asReadOnlyBuffer();

    /**
     * The connection's streams are released first: on Tomcat the close frame that follows waits up to
     * {@value #CONTAINER_BLOCKING_SEND_MILLIS} ms behind the data a client that does not read never takes, and the
     * destination sockets were held that much longer.
     */
    private IOException timedOut() {
        // INFO once per connection (every stream's sender can time out): it costs the client a whole connection, so
        // it cannot flood the log
        LOG.log(timeoutLogged.compareAndSet(false, true) ? System.Logger.Level.INFO : System.Logger.Level.DEBUG,
                "[{0}] send timed out after {1} ms (wisp.sendTimeout): closing the WebSocket with 1001", label(),
                Long.toString(java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(timeoutNanos)));
        if (connection != null) {
            connection.closing(CloseReason.CloseCodes.GOING_AWAY.getCode(), "send timed out", "server");
        }
        broken();
        close(ws, CloseReason.CloseCodes.GOING_AWAY.getCode(), "send timed out");   // the send will not finish
        return new IOException("WebSocket send timed out");
    }

    /** The connection's id in log lines (the container's session id until a connection is admitted). */
    private String label() {
        return connection != null ? connection.id() : ws.getId();
    }

    private void broken() {
        if (brokenOnce.compareAndSet(false, true)) {
            onBroken.run();
        }
    }

    /**
     * The close frame is a write like any other: it waits (at most {@value #CONTAINER_BLOCKING_SEND_MILLIS} ms) for a
     * send in progress to finish. Tomcat, asked to close while a stream's DATA was still being written (a message
     * over the size limit, while its first parts were already echoed back), dropped the connection instead of sending
     * the close code. No send starts once this is called, so it waits for at most the one in progress.
     */
    @Override
    public void closeConnection(int code, String reason) {
        if (connection != null) {
            connection.closing(code, reason, "server");
        }
        closing = true;
        boolean locked = false;
        try {
            locked = sendLock.tryLock(CONTAINER_BLOCKING_SEND_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            close(ws, code, reason);
        } finally {
            if (locked) {
                sendLock.unlock();
            }
        }
    }

    /** Closes quietly with a reason phrase cut to what a close frame can carry. */
    static void close(Session ws, int code, String reason) {
        // Tomcat's wait for a close frame other than 1000 (Jetty ignores the property)
        ws.getUserProperties().putIfAbsent(TOMCAT_ABNORMAL_CLOSE_SEND_TIMEOUT, CONTAINER_BLOCKING_SEND_MILLIS);
        try {
            if (ws.isOpen()) {
                ws.close(new CloseReason(closeCode(code), truncate(reason)));
            }
        } catch (IOException | IllegalStateException e) {
            LOG.log(System.Logger.Level.DEBUG, "[{0}] close failed: {1}", ws.getId(), e.toString());
        }
    }

    /**
     * The API's own constant for a code it names, else a code of our own. Not {@code CloseCodes.getCloseCode}: in the
     * API classes Tomcat ships it throws IllegalArgumentException for a code it does not name (1014, wsproxy's "bad
     * gateway"), so on Tomcat such a close never went out and the WebSocket stayed open.
     */
    static CloseReason.CloseCode closeCode(int code) {
        for (CloseReason.CloseCodes c : CloseReason.CloseCodes.values()) {
            if (c.getCode() == code) {
                return c;
            }
        }
        return () -> code;
    }

    static String truncate(String reason) {
        byte[] utf8 = reason.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (utf8.length <= MAX_REASON_BYTES) {
            return reason;
        }
        int end = reason.length();
        while (reason.substring(0, end).getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_REASON_BYTES) {
            end--;
        }
        return reason.substring(0, end);
    }
}
