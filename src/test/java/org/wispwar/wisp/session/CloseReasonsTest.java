package org.wispwar.wisp.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.transport.ConnectTimeoutException;
import org.wispwar.wisp.transport.DestinationBlockedException;
import org.wispwar.wisp.transport.InvalidDestinationException;

/** The one failure → CLOSE reason table of design.md §5, row by row. */
class CloseReasonsTest {
    static Stream<Arguments> rows() {
        return Stream.of(
                row(new UnknownHostException("no-such-host.invalid"), CloseReason.SERVER_STREAM_UNREACHABLE, 0x42),
                row(new NoRouteToHostException("No route to host"), CloseReason.SERVER_STREAM_UNREACHABLE, 0x42),
                row(new ConnectException("Connection refused"), CloseReason.SERVER_STREAM_CONNECTION_REFUSED, 0x44),
                row(new ConnectTimeoutException("connect timed out after 300 ms"),
                        CloseReason.SERVER_STREAM_CONNECTION_TIMED_OUT, 0x43),
                row(new SocketTimeoutException("Read timed out"), CloseReason.SERVER_STREAM_TIMED_OUT, 0x47),
                row(new DestinationBlockedException("destination resolves only to refused addresses (loopback)"),
                        CloseReason.SERVER_STREAM_BLOCKED_ADDRESS, 0x48),
                row(new InvalidDestinationException("port 0"), CloseReason.SERVER_STREAM_INVALID_INFO, 0x41),
                row(new WispStreamException(1, CloseReason.SERVER_STREAM_INVALID_INFO, "unsupported stream type 0x03"),
                        CloseReason.SERVER_STREAM_INVALID_INFO, 0x41),
                row(new WispStreamException(1, CloseReason.SERVER_STREAM_THROTTLED, "too many streams"),
                        CloseReason.SERVER_STREAM_THROTTLED, 0x49),
                row(new EOFException(), CloseReason.VOLUNTARY, 0x02),
                row(new IOException("Broken pipe"), CloseReason.UNEXPECTED, 0x03),
                row(new SocketException("Connection reset"), CloseReason.UNEXPECTED, 0x03),
                row(new RuntimeException("bug"), CloseReason.UNEXPECTED, 0x03),
                row(new InterruptedException(), CloseReason.UNEXPECTED, 0x03));
    }

    private static Arguments row(Throwable failure, CloseReason reason, int code) {
        return Arguments.of(failure.getClass().getSimpleName(), failure, reason, code);
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("rows")
    void mapsEachFailureToItsCloseReason(String name, Throwable failure, CloseReason reason, int code) {
        assertEquals(reason, CloseReasons.from(failure));
        assertEquals(code, reason.code(), "wire code of " + reason);
    }
}
