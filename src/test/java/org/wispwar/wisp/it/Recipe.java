package org.wispwar.wisp.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * A proxy config the README quotes and a test runs ({@link Nginx}, {@link HaProxy}): the copy kept under
 * {@code src/test/resources} must equal the README's block, so the two cannot drift. Stateless.
 */
final class Recipe {
    private Recipe() {
    }

    /** A test resource, verbatim. */
    static String resource(String path) throws IOException {
        try (var in = Recipe.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IOException(path + " is not on the test classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The first {@code ```language} block after the heading line {@code heading} (e.g. "### Behind nginx"), verbatim. */
    static String readmeBlock(Path readme, String heading, String language) throws IOException {
        String text = Files.readString(readme);
        int section = text.indexOf("\n" + heading + "\n");
        if (section < 0) {
            throw new AssertionError(readme + " has no section \"" + heading + "\"");
        }
        String fence = "```" + language + "\n";
        int open = text.indexOf(fence, section);
        int close = open < 0 ? -1 : text.indexOf("\n```\n", open);
        if (open < 0 || close < 0) {
            throw new AssertionError(readme + " \"" + heading + "\" has no ```" + language + " block");
        }
        return text.substring(open + fence.length(), close + 1);
    }

    /**
     * Polls (bounded by {@code within}) until {@code process}, once {@code ready} says it has bound, accepts a
     * connection on 127.0.0.1:{@code port}; false if it exited or did not listen in time.
     */
    static boolean awaitAccepting(Process process, int port, java.util.function.BooleanSupplier ready,
            java.time.Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (!process.isAlive()) {
                return false;
            }
            if (ready.getAsBoolean()) {
                try (java.net.Socket s = new java.net.Socket()) {
                    s.connect(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 1000);
                    return true;
                } catch (IOException e) {
                    // not accepting yet: poll again
                }
            }
            java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(20));
        }
        return false;
    }

    /** How often {@code part} occurs in {@code text}. */
    static int count(String text, String part) {
        return text.split(Pattern.quote(part), -1).length - 1;
    }
}
