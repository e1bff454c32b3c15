package org.wispwar.wisp.config;

import java.util.Map;
import java.util.Set;

/**
 * The health endpoints, {@code GET /<context>/health}, {@code /health/live} and {@code /health/ready}, for load
 * balancers and orchestrators. They answer only UP or DOWN with harmless data (no secrets, destinations or client
 * addresses), so they need no token and are on by default. Immutable; thread-safe.
 *
 * @param enabled whether the health endpoints answer at all ({@code false}: 404)
 */
public record HealthConfig(boolean enabled) {
    public static final String ENABLED = "wisp.health.enabled";
    public static final Set<String> NAMES = Set.of(ENABLED);

    public static HealthConfig defaults() {
        return new HealthConfig(true);
    }

    static HealthConfig from(ConfigParams p) {
        return new HealthConfig(p.bool(ENABLED, true));
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
