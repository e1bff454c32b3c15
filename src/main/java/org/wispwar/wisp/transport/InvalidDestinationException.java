package org.wispwar.wisp.transport;

import java.io.IOException;

/** The CONNECT named something that cannot be a destination (empty or malformed host, port 0): CLOSE 0x41. */
public final class InvalidDestinationException extends IOException {
    public InvalidDestinationException(String message) {
        super(message);
    }
}
