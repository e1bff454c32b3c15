package org.wispwar.wisp.session;

import java.time.Duration;
import org.wispwar.wisp.auth.AuthorizedKeys;
import org.wispwar.wisp.auth.PasswordStore;

/**
 * What a v2 server offers, built once at deploy from the config and the loaded auth files. {@code passwords} or
 * {@code keys} is null when that extension is not offered. Immutable; thread-safe.
 */
public record V2Settings(boolean udp, String motd, PasswordStore passwords, boolean passwordRequired,
        AuthorizedKeys keys, boolean keyRequired, Duration handshakeTimeout) {
    public V2Settings {
        if ((passwordRequired && passwords == null) || (keyRequired && keys == null)) {
            throw new IllegalArgumentException("an auth extension can only be required when it is offered");
        }
    }

    /** Whether a client must authenticate (with either extension, when both are offered). */
    public boolean authRequired() {
        return passwordRequired || keyRequired;
    }
}
