package org.wispwar.wisp.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * The users of password authentication (v2 extension 0x02), loaded from a file of salted PBKDF2 hashes, one user a
 * line: {@code username:pbkdf2-sha256:<iterations>:<base64 salt>:<base64 hash>}; blank lines and {@code #} comments are
 * skipped. Passwords never appear in the file or in logs. Verification takes the same time for unknown users (a dummy
 * hash is checked), so answers do not reveal which names exist. Immutable; thread-safe.
 */
public final class PasswordStore {
    static final String SCHEME = "pbkdf2-sha256";
    /** Iterations for new hashes (the file may hold others: each line carries its own count). */
    public static final int DEFAULT_ITERATIONS = 210_000;
    static final int SALT_BYTES = 16;
    static final int HASH_BYTES = 32;

    private record Entry(int iterations, byte[] salt, byte[] hash) {
    }

    private final Map<String, Entry> users;
    private final Entry dummy;

    private PasswordStore(Map<String, Entry> users) {
        this.users = Map.copyOf(users);
        byte[] salt = new byte[SALT_BYTES];
        new SecureRandom().nextBytes(salt);
        this.dummy = new Entry(DEFAULT_ITERATIONS, salt, new byte[HASH_BYTES]);
    }

    /**
     * Loads a users file.
     *
     * @throws IllegalArgumentException naming the line that is malformed (the caller prefixes the param name)
     */
    public static PasswordStore load(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        Map<String, Entry> users = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split(":", -1);
            if (f.length != 5 || f[0].isEmpty() || !SCHEME.equals(f[1])) {
                throw new IllegalArgumentException("line " + (i + 1) + " of " + file
                        + " must be username:" + SCHEME + ":iterations:salt:hash");
            }
            try {
                int iterations = Integer.parseInt(f[2]);
                byte[] salt = Base64.getDecoder().decode(f[3]);
                byte[] hash = Base64.getDecoder().decode(f[4]);
                if (iterations < 1 || salt.length < 8 || hash.length < 16) {
                    throw new IllegalArgumentException("weak parameters");
                }
                if (users.put(f[0], new Entry(iterations, salt, hash)) != null) {
                    throw new IllegalArgumentException("line " + (i + 1) + " of " + file + " repeats user " + f[0]);
                }
            } catch (IllegalArgumentException e) {
                if (e.getMessage() != null && e.getMessage().startsWith("line ")) {
                    throw e;
                }
                throw new IllegalArgumentException("line " + (i + 1) + " of " + file
                        + " has a bad iteration count, salt or hash (base64, salt ≥ 8 bytes, hash ≥ 16 bytes)");
            }
        }
        if (users.isEmpty()) {
            throw new IllegalArgumentException(file + " defines no users");
        }
        return new PasswordStore(users);
    }

    /** Whether {@code password} is the password of {@code username}. Blocking (PBKDF2): call on a virtual thread. */
    public boolean verify(String username, String password) {
        Entry e = users.get(username);
        boolean known = e != null;
        Entry check = known ? e : dummy;
        byte[] computed = derive(password, check.salt, check.iterations, check.hash.length);
        return MessageDigest.isEqual(computed, check.hash) & known;
    }

    public int size() {
        return users.size();
    }

    /** One users-file line for a new user with a fresh random salt. */
    public static String line(String username, String password, int iterations) {
        if (username.isEmpty() || username.indexOf(':') >= 0) {
            throw new IllegalArgumentException("a username is non-empty and has no ':'");
        }
        byte[] salt = new byte[SALT_BYTES];
        new SecureRandom().nextBytes(salt);
        byte[] hash = derive(password, salt, iterations, HASH_BYTES);
        Base64.Encoder b64 = Base64.getEncoder();
        return username + ":" + SCHEME + ":" + iterations + ":" + b64.encodeToString(salt) + ":"
                + b64.encodeToString(hash);
    }

    private static byte[] derive(String password, byte[] salt, int iterations, int length) {
        PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, length * 8);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is part of every JDK", e);
        } finally {
            spec.clearPassword();
        }
    }

    /**
     * Prints a users-file line: {@code java -cp WEB-INF/classes org.wispwar.wisp.auth.PasswordStore <username>}, with
     * the password read from standard input (one line), so it never appears in the process list or shell history.
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: PasswordStore <username>   (password on standard input)");
            System.exit(2);
        }
        java.io.Console console = System.console();
        String password;
        if (console != null) {
            char[] p = console.readPassword("password for %s: ", args[0]);
            password = p == null ? "" : new String(p);
        } else {
            password = new String(System.in.readAllBytes(), StandardCharsets.UTF_8).lines().findFirst().orElse("");
        }
        System.out.println(line(args[0], password, DEFAULT_ITERATIONS));
    }
}
