package org.wispwar.wisp.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.wispwar.wisp.auth.AuthorizedKeys;
import org.wispwar.wisp.auth.PasswordStore;
import org.wispwar.wisp.protocol.Close;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.Continue;
import org.wispwar.wisp.protocol.Data;
import org.wispwar.wisp.protocol.Extension;
import org.wispwar.wisp.protocol.Info;
import org.wispwar.wisp.protocol.KeyAuthExtension;
import org.wispwar.wisp.protocol.MotdExtension;
import org.wispwar.wisp.protocol.PasswordExtension;
import org.wispwar.wisp.protocol.StreamConfirmExtension;
import org.wispwar.wisp.protocol.StreamType;
import org.wispwar.wisp.protocol.UdpExtension;
import org.wispwar.wisp.protocol.UnknownExtension;
import org.wispwar.wisp.protocol.WispCodec;
import org.wispwar.wisp.protocol.WispProtocolException;
import org.wispwar.wisp.protocol.WispVersion;
import org.wispwar.wisp.testing.UdpEcho;
import org.wispwar.wisp.testing.LoopbackServer;
import org.wispwar.wisp.testing.TestResolver;

/** The v2 handshake (draft 6) from the server's side: INFO first, the client's INFO judged, then CONTINUE or CLOSE. */
class WispSessionV2Test extends SessionTestSupport {
    private static final int B = 16;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private V2Settings settings(PasswordStore passwords, boolean passwordRequired, AuthorizedKeys keys,
            boolean keyRequired, String motd) {
        return new V2Settings(true, motd, passwords, passwordRequired, keys, keyRequired, TIMEOUT);
    }

    private Info start(V2Settings v2) throws Exception {
        h = new SessionHarness(SessionHarness.config(B), new TestResolver(), true, v2);
        h.session.start();
        return assertInstanceOf(Info.class, h.sender.next(), "a v2 server speaks first, with INFO");
    }

    private static Info client(Extension... extensions) {
        return new Info(WispVersion.V2_0, List.of(extensions));
    }

    private void assertRefused(CloseReason reason, String detail) {
        h.sender.assertNext(new Close(0, reason));
        h.sender.assertConnectionClosed(WispSession.HANDSHAKE_REFUSED_CODE, detail);
        h.awaitNoThreads();
    }

    private PasswordStore users() throws Exception {
        Path file = dir.resolve("users");
        // few iterations: the tests check the logic, not the cost
        Files.writeString(file, "# test users\n" + PasswordStore.line("admin", "hunter2", 1000) + "\n");
        return PasswordStore.load(file);
    }

    @Test
    void serverInfoListsUdpMotdAndStreamConfirmThenContinueFollowsTheClientInfo() throws Exception {
        Info server = start(settings(null, false, null, false, "hello from the operator"));
        assertEquals(new Info(WispVersion.V2_0, List.of(new UdpExtension(),
                new MotdExtension("hello from the operator"), new StreamConfirmExtension())), server);
        h.send(client(new UdpExtension()));
        h.sender.assertNext(new Continue(0, B));
    }

    @Test
    void unknownClientExtensionsAreSkipped() throws Exception {
        start(settings(null, false, null, false, ""));
        h.send(client(new UnknownExtension(0xf1, new byte[] {1, 2, 3}), new UdpExtension()));
        h.sender.assertNext(new Continue(0, B));
    }

    @Test
    void clientOfAnotherMajorVersionIsRefusedWithIncompatibleExtensions() throws Exception {
        start(settings(null, false, null, false, ""));
        h.send(new Info(new WispVersion(3, 0), List.of()));
        assertRefused(CloseReason.EXTENSIONS_INCOMPATIBLE, "client speaks Wisp 3.0, this server 2.x");
    }

