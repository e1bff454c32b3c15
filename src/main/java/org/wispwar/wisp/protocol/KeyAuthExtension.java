package org.wispwar.wisp.protocol;

import java.util.Arrays;

/** Extension 0x03, public-key authentication (wisp-protocol.md §9.3). Byte arrays are copied in and out. */
public sealed interface KeyAuthExtension extends Extension {
    /** Algorithm bitmask bit for Ed25519, the only algorithm defined. */
    int ED25519 = 0x01;

    @Override
    default int id() {
        return KEY_AUTH;
    }

    /** Server payload: {@code u8 required | u8 algorithm bitmask | challenge (rest)}. */
    record Server(boolean required, int algorithms, byte[] challenge) implements KeyAuthExtension {
        public Server {
            if (algorithms < 0 || algorithms > 0xFF) {
                throw new IllegalArgumentException("algorithm mask " + algorithms + " does not fit a byte");
            }
            challenge = challenge.clone();
        }

        @Override
        public byte[] challenge() {
            return challenge.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Server s && s.required == required && s.algorithms == algorithms
                    && Arrays.equals(s.challenge, challenge);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(challenge) * 31 + algorithms * 2 + (required ? 1 : 0);
        }

        @Override
        public String toString() {
            return "KeyAuthExtension.Server[required=" + required + ", algorithms=" + algorithms + ", challenge="
                    + challenge.length + " bytes]";
        }
    }

    /**
     * Client payload: {@code u8 selected algorithm | key hash | 64-byte signature}. The hash is 32 bytes (SHA-256, d5/d6,
     * wisp-mux 6) or 64 bytes (SHA-512, wisp-mux 5); its length is what the payload leaves after the signature.
     */
    record Client(int algorithm, byte[] keyHash, byte[] signature) implements KeyAuthExtension {
        public static final int SIGNATURE_LENGTH = 64;

        public Client {
            if (algorithm < 0 || algorithm > 0xFF) {
                throw new IllegalArgumentException("algorithm " + algorithm + " does not fit a byte");
            }
            if (signature.length != SIGNATURE_LENGTH) {
                throw new IllegalArgumentException("signature must be 64 bytes, was " + signature.length);
            }
            keyHash = keyHash.clone();
            signature = signature.clone();
        }

        @Override
        public byte[] keyHash() {
            return keyHash.clone();
        }

        @Override
        public byte[] signature() {
            return signature.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Client c && c.algorithm == algorithm && Arrays.equals(c.keyHash, keyHash)
                    && Arrays.equals(c.signature, signature);
        }

        @Override
        public int hashCode() {
            return (Arrays.hashCode(keyHash) * 31 + Arrays.hashCode(signature)) * 31 + algorithm;
        }

        @Override
        public String toString() {
            return "KeyAuthExtension.Client[algorithm=" + algorithm + ", keyHash=" + keyHash.length + " bytes]";
        }
    }
}
