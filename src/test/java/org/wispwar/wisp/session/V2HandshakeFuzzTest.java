package org.wispwar.wisp.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.wispwar.wisp.auth.AuthorizedKeys;
import org.wispwar.wisp.auth.PasswordStore;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Extension;
import org.wispwar.wisp.protocol.Info;
import org.wispwar.wisp.protocol.KeyAuthExtension;
import org.wispwar.wisp.protocol.MotdExtension;
import org.wispwar.wisp.protocol.PacketType;
import org.wispwar.wisp.protocol.PasswordExtension;
import org.wispwar.wisp.protocol.Role;
import org.wispwar.wisp.protocol.StreamConfirmExtension;
import org.wispwar.wisp.protocol.UdpExtension;
import org.wispwar.wisp.protocol.WispCodec;
import org.wispwar.wisp.protocol.WispPacket;
import org.wispwar.wisp.protocol.WispProtocolException;
import org.wispwar.wisp.protocol.WispVersion;

/**
 * Fuzzes the v2 handshake (wisp-protocol.md §8–§9): an arbitrary client INFO payload, decoded as a client's, judged by a
 * {@link V2Handshake} whose settings the input also picks (UDP, password and key auth offered or required, a MOTD).
 * Invariants: decoding throws nothing but {@link WispProtocolException}; the verdict is the one the draft's rules give,
 * computed here independently (version, then the credentials sent, then whether auth is required; the optional
 * extensions only when both sides list them); and the server INFO round-trips through the codec as the server's.
 *
 * <p>Input layout: {@code u8 settings | INFO payload (u8 major, u8 minor, extension records)}; settings bits: 0 UDP,
 * 1 password offered, 2 password required, 3 key offered, 4 key required, 5 a MOTD. Seeds in
 * {@code V2HandshakeFuzzTestInputs/verify/} hold the §11 INFO vectors, the known password and a wrong one.
 */
class V2HandshakeFuzzTest {
    static final String USER = "admin";
    static final String PASSWORD = "hunter2";
    private static final PasswordStore PASSWORDS;
    private static final AuthorizedKeys KEYS;

    static {
        try {
            Path dir = Files.createTempDirectory("wisp-v2-fuzz");
            // One iteration: a fuzzer must run thousands of verifications a second (an unknown user still costs the
            // store's default-strength dummy hash, by design).
            Path users = Files.writeString(dir.resolve("users"), PasswordStore.line(USER, PASSWORD, 1) + "\n");
            byte[] spki = KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic().getEncoded();
            Path keys = Files.writeString(dir.resolve("keys"), "-----BEGIN PUBLIC KEY-----\n"
                    + Base64.getMimeEncoder().encodeToString(spki) + "\n-----END PUBLIC KEY-----\n");
            PASSWORDS = PasswordStore.load(users);
            KEYS = AuthorizedKeys.load(keys);
            for (Path p : List.of(users, keys, dir)) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @FuzzTest(maxDuration = "10s")
    void verify(byte[] input) throws WispProtocolException {
        if (input.length < 1) {
            return;
        }
        V2Settings settings = settings(input[0]);
        V2Handshake handshake = new V2Handshake(settings);
        checkServerInfo(handshake.serverInfo(), settings);

        ByteBuffer message = ByteBuffer.allocate(WispCodec.HEADER_LENGTH + input.length - 1)
                .put((byte) PacketType.INFO).putInt(0).put(input, 1, input.length - 1).flip();
        Info client;
        try {
            client = (Info) WispCodec.decode(message, Role.CLIENT);
        } catch (WispProtocolException e) {
            return;   // the session turns it into close 1002; the codec target checks the messages
        }
        V2Handshake.Verdict verdict = handshake.verify(client);
        assertEquals(expected(settings, client), verdict, () -> "verdict on " + client + " with " + settings);
    }

    private static V2Settings settings(byte bits) {
        boolean password = (bits & 0x02) != 0;
        boolean key = (bits & 0x08) != 0;
        return new V2Settings((bits & 0x01) != 0, (bits & 0x20) != 0 ? "fuzz" : "", password ? PASSWORDS : null,
                password && (bits & 0x04) != 0, key ? KEYS : null, key && (bits & 0x10) != 0, Duration.ofSeconds(1));
    }

    /** The server INFO lists exactly what the settings offer and decodes, as the server's, to itself. */
    private static void checkServerInfo(Info info, V2Settings s) throws WispProtocolException {
        assertEquals(WispVersion.V2_0, info.version());
        assertEquals(s.udp(), info.find(UdpExtension.class).isPresent(), "UDP offered");
        assertEquals(s.passwords() != null ? List.of(new PasswordExtension.Server(s.passwordRequired())) : List.of(),
                info.find(PasswordExtension.Server.class).stream().toList(), "password auth offered");
        assertEquals(s.keys() != null, info.find(KeyAuthExtension.Server.class).isPresent(), "key auth offered");
        info.find(KeyAuthExtension.Server.class).ifPresent(k -> {
            assertEquals(s.keyRequired(), k.required(), "key auth required");
            assertEquals(V2Handshake.CHALLENGE_BYTES, k.challenge().length, "challenge length");
        });
        assertEquals(!s.motd().isEmpty(), info.find(MotdExtension.class).isPresent(), "MOTD offered");
        assertEquals(true, info.find(StreamConfirmExtension.class).isPresent(), "stream confirmation offered");
        WispPacket decoded = WispCodec.decode(WispCodec.encode(info), Role.SERVER);
        assertEquals(info, decoded, "the server INFO round-trips");
    }

    /** The draft's rules, written out: what {@link V2Handshake#verify} must answer. */
    private static V2Handshake.Verdict expected(V2Settings s, Info client) {
        if (client.version().major() != 2) {
            return rejected(CloseReason.EXTENSIONS_INCOMPATIBLE,
                    "client speaks Wisp " + client.version() + ", this server 2.x");
        }
        String user = null;
        PasswordExtension.Client password = first(client.extensions(), PasswordExtension.Client.class);
        if (password != null && s.passwords() != null) {
            if (!(password.username().equals(USER) && password.password().equals(PASSWORD))) {
                return rejected(CloseReason.EXTENSIONS_PASSWORD_AUTH_FAILED, "password authentication failed");
            }
            user = USER;
        }
        if (first(client.extensions(), KeyAuthExtension.Client.class) != null && s.keys() != null) {
            // The challenge is fresh random bytes, so no input can carry a valid signature over it.
            return rejected(CloseReason.EXTENSIONS_CERT_AUTH_FAILED, "key authentication failed");
        }
        if (s.authRequired() && user == null) {
            return rejected(CloseReason.EXTENSIONS_AUTH_REQUIRED, "authentication required");
        }
        return new V2Handshake.Accepted(s.udp() && first(client.extensions(), UdpExtension.class) != null,
                first(client.extensions(), StreamConfirmExtension.class) != null, user);
    }

    private static V2Handshake.Rejected rejected(CloseReason reason, String detail) {
        return new V2Handshake.Rejected(reason, detail);
    }

    private static <E extends Extension> E first(List<Extension> extensions, Class<E> type) {
        for (Extension e : extensions) {
            if (type.isInstance(e)) {
                return type.cast(e);
            }
        }
        return null;
    }
}
