package org.wispwar.wisp.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * The Ed25519 public keys allowed to authenticate with v2 extension 0x03, loaded from a file holding PEM blocks
 * ({@code -----BEGIN PUBLIC KEY-----}, X.509 SubjectPublicKeyInfo, as epoxy-server uses) and/or one base64 key per
 * line (the raw 32 bytes, or the SubjectPublicKeyInfo DER); {@code #} comments and blank lines are skipped. Clients
 * name their key by a hash of its raw 32 bytes: SHA-256 (32 bytes, drafts 5/6, wisp-mux 6) or SHA-512 (64 bytes,
 * wisp-mux 5); both are accepted. Verification uses the JDK's own Ed25519. Immutable; thread-safe.
 */
public final class AuthorizedKeys {
    /** X.509 SubjectPublicKeyInfo prefix of an Ed25519 key (RFC 8410): the raw 32 bytes follow it. */
    private static final byte[] SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
    static final int RAW_KEY_BYTES = 32;

    private record Key(PublicKey key, byte[] sha256, byte[] sha512) {
    }

    private final List<Key> keys;

    private AuthorizedKeys(List<Key> keys) {
        this.keys = List.copyOf(keys);
    }

    /**
     * @throws IllegalArgumentException naming what is malformed (the caller prefixes the param name)
     */
    public static AuthorizedKeys load(Path file) throws IOException {
        List<Key> keys = new ArrayList<>();
        StringBuilder pem = null;
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (pem != null) {
                if (line.startsWith("-----END ")) {
                    keys.add(parse(Base64.getMimeDecoder().decode(pem.toString()), file, i + 1));
                    pem = null;
                } else {
                    pem.append(line);
                }
            } else if (line.startsWith("-----BEGIN PUBLIC KEY-----")) {
                pem = new StringBuilder();
            } else if (!line.isEmpty() && !line.startsWith("#")) {
                byte[] der;
                try {
                    der = Base64.getDecoder().decode(line);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("line " + (i + 1) + " of " + file + " is not base64");
                }
                keys.add(parse(der, file, i + 1));
            }
        }
        if (pem != null) {
            throw new IllegalArgumentException(file + " ends inside a PEM block");
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no keys");
        }
        return new AuthorizedKeys(keys);
    }

    private static Key parse(byte[] bytes, Path file, int line) {
        byte[] raw;
        if (bytes.length == RAW_KEY_BYTES) {
            raw = bytes;
        } else if (bytes.length == SPKI_PREFIX.length + RAW_KEY_BYTES
                && Arrays.equals(bytes, 0, SPKI_PREFIX.length, SPKI_PREFIX, 0, SPKI_PREFIX.length)) {
            raw = Arrays.copyOfRange(bytes, SPKI_PREFIX.length, bytes.length);
        } else {
            throw new IllegalArgumentException("line " + line + " of " + file + " is not an Ed25519 public key");
        }
        try {
            PublicKey key = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki(raw)));
            return new Key(key, MessageDigest.getInstance("SHA-256").digest(raw),
                    MessageDigest.getInstance("SHA-512").digest(raw));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("line " + line + " of " + file + " is not an Ed25519 public key");
        }
    }

    /** The SubjectPublicKeyInfo DER of a raw Ed25519 key. */
    public static byte[] spki(byte[] raw) {
        byte[] der = Arrays.copyOf(SPKI_PREFIX, SPKI_PREFIX.length + raw.length);
        System.arraycopy(raw, 0, der, SPKI_PREFIX.length, raw.length);
        return der;
    }

    /**
     * Whether a key named by {@code keyHash} (SHA-256 or SHA-512 of its raw bytes) is authorized and signed
     * {@code challenge} with {@code signature}.
     */
    public boolean verify(byte[] keyHash, byte[] challenge, byte[] signature) {
        for (Key k : keys) {
            byte[] expected = keyHash.length == 32 ? k.sha256 : keyHash.length == 64 ? k.sha512 : null;
            if (expected == null || !MessageDigest.isEqual(expected, keyHash)) {
                continue;
            }
            try {
                Signature verifier = Signature.getInstance("Ed25519");
                verifier.initVerify(k.key);
                verifier.update(challenge);
                if (verifier.verify(signature)) {
                    return true;
                }
            } catch (GeneralSecurityException e) {
                // a malformed signature is simply not valid
            }
        }
        return false;
    }

    public int size() {
        return keys.size();
    }
}
