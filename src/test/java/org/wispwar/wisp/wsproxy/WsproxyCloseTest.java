package org.wispwar.wisp.wsproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.wispwar.wisp.transport.ConnectTimeoutException;
import org.wispwar.wisp.transport.DestinationBlockedException;
import org.wispwar.wisp.transport.InvalidDestinationException;

/** The one failure → WebSocket close table of wsproxy mode (README, "wsproxy mode"), row by row. */
class WsproxyCloseTest {
    static Stream<Arguments> rows() {
        return Stream.of(
                row(new InvalidDestinationException("IPv6 literal needs brackets"), 1008,
                        "invalid wsproxy target: IPv6 literal needs brackets"),
                row(new WsproxyException(1008, "wsproxy is disabled"), 1008, "wsproxy is disabled"),
                row(new WsproxyException(1008, "destination not reading"), 1008, "destination not reading"),
                row(new DestinationBlockedException("destination resolves only to refused addresses (loopback)"), 1008,
                        "destination blocked"),
                row(new UnknownHostException("no-such-host.invalid"), 1014, "host not found"),
                row(new NoRouteToHostException("No route to host"), 1014, "no route to host"),
                row(new ConnectException("Connection refused"), 1014, "connection refused"),
                row(new ConnectTimeoutException("connect timed out after 1000 ms"), 1014, "connect timed out"),
                row(new SocketTimeoutException("Read timed out"), 1014, "destination timed out"),
                row(new EOFException("destination EOF"), 1000, "destination closed the connection"),
                row(new SocketException("Connection reset"), 1014, "destination connection failed"),
                row(new IOException("Broken pipe"), 1014, "destination connection failed"),
                row(new RuntimeException("bug"), 1011, "internal error"),
                row(new InterruptedException(), 1011, "internal error"));
    }

    private static Arguments row(Throwable failure, int code, String reason) {
        return Arguments.of(failure.getClass().getSimpleName(), failure, code, reason);
    }

    @ParameterizedTest(name = "{0} -> {2} {3}")
    @MethodSource("rows")
    void mapsEachFailureToItsCloseCodeAndReason(String name, Throwable failure, int code, String reason) {
        assertEquals(new WsproxyClose(code, reason), WsproxyClose.from(failure));
    }

    @Test
    void reasonNeverCarriesTheDestinationsOwnText() {
        assertEquals("host not found", WsproxyClose.from(new UnknownHostException("secret.internal.example")).reason());
        assertEquals("destination connection failed",
                WsproxyClose.from(new IOException("reset by 10.1.2.3:5432")).reason());
    }

    @Test
    void closeCodesOutsideTheRfcRangeAreRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> new WsproxyClose(999, "x"));
        assertEquals("close 999 x", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new WsproxyClose(5000, "x"));
        assertThrows(IllegalArgumentException.class, () -> new WsproxyClose(1000, null));
    }
}
