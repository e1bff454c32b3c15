package org.wispwar.wisp.session;

import java.io.EOFException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.transport.ConnectTimeoutException;
import org.wispwar.wisp.transport.DestinationBlockedException;
import org.wispwar.wisp.transport.InvalidDestinationException;

/** The single mapping from a failure to the CLOSE reason the client sees (design.md §5). Stateless; thread-safe. */
public final class CloseReasons {
    private CloseReasons() {
    }

    public static CloseReason from(Throwable failure) {
        return switch (failure) {
            case WispStreamException e -> e.reason();
            case InvalidDestinationException e -> CloseReason.SERVER_STREAM_INVALID_INFO;
            case DestinationBlockedException e -> CloseReason.SERVER_STREAM_BLOCKED_ADDRESS;
            case UnknownHostException e -> CloseReason.SERVER_STREAM_UNREACHABLE;
            case NoRouteToHostException e -> CloseReason.SERVER_STREAM_UNREACHABLE;
            case ConnectTimeoutException e -> CloseReason.SERVER_STREAM_CONNECTION_TIMED_OUT;
            case SocketTimeoutException e -> CloseReason.SERVER_STREAM_TIMED_OUT;
            case ConnectException e -> CloseReason.SERVER_STREAM_CONNECTION_REFUSED;
            case PortUnreachableException e -> CloseReason.SERVER_STREAM_CONNECTION_REFUSED;   // ICMP, for UDP
            case EOFException e -> CloseReason.VOLUNTARY;
            default -> CloseReason.UNEXPECTED;
        };
    }
}
