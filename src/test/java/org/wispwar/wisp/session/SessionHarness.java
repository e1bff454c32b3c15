package org.wispwar.wisp.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.wispwar.wisp.config.WispConfig;
import org.wispwar.wisp.protocol.WispCodec;
import org.wispwar.wisp.protocol.WispPacket;
import org.wispwar.wisp.protocol.WispProtocolException;
import org.wispwar.wisp.transport.DestinationPolicy;
import org.wispwar.wisp.transport.HostResolver;
import org.wispwar.wisp.transport.TcpDialer;
import org.wispwar.wisp.testing.Await;
import org.wispwar.wisp.testing.RecordingPacketSender;
import org.wispwar.wisp.metrics.WispMetrics;
import org.wispwar.wisp.limits.ClientLimits;
import org.wispwar.wisp.limits.ByteBudget;
import org.wispwar.wisp.limits.ConnectionLimits;
import org.wispwar.wisp.stream.BufferPool;
import org.wispwar.wisp.stream.ConnectionRecord;
import org.wispwar.wisp.testing.RecordingReadControl;

/**
 * One {@link WispSession} wired to a {@link RecordingPacketSender}, fresh {@link WispMetrics} and a real
 * {@link TcpDialer}, without a container. {@link #close()} (from {@code @AfterEach}) asserts the recorder is exhausted,
 * then shuts the session down and checks that its threads end. Not thread-safe; owned by the test thread.
 */
final class SessionHarness {
    final RecordingPacketSender sender = new RecordingPacketSender();
    final WispMetrics metrics = new WispMetrics();
    final RecordingReadControl reads = new RecordingReadControl();
    final BufferPool buffers = new BufferPool(1 << 20);
    final ByteBudget serverBudget;
    final WispConfig config;
    final WispSession session;

    SessionHarness(WispConfig config, HostResolver resolver, boolean allowPrivateAddresses) {
        this(config, resolver, allowPrivateAddresses, (V2Settings) null);
    }

    /** A v2 session when {@code v2} is not null. */
    SessionHarness(WispConfig config, HostResolver resolver, boolean allowPrivateAddresses, V2Settings v2) {
        this(config, resolver, allowPrivateAddresses, v2, false);
    }

    /** With {@code limited}, the session gets the config's limits as a connection from 192.0.2.1 would. */
    SessionHarness(WispConfig config, HostResolver resolver, boolean allowPrivateAddresses, V2Settings v2,
            boolean limited) {
        this(config, resolver, allowPrivateAddresses, v2, limited, null);
    }

    /** A v1 session of this connection (who the client is, for the connection lines and the access log). */
    SessionHarness(WispConfig config, HostResolver resolver, boolean allowPrivateAddresses,
            ConnectionRecord connection) {
        this(config, resolver, allowPrivateAddresses, null, false, connection);
    }

    private SessionHarness(WispConfig config, HostResolver resolver, boolean allowPrivateAddresses, V2Settings v2,
            boolean limited, ConnectionRecord connection) {
        this.config = config;
        TcpDialer dialer = new TcpDialer(resolver, DestinationPolicy.of(allowPrivateAddresses), config.connectTimeout(),
                config.tcpNoDelay());
        ConnectionLimits limits = limited
                ? ((ClientLimits.Admitted) new ClientLimits(config.limits(), System::nanoTime, metrics)
                        .admit("192.0.2.1")).limits()
                : null;
        this.serverBudget = new ByteBudget(WispConfig.SERVER_BYTE_BUDGET, config.serverByteBudget(), null);
        this.session = new WispSession("t", config, v2, new WispSession.Resources(sender, dialer, metrics, buffers,
                serverBudget, reads, limits, null, connection));
    }

    /** A config with every value a test cares about; the rest as the defaults. */
    static WispConfig config(int bufferSize, int maxStreams, Duration connectTimeout, Duration sendTimeout) {
        return new WispConfig(bufferSize, 100 << 20, 32 * 1024, connectTimeout, sendTimeout, Duration.ZERO, maxStreams,
                true, true);
    }

    static WispConfig config(int bufferSize) {
        return config(bufferSize, 1024, Duration.ofSeconds(5), Duration.ofSeconds(30));
    }

    /** Delivers one client packet, encoded as the WebSocket would hand it over. */
    void send(WispPacket packet) throws WispProtocolException {
        session.onMessage(WispCodec.encode(packet));
    }

    /** Delivers one client packet in parts of at most {@code partSize} bytes, as a container reading it would. */
    void sendInParts(WispPacket packet, int partSize) throws WispProtocolException {
        ByteBuffer whole = WispCodec.encode(packet);
        do {
            int n = Math.min(partSize, whole.remaining());
            ByteBuffer part = whole.slice(whole.position(), n);
            whole.position(whole.position() + n);
            session.onMessagePart(part, !whole.hasRemaining());
        } while (whole.hasRemaining());
    }

    /**
     * Waits until every thread the session started has ended. After that nothing more can be sent, so
     * {@link RecordingPacketSender#assertExhausted()} is meaningful for packets sent from session threads.
     */
    void awaitNoThreads() {
        Await.until(() -> "the session's threads end; still running: " + metrics.threads(),
                () -> metrics.threads() == 0);
    }

    void close() throws InterruptedException {
        sender.openGate();   // a send held at the gate must be able to return for the threads to end
        AssertionError unexpected = null;
        try {
            sender.assertExhausted();
        } catch (AssertionError e) {
            unexpected = e;   // report it, but release the session's sockets and threads first
        }
        session.shutdown();
        boolean ended = session.awaitThreads(RecordingPacketSender.WAIT_SECONDS, TimeUnit.SECONDS);
        if (unexpected != null) {
            throw unexpected;
        }
        assertTrue(ended, "the session's threads end within " + RecordingPacketSender.WAIT_SECONDS + " s of shutdown");
        assertEquals(0, serverBudget.used(), "every buffer went back when its stream ended");
        assertEquals(0, reads.misuses(), "pause and resume alternate");
        assertFalse(reads.paused(), "a session that ended does not keep its WebSocket paused");
    }
}
