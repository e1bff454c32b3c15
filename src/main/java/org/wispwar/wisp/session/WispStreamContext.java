package org.wispwar.wisp.session;

import java.time.Duration;
import java.util.function.Consumer;
import org.wispwar.wisp.stream.StreamContext;

/**
 * What a Wisp stream needs beyond the core's {@link StreamContext}, fixed once the connection is open (after the v2
 * handshake, which decides the extensions). Immutable; thread-safe.
 *
 * @param stream         the connection's context for every stream
 * @param window         B: the credit of each TCP stream in packets
 * @param streamConfirm  both sides listed extension 0x05: a CONTINUE on each new TCP stream once it is connected
 * @param udpAllowed     UDP streams may be opened on this connection
 * @param udpIdleTimeout a UDP stream with no datagram either way for this long closes with 0x47
 * @param closed         told once when a stream has closed, so the connection forgets it
 */
record WispStreamContext(StreamContext stream, int window, boolean streamConfirm, boolean udpAllowed,
        Duration udpIdleTimeout, Consumer<WispStream> closed) {
}
