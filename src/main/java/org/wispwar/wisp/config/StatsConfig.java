package org.wispwar.wisp.config;

import java.util.Set;

/**
 * The statistics endpoint. Immutable; thread-safe.
 *
 * @param enabled whether {@code /<context>/stats} answers at all (off by default)
 */
public record StatsConfig(boolean enabled) {
    public static final String ENABLED = "wisp.stats.enabled";
    public static final Set<String> NAMES = Set.of(ENABLED);

    public static StatsConfig defaults() {
        return from(new ConfigParams(java.util.Map.of()));
    }

    static StatsConfig from(ConfigParams p) {
        return new StatsConfig(p.bool(ENABLED, false));
    }
}
