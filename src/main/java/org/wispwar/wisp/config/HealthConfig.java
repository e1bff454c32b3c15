package org.wispwar.wisp.config;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * The health endpoints, {@code GET /<context>/health}, {@code /health/live} and {@code /health/ready}, for load
 * balancers and orchestrators. They answer only UP or DOWN with harmless data (no secrets, destinations or client
 * addresses), so they need no token and are on by default. Immutable; thread-safe.
 *
 * @param enabled    whether the health endpoints answer at all ({@code false}: 404)
 * @param drainGrace how long connections may go on after a drain (JMX) before the server closes them (each stream
 *                   CLOSE 0x02, then WebSocket close 1001 {@code server drained}); zero: never
 */
public record HealthConfig(boolean enabled, Duration drainGrace) {
    public static final String ENABLED = "wisp.health.enabled";
    public static final String DRAIN_GRACE = "wisp.drainGrace";
    public static final Set<String> NAMES = Set.of(ENABLED, DRAIN_GRACE);
    /** The default grace: long enough for most page loads and downloads to end, short enough for a rolling restart. */
    static final Duration DEFAULT_DRAIN_GRACE = Duration.ofMinutes(5);

    public HealthConfig {
        java.util.Objects.requireNonNull(drainGrace, DRAIN_GRACE);
        if (drainGrace.isNegative()) {
            throw new IllegalArgumentException(DRAIN_GRACE + " must be zero or a positive duration, was " + drainGrace);
        }
    }

    public static HealthConfig defaults() {
        return new HealthConfig(true, DEFAULT_DRAIN_GRACE);
    }

    static HealthConfig from(ConfigParams p) {
        return new HealthConfig(p.bool(ENABLED, true), p.duration(DRAIN_GRACE, DEFAULT_DRAIN_GRACE));
    }

    /**
     * Reads the params directly (for the listener that installs the health endpoints, which runs before the
     * CDI-produced {@link WispConfig} exists). Other {@code wisp.*} names are left to {@link WispConfig#from}.
     *
     * @throws IllegalArgumentException naming the param, e.g. {@code wisp.health.enabled must be true or false, was "yes"}
     */
    public static HealthConfig from(Map<String, String> params) {
        return from(new ConfigParams(params));
    }
}
