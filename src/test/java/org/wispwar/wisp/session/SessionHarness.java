package org.wispwar.wisp.session;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.wispwar.wisp.config.WispConfig;
import org.wispwar.wisp.protocol.WispCodec;
import org.wispwar.wisp.protocol.WispPacket;
import org.wispwar.wisp.protocol.WispProtocolException;
import org.wispwar.wisp.transport.DestinationPolicy;
import org.wispwar.wisp.transport.HostResolver;
import org.wispwar.wisp.transport.TcpDialer;

/**
 * One {@link WispSession} wired to a {@link RecordingPacketSender}, fresh {@link WispMetrics} and a real
 * {@link TcpDialer}, without a container. {@link #close()} (from {@code @AfterEach}) asserts the recorder is exhausted,
 * then shuts the session down and checks that its threads end. Not thread-safe; owned by the test thread.
 */
final class SessionHarness {
    final RecordingPacketSender sender = new RecordingPacketSender();
    final WispMetrics metrics = new WispMetrics();
    final WispConfig config;
    final WispSession session;

    SessionHarness(WispConfig config, HostResolver resolver, boolean allowPrivateAddresses) {
        this(config, resolver, allowPrivateAddresses, null);
    }

    /** A v2 session when {@code v2} is not null. */
    SessionHarness(WispConfig config, HostResolver resolver, boolean allowPrivateAddresses, V2Settings v2) {
        this(config, resolver, allowPrivateAddresses, v2, false);
    }

    /** With {@code limited}, the session gets the config's limits as a connection from 192.0.2.1 would. */
    SessionHarness(WispConfig config, HostResolver resolver, boolean allowPrivateAddresses, V2Settings v2,
            boolean limited) {
        this.config = config;
        TcpDialer dialer = new TcpDialer(resolver, DestinationPolicy.of(allowPrivateAddresses), config.connectTimeout(),
                config.tcpNoDelay());
        ConnectionLimits limits = limited
                ? ((ClientLimits.Admitted) new ClientLimits(config.limits(), System::nanoTime, metrics)
                        .admit("192.0.2.1")).limits()
                : null;
        this.session = new WispSession("t", config, sender, dialer, metrics, v2, limits);
    }

    /** A config with every value a test cares about; the rest as the defaults. */
    static WispConfig config(int bufferSize, int maxStreams, Duration connectTimeout, Duration sendTimeout) {
        return new WispConfig(bufferSize, 65536, 32 * 1024, connectTimeout, sendTimeout, Duration.ZERO, maxStreams,
                true, true);
    }

    static WispConfig config(int bufferSize) {
        return config(bufferSize, 1024, Duration.ofSeconds(5), Duration.ofSeconds(30));
    }

    /** Delivers one client packet, encoded as the WebSocket would hand it over. */
    void send(WispPacket packet) throws WispProtocolException {
        session.onMessage(WispCodec.encode(packet));
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
    }
}
