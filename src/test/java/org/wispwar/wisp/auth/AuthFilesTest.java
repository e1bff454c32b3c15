package org.wispwar.wisp.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The users file and the authorized-keys file: what loads, what fails and with which message, what verifies. */
class AuthFilesTest {
    @TempDir
    Path dir;

    private Path write(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    @Test
    void usersFileVerifiesOnlyTheRightPasswordAndNeverStoresIt() throws Exception {
        String line = PasswordStore.line("admin", "hunter2", 1000);
        assertFalse(line.contains("hunter2"), "the line holds a hash, not the password: " + line);
        assertTrue(line.startsWith("admin:pbkdf2-sha256:1000:"), line);
        PasswordStore store = PasswordStore.load(write("users", "# comment\n\n" + line + "\n"
                + PasswordStore.line("bob", "pässwörd", 1000) + "\n"));
        assertEquals(2, store.size());
        assertTrue(store.verify("admin", "hunter2"));
        assertTrue(store.verify("bob", "pässwörd"));
        assertFalse(store.verify("admin", "hunter3"));
        assertFalse(store.verify("bob", "hunter2"), "one user's password does not open another's account");
        assertFalse(store.verify("carol", "hunter2"), "unknown user");
    }

    @Test
    void sameSaltNeverRepeats() {
        assertFalse(PasswordStore.line("a", "p", 1000).equals(PasswordStore.line("a", "p", 1000)), "random salt");
    }

    @Test
    void malformedUsersFilesFailWithTheLine() throws Exception {
        Path wrongScheme = write("u1", "admin:sha1:1:AAAA:AAAA\n");
        var e = assertThrows(IllegalArgumentException.class, () -> PasswordStore.load(wrongScheme));
        assertEquals("line 1 of " + wrongScheme + " must be username:pbkdf2-sha256:iterations:salt:hash",
                e.getMessage());
        Path badBase64 = write("u2", "# header\nadmin:pbkdf2-sha256:1000:!!!:AAAA\n");
        e = assertThrows(IllegalArgumentException.class, () -> PasswordStore.load(badBase64));
        assertEquals("line 2 of " + badBase64 + " has a bad iteration count, salt or hash (base64, salt ≥ 8 bytes,"
                + " hash ≥ 16 bytes)", e.getMessage());
        String line = PasswordStore.line("admin", "x", 1000);
        Path twice = write("u3", line + "\n" + line + "\n");
        e = assertThrows(IllegalArgumentException.class, () -> PasswordStore.load(twice));
        assertEquals("line 2 of " + twice + " repeats user admin", e.getMessage());
        Path empty = write("u4", "# nobody\n");
        e = assertThrows(IllegalArgumentException.class, () -> PasswordStore.load(empty));
        assertEquals(empty + " defines no users", e.getMessage());
    }

    @Test
    void keysLoadFromPemAndBase64AndVerifyBothHashSizes() throws Exception {
        KeyPair a = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        KeyPair b = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] rawB = raw(b);
        AuthorizedKeys keys = AuthorizedKeys.load(write("keys", "# epoxy-style PEM\n-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(a.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n"
                + Base64.getEncoder().encodeToString(rawB) + "\n"));
        assertEquals(2, keys.size());
        byte[] challenge = "challenge bytes".getBytes();
        assertTrue(keys.verify(sha("SHA-256", raw(a)), challenge, sign(a, challenge)));
        assertTrue(keys.verify(sha("SHA-512", raw(a)), challenge, sign(a, challenge)));
        assertTrue(keys.verify(sha("SHA-256", rawB), challenge, sign(b, challenge)));
        assertFalse(keys.verify(sha("SHA-256", raw(a)), challenge, sign(b, challenge)), "b's signature, a's hash");
        assertFalse(keys.verify(sha("SHA-256", raw(a)), "other".getBytes(), sign(a, challenge)), "other challenge");
        assertFalse(keys.verify(Arrays.copyOf(sha("SHA-256", raw(a)), 20), challenge, sign(a, challenge)),
                "a hash of neither size");
    }

    @Test
    void malformedKeyFilesFailWithTheLine() throws Exception {
        Path notBase64 = write("k1", "not base64 at all\n");
        var e = assertThrows(IllegalArgumentException.class, () -> AuthorizedKeys.load(notBase64));
        assertEquals("line 1 of " + notBase64 + " is not base64", e.getMessage());
        Path wrongLength = write("k2", Base64.getEncoder().encodeToString(new byte[31]) + "\n");
        e = assertThrows(IllegalArgumentException.class, () -> AuthorizedKeys.load(wrongLength));
        assertEquals("line 1 of " + wrongLength + " is not an Ed25519 public key", e.getMessage());
        Path open = write("k3", "-----BEGIN PUBLIC KEY-----\nAAAA\n");
        e = assertThrows(IllegalArgumentException.class, () -> AuthorizedKeys.load(open));
        assertEquals(open + " ends inside a PEM block", e.getMessage());
        Path none = write("k4", "# none\n");
        e = assertThrows(IllegalArgumentException.class, () -> AuthorizedKeys.load(none));
        assertEquals(none + " holds no keys", e.getMessage());
    }

    private static byte[] raw(KeyPair k) {
        byte[] der = k.getPublic().getEncoded();
        return Arrays.copyOfRange(der, der.length - 32, der.length);
    }

    private static byte[] sha(String algorithm, byte[] bytes) throws Exception {
        return MessageDigest.getInstance(algorithm).digest(bytes);
    }

    private static byte[] sign(KeyPair k, byte[] data) throws Exception {
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(k.getPrivate());
        s.update(data);
        return s.sign();
    }
}