    @Test
    void malformedClientInfoIsAProtocolError() throws Exception {
        start(settings(null, false, null, false, ""));
        // INFO v2.0 with an extension record that claims 16 bytes but carries 2
        ByteBuffer bad = ByteBuffer.wrap(new byte[] {5, 0, 0, 0, 0, 2, 0, 0x01, 16, 0, 0, 0, 9, 9});
        var e = assertThrows(WispProtocolException.class, () -> h.session.onMessage(bad));
        assertEquals("INFO extension 0x01 length 16 exceeds the 2 bytes left", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void rightPasswordInEitherLayoutOpensTheConnection(boolean withPasswordLength) throws Exception {
        Info server = start(settings(users(), true, null, false, ""));
        assertEquals(new PasswordExtension.Server(true), server.find(PasswordExtension.Server.class).orElseThrow());
        h.send(client(new PasswordExtension.Client("admin", "hunter2", withPasswordLength)));
        h.sender.assertNext(new Continue(0, B));
    }

    @ParameterizedTest
    @ValueSource(strings = {"admin:wrong", "nobody:hunter2"})
    void wrongPasswordOrUnknownUserIsRefusedWith0xc0(String credentials) throws Exception {
        start(settings(users(), false, null, false, ""));
        String[] up = credentials.split(":");
        h.send(client(new PasswordExtension.Client(up[0], up[1], true)));
        assertRefused(CloseReason.EXTENSIONS_PASSWORD_AUTH_FAILED, "password authentication failed");
    }

    @Test
    void missingCredentialsWhenRequiredAreRefusedWith0xc2() throws Exception {
        start(settings(users(), true, null, false, ""));
        h.send(client(new UdpExtension()));
        assertRefused(CloseReason.EXTENSIONS_AUTH_REQUIRED, "authentication required");
    }

    @Test
    void optionalAuthLetsAClientWithoutCredentialsIn() throws Exception {
        start(settings(users(), false, null, false, ""));
        h.send(client());
        h.sender.assertNext(new Continue(0, B));
    }

    @Test
    void packetsBeforeTheVerdictAreAProtocolError() throws Exception {
        Path file = dir.resolve("slow-users");
        // a realistic iteration count: verifying takes far longer than the next packet takes to arrive
        Files.writeString(file, PasswordStore.line("admin", "hunter2", PasswordStore.DEFAULT_ITERATIONS) + "\n");
        start(settings(PasswordStore.load(file), true, null, false, ""));
        h.send(client(new PasswordExtension.Client("admin", "hunter2", true)));
        var e = assertThrows(WispProtocolException.class,
                () -> h.send(new Connect(1, StreamType.TCP, 80, "127.0.0.1")));
        assertEquals("CONNECT before the v2 handshake completed", e.getMessage());
        h.sender.assertNext(new Continue(0, B));   // the verdict still comes; the endpoint would have closed by now
    }

    // ------------------------------------------------------------------------------------------------- key auth

    private record Keys(KeyPair pair, byte[] raw, AuthorizedKeys authorized) {
    }

    private Keys keys(boolean pem) throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] der = pair.getPublic().getEncoded();
        byte[] raw = Arrays.copyOfRange(der, der.length - 32, der.length);
        Path file = dir.resolve("keys");
        String text = pem
                ? "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(der) + "\n-----END PUBLIC KEY-----\n"
                : "# raw key\n" + Base64.getEncoder().encodeToString(raw) + "\n";
        Files.writeString(file, text);
        return new Keys(pair, raw, AuthorizedKeys.load(file));
    }

    private static byte[] sign(KeyPair pair, byte[] challenge) throws Exception {
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(pair.getPrivate());
        s.update(challenge);
        return s.sign();
    }

    @ParameterizedTest
    @ValueSource(strings = {"SHA-256", "SHA-512"})
    void validSignatureOverTheChallengeOpensTheConnection(String hash) throws Exception {
        Keys k = keys(hash.equals("SHA-256"));
        Info server = start(settings(null, false, k.authorized(), true, ""));
        KeyAuthExtension.Server offer = server.find(KeyAuthExtension.Server.class).orElseThrow();
        assertTrue(offer.required());
        assertEquals(KeyAuthExtension.ED25519, offer.algorithms());
        assertEquals(V2Handshake.CHALLENGE_BYTES, offer.challenge().length);
        byte[] keyHash = MessageDigest.getInstance(hash).digest(k.raw());
        h.send(client(new KeyAuthExtension.Client(KeyAuthExtension.ED25519, keyHash,
                sign(k.pair(), offer.challenge()))));
        h.sender.assertNext(new Continue(0, B));
    }

    @Test
    void eachConnectionGetsAFreshChallenge() throws Exception {
        Keys k = keys(true);
        byte[] first = start(settings(null, false, k.authorized(), false, ""))
                .find(KeyAuthExtension.Server.class).orElseThrow().challenge();
        h.close();
        byte[] second = start(settings(null, false, k.authorized(), false, ""))
                .find(KeyAuthExtension.Server.class).orElseThrow().challenge();
        assertTrue(!Arrays.equals(first, second), "a new random challenge per connection");
        h.send(client());
        h.sender.assertNext(new Continue(0, B));
    }

    @Test
    void signatureOverAnotherChallengeIsRefusedWith0xc1() throws Exception {
        Keys k = keys(true);
        start(settings(null, false, k.authorized(), true, ""));
        byte[] keyHash = MessageDigest.getInstance("SHA-256").digest(k.raw());
        h.send(client(new KeyAuthExtension.Client(KeyAuthExtension.ED25519, keyHash,
                sign(k.pair(), new byte[V2Handshake.CHALLENGE_BYTES]))));
        assertRefused(CloseReason.EXTENSIONS_CERT_AUTH_FAILED, "key authentication failed");
    }

