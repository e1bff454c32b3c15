package org.wispwar.wisp.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.websocket.CloseReason;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.Session;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The sender's contract when a send cannot complete: the WebSocket is closed and the connection's owner is told, once,
 * so its streams end without waiting for the container's {@code @OnClose} (which Tomcat was seen not to deliver within
 * 20 s after a client vanished mid-transfer). The container is replaced by a minimal {@link Session} whose sends
 * complete, fail or never complete as each test says; the real containers are covered by the abrupt-disconnect ITs.
 */
@Timeout(10)
class JakartaPacketSenderTest {
    private static final Duration SEND_TIMEOUT = Duration.ofMillis(200);

    /** Tomcat's API classes throw for a code CloseCodes does not name; ours must not depend on that lookup. */
    @Test
    void closeCodesTheApiDoesNotNameAreSentAsGiven() {
        assertEquals(CloseReason.CloseCodes.GOING_AWAY, JakartaPacketSender.closeCode(1001));
        assertEquals(1014, JakartaPacketSender.closeCode(1014).getCode());
        FakeSession ws = new FakeSession(CompletableFuture::new);
        JakartaPacketSender.close(ws.proxy(), 1014, "destination connection failed");
        assertEquals(List.of(1014), ws.closeCodes);
    }

    @Test
    void aSendThatNeverCompletesClosesTheWebSocketAndReportsTheConnectionBrokenOnce() {
        FakeSession ws = new FakeSession(CompletableFuture::new);   // never completed
        AtomicInteger broken = new AtomicInteger();
        JakartaPacketSender sender = new JakartaPacketSender(ws.proxy(), SEND_TIMEOUT, broken::incrementAndGet);

        IOException e = assertThrows(IOException.class, () -> sender.sendFrame(ByteBuffer.allocate(16)));
        assertEquals("WebSocket send timed out", e.getMessage());
        assertEquals(1, broken.get());
        assertEquals(List.of(CloseReason.CloseCodes.GOING_AWAY.getCode()), ws.closeCodes);

        IOException again = assertThrows(IOException.class, () -> sender.sendFrame(ByteBuffer.allocate(16)));
        assertEquals("WebSocket is closed", again.getMessage());
        assertEquals(1, broken.get(), "reported once per connection");
    }

    @Test
    void aSendTheContainerFailsReportsTheConnectionBroken() {
        FakeSession ws = new FakeSession(
                () -> CompletableFuture.failedFuture(new IOException("Connection reset by peer")));
        AtomicInteger broken = new AtomicInteger();
        JakartaPacketSender sender = new JakartaPacketSender(ws.proxy(), SEND_TIMEOUT, broken::incrementAndGet);

        IOException e = assertThrows(IOException.class, () -> sender.sendFrame(ByteBuffer.allocate(16)));
        assertTrue(e.getMessage().contains("Connection reset by peer"), e.getMessage());
        assertEquals(1, broken.get());
    }

    @Test
    void completedSendsReportNothing() throws IOException {
        FakeSession ws = new FakeSession(() -> CompletableFuture.completedFuture(null));
        AtomicInteger broken = new AtomicInteger();
        JakartaPacketSender sender = new JakartaPacketSender(ws.proxy(), SEND_TIMEOUT, broken::incrementAndGet);

        for (int i = 0; i < 3; i++) {
            sender.sendFrame(ByteBuffer.allocate(16));
        }
        assertEquals(3, ws.sends.get());
        assertEquals(0, broken.get());
        assertEquals(List.of(), ws.closeCodes);
    }

    /**
     * The close frame is a write too: it goes out after the send in progress, and Tomcat gets 2 s for it instead of its
     * 50 ms default for codes other than 1000 (with 50 ms, a 1009 sent while an echo was going out under load was
     * dropped with the connection).
     */
    @Test
    void aCloseWaitsForTheSendInProgressAndGivesTomcatTimeForItsCloseFrame() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> inProgress = new CompletableFuture<>();
        FakeSession ws = new FakeSession(() -> inProgress);
        ws.onClose = () -> events.add("close");
        JakartaPacketSender sender = new JakartaPacketSender(ws.proxy(), Duration.ofSeconds(5), () -> { });
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                sender.sendFrame(ByteBuffer.allocate(16));
            } catch (IOException e) {
                events.add("send failed: " + e);
            }
        });
        while (ws.sends.get() == 0) {
            Thread.onSpinWait();   // bounded by the class's @Timeout
        }
        Thread closer = Thread.ofVirtual().start(() -> sender.closeConnection(1009, "message longer than 65536 bytes"));
        closer.join(300);
        assertTrue(closer.isAlive(), "the close waits while the send is in progress");
        events.add("sent");
        inProgress.complete(null);
        writer.join(5_000);
        closer.join(5_000);
        assertEquals(List.of("sent", "close"), events);
        assertEquals(List.of(1009), ws.closeCodes);
        assertEquals(JakartaPacketSender.CONTAINER_BLOCKING_SEND_MILLIS,
                ws.userProperties.get(JakartaPacketSender.TOMCAT_ABNORMAL_CLOSE_SEND_TIMEOUT));
    }

    /** Just the Session and async-remote methods the sender calls; anything else fails the test. */
    private static final class FakeSession {
        final Supplier<CompletableFuture<Void>> nextSend;
        final Map<String, Object> userProperties = new HashMap<>();
        final List<Integer> closeCodes = new CopyOnWriteArrayList<>();
        final AtomicInteger sends = new AtomicInteger();
        volatile boolean open = true;
        volatile Runnable onClose = () -> { };

        FakeSession(Supplier<CompletableFuture<Void>> nextSend) {
            this.nextSend = nextSend;
        }

        Session proxy() {
            RemoteEndpoint.Async async = (RemoteEndpoint.Async) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {RemoteEndpoint.Async.class}, (p, m, args) -> switch (m.getName()) {
                        case "sendBinary" -> {
                            sends.incrementAndGet();
                            yield nextSend.get();
                        }
                        default -> throw new UnsupportedOperationException(m.getName());
                    });
            return (Session) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Session.class},
                    (p, m, args) -> switch (m.getName()) {
                        case "getUserProperties" -> userProperties;
                        case "isOpen" -> open;
                        case "getId" -> "fake";
                        case "getAsyncRemote" -> async;
                        case "close" -> {
                            onClose.run();
                            closeCodes.add(((CloseReason) args[0]).getCloseCode().getCode());
                            open = false;
                            yield null;
                        }
                        default -> throw new UnsupportedOperationException(m.getName());
                    });
        }
    }
}
