package org.wispwar.wisp.session;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.wispwar.wisp.protocol.Close;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.Data;
import org.wispwar.wisp.protocol.StreamType;
import org.wispwar.wisp.stream.AccessLog;
import org.wispwar.wisp.stream.ConnectionRecord;
import org.wispwar.wisp.testing.LogCapture;
import org.wispwar.wisp.testing.LoopbackServer;
import org.wispwar.wisp.testing.TestResolver;

/**
 * What a session logs at INFO about its connection and its streams, captured from {@code java.util.logging} (where
 * {@code System.Logger} ends): the access line of a stream that carried known bytes to a loopback echo server, of a
 * destination refused before dialing, and the connection's opened and closed lines with its totals.
 */
class WispSessionAccessLogTest extends SessionTestSupport {
    private static final String ECHOED = "hello access log";
    /** time=... first, then the fixed fields; ms is whatever the stream took. */
    private static final Pattern LINE = Pattern.compile("time=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z (.*) ms=(\\d+) (.*)");

    private final LogCapture access = LogCapture.of(AccessLog.LOGGER);
    private final LogCapture connections = LogCapture.of(ConnectionRecord.LOGGER);
    private final TestResolver resolver = new TestResolver();

    @AfterEach
    void stopCapturing() {
        access.close();
        connections.close();
    }

    /** The harness's session id is {@code t}; the record the endpoint makes has the same id. */
    private static ConnectionRecord connection(String id, boolean accessLog) {
        return new ConnectionRecord(id, "203.0.113.7", "10.0.0.1", "https://app.example", ConnectionRecord.Kind.V1,
                null, accessLog);
    }

    /** The fields of an access line without its time and duration, and the duration. */
    private static String[] split(String line) {
        Matcher m = LINE.matcher(line);
        assertTrue(m.matches(), "access line format: " + line);
        return new String[] {m.group(1) + " " + m.group(3), m.group(2)};
    }

    @Test
    void aStreamThatCarriedBytesToAnEchoServerGetsOneAccessLineWithTheBytesAndWhoEndedIt() throws Exception {
        ConnectionRecord c = connection("t", true);
        h = new SessionHarness(SessionHarness.config(128), resolver, true, c);
        server = LoopbackServer.start(LoopbackServer.ECHO);

        h.send(new Connect(1, StreamType.TCP, server.port(), "127.0.0.1"));
        h.send(Data.of(1, ECHOED.getBytes(UTF_8)));
        assertEquals(ECHOED, new String(h.sender.collectData(1, ECHOED.length()), UTF_8));
        h.send(new Close(1, CloseReason.VOLUNTARY));

        String line = access.await("for stream 1", l -> l.contains("conn=t stream=1 "));
        String[] parts = split(line);
        assertEquals("conn=t stream=1 client=203.0.113.7 via=10.0.0.1 origin=https://app.example proto=tcp dest=127.0.0.1:"
                + server.port() + " dialed=127.0.0.1 up=" + ECHOED.length() + " down=" + ECHOED.length()
                + " reason=VOLUNTARY(0x02) by=client", parts[0]);
        h.awaitNoThreads();
        assertEquals(List.of(line), access.lines(), "one line per stream, and only when it ended");
        assertEquals(Level.INFO, access.levelOf(line));
    }

    @Test
    void aDestinationRefusedBeforeDialingIsLoggedWithNoAddressAndNoBytes() throws Exception {
        ConnectionRecord c = connection("t", true);
        h = new SessionHarness(SessionHarness.config(128), resolver, false, c);   // loopback is refused
        server = LoopbackServer.start(LoopbackServer.ECHO);

        h.send(new Connect(5, StreamType.TCP, server.port(), "127.0.0.1"));
        h.sender.assertNext(new Close(5, CloseReason.SERVER_STREAM_BLOCKED_ADDRESS));

        String line = access.await("for the blocked stream", l -> l.contains("conn=t stream=5 "));
        assertEquals("conn=t stream=5 client=203.0.113.7 via=10.0.0.1 origin=https://app.example proto=tcp dest=127.0.0.1:"
                + server.port() + " dialed=- up=0 down=0 reason=SERVER_STREAM_BLOCKED_ADDRESS(0x48) by=server",
                split(line)[0]);
        assertEquals(0, server.acceptedCount(), "nothing was dialed");
    }

    @Test
    void aClientChosenDestinationCannotBreakTheLine() throws Exception {
        ConnectionRecord c = connection("t", true);
        h = new SessionHarness(SessionHarness.config(128), resolver, true, c);

        h.send(new Connect(2, StreamType.TCP, 80, "evil\n time=x \"host\""));
        h.sender.assertNext(new Close(2, CloseReason.SERVER_STREAM_INVALID_INFO));

        String line = access.await("for the invalid destination", l -> l.contains("conn=t stream=2 "));
        assertTrue(line.contains(" dest=\"evil\\u000a time=x \\\"host\\\":80\" dialed=- "), line);
        assertEquals(1, line.lines().count(), "one line: " + line);
    }

    @Test
    void theConnectionLogsOneOpenedAndOneClosedLineWithItsTotals() throws Exception {
        ConnectionRecord c = connection("t", true);
        h = new SessionHarness(SessionHarness.config(128), resolver, true, c);
        server = LoopbackServer.start(LoopbackServer.ECHO);
        assertEquals("[t] connection opened: client=203.0.113.7 via=10.0.0.1 origin=https://app.example proto=v1",
                connections.await("opened", l -> l.startsWith("[t] connection opened: ")));

        for (int id = 1; id <= 2; id++) {
            h.send(new Connect(id, StreamType.TCP, server.port(), "127.0.0.1"));
            h.send(Data.of(id, ECHOED.getBytes(UTF_8)));
            assertEquals(ECHOED, new String(h.sender.collectData(id, ECHOED.length()), UTF_8));
        }
        c.closing(1000, "bye", "client");   // as the endpoint records the client's close frame
        h.session.shutdown();

        String closed = connections.await("closed", l -> l.startsWith("[t] connection closed: "));
        assertTrue(closed.matches("\\[t] connection closed: client=203\\.0\\.113\\.7 proto=v1 ms=\\d+ up=32"
                + " down=32 streams=2 code=1000 by=client phrase=bye"), closed);
        assertEquals(2, connections.lines().size(), "opened and closed, once each: " + connections.lines());
        h.awaitNoThreads();
        List<String> streams = access.containing("conn=t ");
        assertEquals(2, streams.size(), "both streams logged: " + streams);
        assertTrue(streams.stream().allMatch(l -> l.endsWith(" reason=UNKNOWN(0x01) by=connection")), streams.toString());
    }

    @Test
    void withTheAccessLogOffNoStreamLineIsWrittenButTheConnectionLinesAre() throws Exception {
        ConnectionRecord c = connection("t", false);
        h = new SessionHarness(SessionHarness.config(128), resolver, true, c);
        server = LoopbackServer.start(LoopbackServer.ECHO);

        h.send(new Connect(1, StreamType.TCP, server.port(), "127.0.0.1"));
        h.send(Data.of(1, ECHOED.getBytes(UTF_8)));
        assertEquals(ECHOED, new String(h.sender.collectData(1, ECHOED.length()), UTF_8));
        h.send(new Close(1, CloseReason.VOLUNTARY));
        h.awaitNoThreads();
        h.session.shutdown();

        connections.await("closed", l -> l.startsWith("[t] connection closed: "));
        assertEquals(List.of(), access.lines(), "wisp.accessLog=false");
    }
}
