package org.wispwar.wisp.protocol;

import java.util.Objects;

/** Extension 0x04: the server's message of the day (UTF-8, rest of payload); a client sends it with empty text. */
public record MotdExtension(String message) implements Extension {
    public MotdExtension {
        Objects.requireNonNull(message, "message");
    }

    @Override
    public int id() {
        return MOTD;
    }
}