    @Test
    void unauthorizedKeyIsRefusedWith0xc1() throws Exception {
        Keys authorized = keys(true);
        KeyPair stranger = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] der = stranger.getPublic().getEncoded();
        byte[] strangerHash = MessageDigest.getInstance("SHA-256").digest(Arrays.copyOfRange(der, der.length - 32,
                der.length));
        Info server = start(settings(null, false, authorized.authorized(), true, ""));
        byte[] challenge = server.find(KeyAuthExtension.Server.class).orElseThrow().challenge();
        h.send(client(new KeyAuthExtension.Client(KeyAuthExtension.ED25519, strangerHash, sign(stranger, challenge))));
        assertRefused(CloseReason.EXTENSIONS_CERT_AUTH_FAILED, "key authentication failed");
    }

    @Test
    void eitherAuthSatisfiesWhenBothAreRequired() throws Exception {
        Keys k = keys(true);
        start(settings(users(), true, k.authorized(), true, ""));
        h.send(client(new PasswordExtension.Client("admin", "hunter2", false)));
        h.sender.assertNext(new Continue(0, B));
    }

    // ---------------------------------------------------------------------------------------- timeouts, fallback

    @Test
    void clientThatNeverSendsInfoIsDisconnectedAfterTheHandshakeTimeout() throws Exception {
        V2Settings quick = new V2Settings(true, "", null, false, null, false, Duration.ofMillis(300));
        start(quick);
        h.sender.assertConnectionClosed(WispSession.HANDSHAKE_REFUSED_CODE, "no INFO within the v2 handshake timeout");
        h.awaitNoThreads();
        assertEquals(0, h.metrics.sessions(), "the session ended");
    }

    @Test
    void clientThatAnswersInfoWithConnectContinuesAsV1() throws Exception {
        start(settings(null, false, null, false, ""));
        try (UdpEcho echo = new UdpEcho(InetAddress.getLoopbackAddress())) {
            h.send(new Connect(1, StreamType.UDP, echo.port(), "127.0.0.1"));
            h.sender.assertNext(new Continue(0, B));
            h.send(Data.of(1, "v1 after all".getBytes()));
            h.sender.assertNext(Data.of(1, "v1 after all".getBytes()));
            h.send(new Close(1, CloseReason.VOLUNTARY));
        }
    }

    @Test
    void noV1FallbackWhenAuthIsRequired() throws Exception {
        start(settings(users(), true, null, false, ""));
        h.send(new Connect(1, StreamType.TCP, 80, "127.0.0.1"));
        assertRefused(CloseReason.EXTENSIONS_AUTH_REQUIRED, "authentication required, but the client sent no INFO");
    }

    // ------------------------------------------------------------------------------------------ negotiated use

    @Test
    void udpIsRefusedWhenTheClientDidNotListTheUdpExtension() throws Exception {
        start(settings(null, false, null, false, ""));
        h.send(client());
        h.sender.assertNext(new Continue(0, B));
        try (UdpEcho echo = new UdpEcho(InetAddress.getLoopbackAddress())) {
            h.send(new Connect(1, StreamType.UDP, echo.port(), "127.0.0.1"));
            h.sender.assertNext(new Close(1, CloseReason.SERVER_STREAM_INVALID_INFO));
            assertEquals(0, echo.received());
        }
    }

    @Test
    void streamConfirmationIsAContinueOnTheNewStreamOnceConnected() throws Exception {
        start(settings(null, false, null, false, ""));
        h.send(client(new StreamConfirmExtension()));
        h.sender.assertNext(new Continue(0, B));
        server = LoopbackServer.start(LoopbackServer.ECHO);
        h.send(new Connect(5, StreamType.TCP, server.port(), "127.0.0.1"));
        h.sender.assertNext(new Continue(5, B));   // connected, with the whole window free
        h.send(Data.of(5, "after".getBytes()));
        assertEquals("after", new String(h.sender.collectData(5, 5)));
        h.send(new Close(5, CloseReason.VOLUNTARY));
    }

    @Test
    void noConfirmationWithoutTheExtension() throws Exception {
        start(settings(null, false, null, false, ""));
        h.send(client());
        h.sender.assertNext(new Continue(0, B));
        server = LoopbackServer.start(LoopbackServer.ECHO);
        h.send(new Connect(5, StreamType.TCP, server.port(), "127.0.0.1"));
        h.send(Data.of(5, "x".getBytes()));
        assertEquals("x", new String(h.sender.collectData(5, 1)), "DATA first: no CONTINUE was sent");
        h.send(new Close(5, CloseReason.VOLUNTARY));
    }

    @Test
    void encodedServerInfoMatchesTheSpecLayout() {
        // INFO v2.0, UDP, MOTD "hi" (wisp-protocol.md §8.1 transcript), plus our stream-confirm record
        Info info = new Info(WispVersion.V2_0, List.of(new UdpExtension(), new MotdExtension("hi"),
                new StreamConfirmExtension()));
        List<Byte> bytes = new ArrayList<>();
        for (byte b : WispCodec.encode(info).array()) {
            bytes.add(b);
        }
        assertEquals(List.of((byte) 5, (byte) 0, (byte) 0, (byte) 0, (byte) 0, (byte) 2, (byte) 0,
                (byte) 1, (byte) 0, (byte) 0, (byte) 0, (byte) 0,
                (byte) 4, (byte) 2, (byte) 0, (byte) 0, (byte) 0, (byte) 'h', (byte) 'i',
                (byte) 5, (byte) 0, (byte) 0, (byte) 0, (byte) 0), bytes);
    }
}
