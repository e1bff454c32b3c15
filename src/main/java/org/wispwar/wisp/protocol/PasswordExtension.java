package org.wispwar.wisp.protocol;

import java.util.Objects;

/** Extension 0x02, password authentication (wisp-protocol.md §9.2). */
public sealed interface PasswordExtension extends Extension {
    @Override
    default int id() {
        return PASSWORD;
    }

    /** Server payload: {@code u8 required}. */
    record Server(boolean required) implements PasswordExtension {
    }

    /**
     * Client payload. Two layouts exist on the wire and both are accepted: draft 6 ({@code u8 U | username | password to
     * end}) and the implemented d1–d5 one ({@code u8 U | u16 LE P | username | password}); {@code withPasswordLength}
     * records which one was used (and is emitted). The password never appears in {@link #toString()}.
     */
    record Client(String username, String password, boolean withPasswordLength) implements PasswordExtension {
        public Client {
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(password, "password");
        }

        @Override
        public String toString() {
            return "PasswordExtension.Client[username=" + username + ", password=<redacted>]";
        }
    }
}
