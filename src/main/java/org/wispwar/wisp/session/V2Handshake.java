package org.wispwar.wisp.session;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Extension;
import org.wispwar.wisp.protocol.Info;
import org.wispwar.wisp.protocol.KeyAuthExtension;
import org.wispwar.wisp.protocol.MotdExtension;
import org.wispwar.wisp.protocol.PasswordExtension;
import org.wispwar.wisp.protocol.StreamConfirmExtension;
import org.wispwar.wisp.protocol.UdpExtension;
import org.wispwar.wisp.protocol.WispVersion;

/**
 * The server side of one connection's v2 handshake (draft 6, wisp-protocol.md §8–§9): the server INFO it sends, with a
 * fresh random challenge for key auth, and the verdict on the client's INFO. Only extensions both sides list apply.
 * Not thread-safe; used by one session, once.
 */
final class V2Handshake {
    /** "About 512 bits" in the draft; wisp-mux uses 64 random bytes. */
    static final int CHALLENGE_BYTES = 64;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What the client INFO earned. */
    sealed interface Verdict permits Accepted, Rejected {
    }

    /** The connection opens; {@code udp} and {@code streamConfirm} say which optional extensions both sides speak. */
    record Accepted(boolean udp, boolean streamConfirm, String user) implements Verdict {
    }

    /** The connection is refused with CLOSE on stream 0; {@code detail} goes to the WebSocket close reason and log. */
    record Rejected(CloseReason reason, String detail) implements Verdict {
    }

    private final V2Settings settings;
    private final byte[] challenge;
    private final Info serverInfo;

    V2Handshake(V2Settings settings) {
        this.settings = settings;
        List<Extension> offered = new ArrayList<>();
        if (settings.udp()) {
            offered.add(new UdpExtension());
        }
        if (settings.passwords() != null) {
            offered.add(new PasswordExtension.Server(settings.passwordRequired()));
        }
        if (settings.keys() != null) {
            challenge = new byte[CHALLENGE_BYTES];
            RANDOM.nextBytes(challenge);
            offered.add(new KeyAuthExtension.Server(settings.keyRequired(), KeyAuthExtension.ED25519, challenge));
        } else {
            challenge = null;
        }
        if (!settings.motd().isEmpty()) {
            offered.add(new MotdExtension(settings.motd()));
        }
        offered.add(new StreamConfirmExtension());
        serverInfo = new Info(WispVersion.V2_0, offered);
    }

    Info serverInfo() {
        return serverInfo;
    }

    /**
     * Judges the client INFO. Blocking (password hashing): call it on a virtual thread. Order: version, then any
     * credentials the client sent (a wrong one is refused even when auth is optional), then whether auth is required.
     */
    Verdict verify(Info client) {
        if (client.version().major() != WispVersion.V2_0.major()) {
            return new Rejected(CloseReason.EXTENSIONS_INCOMPATIBLE,
                    "client speaks Wisp " + client.version() + ", this server 2.x");
        }
        String user = null;
        var password = client.find(PasswordExtension.Client.class);
        if (password.isPresent() && settings.passwords() != null) {
            if (!settings.passwords().verify(password.get().username(), password.get().password())) {
                return new Rejected(CloseReason.EXTENSIONS_PASSWORD_AUTH_FAILED, "password authentication failed");
            }
            user = password.get().username();
        }
        var key = client.find(KeyAuthExtension.Client.class);
        if (key.isPresent() && settings.keys() != null) {
            KeyAuthExtension.Client k = key.get();
            if ((k.algorithm() & KeyAuthExtension.ED25519) == 0
                    || !settings.keys().verify(k.keyHash(), challenge, k.signature())) {
                return new Rejected(CloseReason.EXTENSIONS_CERT_AUTH_FAILED, "key authentication failed");
            }
            user = user == null ? "key" : user;
        }
        if (settings.authRequired() && user == null) {
            return new Rejected(CloseReason.EXTENSIONS_AUTH_REQUIRED, "authentication required");
        }
        return new Accepted(settings.udp() && client.find(UdpExtension.class).isPresent(),
                client.find(StreamConfirmExtension.class).isPresent(), user);
    }
}
