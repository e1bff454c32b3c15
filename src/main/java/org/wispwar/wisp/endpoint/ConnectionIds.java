package org.wispwar.wisp.endpoint;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Connection ids unique in the JVM, short enough for every log line: {@code <deployment>.<connection>}, both numbers
 * in base 36, e.g. {@code 3.1f} for the 51st connection of the third deployment since the JVM started.
 *
 * <p>The connection number counts per deployment ({@link AtomicLong}). The deployment number is what makes two
 * deployments in one JVM (two contexts, or one redeployed) never repeat an id: it is taken from a counter every
 * deployment can see, kept as a <em>string</em> system property, {@value #PROPERTY}. A static field would not do (each
 * deployment has its own class loader, so its own copy); a JVM-wide object of ours (an AtomicLong in some registry)
 * would pin the first deployment's class loader after it undeploys. A {@code String} in the system properties belongs
 * to the JDK's loader and keeps nothing of ours alive. {@code Properties.compute} is atomic, so concurrent deployments
 * get different numbers. A random prefix would be as short, but could repeat. Thread-safe.
 */
final class ConnectionIds {
    /** The system property holding the number of the last deployment that took one. */
    static final String PROPERTY = "org.wispwar.wisp.deployments";

    private final String prefix;
    private final AtomicLong connections = new AtomicLong();

    ConnectionIds() {
        prefix = Long.toString(nextDeployment(), 36);
    }

    /** The next id of this deployment. */
    String next() {
        return prefix + "." + Long.toString(connections.incrementAndGet(), 36);
    }

    /** This deployment's part of every id. */
    String prefix() {
        return prefix;
    }

    private static long nextDeployment() {
        Object taken = System.getProperties().compute(PROPERTY, (k, last) -> Long.toString(parse(last) + 1));
        return Long.parseLong((String) taken);
    }

    /** A value someone else put there (not a positive number) starts the count again rather than failing a deploy. */
    private static long parse(Object last) {
        if (last instanceof String s) {
            try {
                return Math.max(0, Long.parseLong(s));
            } catch (NumberFormatException e) {
                return 0;
            }
        }
        return 0;
    }
}
