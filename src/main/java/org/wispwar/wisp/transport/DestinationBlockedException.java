package org.wispwar.wisp.transport;

import java.io.IOException;

/** Every address the destination resolved to is refused by the policy: CLOSE 0x48. */
public final class DestinationBlockedException extends IOException {
    public DestinationBlockedException(String message) {
        super(message);
    }
}
