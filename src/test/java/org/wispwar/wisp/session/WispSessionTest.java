package org.wispwar.wisp.session;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wispwar.wisp.protocol.Close;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.Continue;
import org.wispwar.wisp.protocol.Data;
import org.wispwar.wisp.protocol.PacketType;
import org.wispwar.wisp.protocol.StreamType;
import org.wispwar.wisp.protocol.WispProtocolException;
import org.wispwar.wisp.testing.TestResolver;

/** Session behaviour that needs no destination: the start, packets the session ignores or rejects, the trace format. */
class WispSessionTest {
    private SessionHarness h;

    @BeforeEach
    void setUp() {
        h = new SessionHarness(SessionHarness.config(8), new TestResolver(), true);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        h.close();
    }

    @Test
    void startAdvertisesTheBufferSizeOnStreamZero() throws Exception {
        h.session.start();

        h.sender.assertNext(new Continue(0, 8));
    }

    @Test
    void dataForUnknownStreamIsIgnored() throws Exception {
        h.send(Data.of(9, "late".getBytes(UTF_8)));

        assertEquals(0, h.metrics.bytesFromClients(), "bytes routed to a stream");
        assertEquals(0, h.metrics.threads(), "threads started");
        // @AfterEach: nothing was sent (the session answers nothing synchronously and started no thread)
    }

    @Test
    void closeForUnknownStreamIsIgnored() throws Exception {
        h.send(new Close(9, CloseReason.VOLUNTARY));

        assertEquals(0, h.metrics.threads(), "threads started");
    }

    @Test
    void continueFromClientIsAProtocolError() {
        var e = assertThrows(WispProtocolException.class, () -> h.send(new Continue(1, 8)));
        assertEquals("CONTINUE from a client on stream 1", e.getMessage());
    }

    @Test
    void continueFromClientNamesTheStreamIdUnsigned() {
        var e = assertThrows(WispProtocolException.class, () -> h.send(new Continue(0xffff_ffff, 8)));
        assertEquals("CONTINUE from a client on stream 4294967295", e.getMessage());
    }

    @Test
    void connectOnStreamZeroIsAProtocolError() {
        var e = assertThrows(WispProtocolException.class,
                () -> h.send(new Connect(0, StreamType.TCP, 80, "127.0.0.1")));
        assertEquals("CONNECT on stream 0, which is reserved for the connection", e.getMessage());
        assertEquals(0, h.metrics.streamsOpened(), "streams opened");
    }

    @Test
    void malformedMessageIsAProtocolError() {
        var e = assertThrows(WispProtocolException.class,
                () -> h.session.onMessage(ByteBuffer.wrap(new byte[] {0x02, 0x01})));   // DATA type, 1 id byte
        assertEquals("packet shorter than header: 2", e.getMessage());
    }

    @Test
    void messagesAfterShutdownAreIgnored() throws Exception {
        h.session.shutdown();

        h.send(new Connect(1, StreamType.TCP, 80, "127.0.0.1"));
        h.send(new Continue(1, 8));   // not even a protocol error: the session is gone

        assertEquals(0, h.metrics.streamsOpened(), "streams opened after shutdown");
        assertEquals(0, h.metrics.sessions(), "live sessions");
    }

    @Test
    void shutdownIsIdempotent() {
        assertEquals(1, h.metrics.sessions(), "live sessions before shutdown");

        h.session.shutdown();
        h.session.shutdown();

        assertEquals(0, h.metrics.sessions(), "live sessions after two shutdowns");
    }

    @Test
    void traceLineShowsDirectionTypeHexStreamIdAndLength() {
        assertEquals(">> CONNECT 0x0000002a 17", WispSession.traceLine(">>", PacketType.CONNECT, 42, 17));
        assertEquals(">> CONNECT 0x0000002a 17", WispSession.traceLine(">>", 1, 42, 17));
    }

    @Test
    void traceLineShowsUnknownTypesAndUnsignedIdsAsHex() {
        assertEquals("<< DATA 0xffffffff -1", WispSession.traceLine("<<", PacketType.DATA, 0xffff_ffff, -1));
        assertEquals(">> 0x07 0x00000001 5", WispSession.traceLine(">>", 0x07, 1, 5));
    }
}
