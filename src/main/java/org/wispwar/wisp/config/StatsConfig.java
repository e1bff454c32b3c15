package org.wispwar.wisp.config;

import java.util.Set;

/**
 * The JSON statistics endpoint, {@code GET /<context>/stats}. It only ever shows counters: no config, no secrets, no
 * destinations, no client addresses. Immutable; thread-safe.
 *
 * @param enabled whether {@code /<context>/stats} answers at all (off by default: 404)
 * @param token   when not empty, requests must carry {@code Authorization: Bearer <token>} (else 401); empty: no token
 *                is asked for. Written as a value, {@code env:NAME} or {@code file:/path}; never printed
 */
public record StatsConfig(boolean enabled, String token) {
    public static final String ENABLED = "wisp.stats.enabled";
    public static final String TOKEN = "wisp.stats.token";
    public static final Set<String> NAMES = Set.of(ENABLED, TOKEN);

    public StatsConfig {
        token = token == null ? "" : token;
    }

    public static StatsConfig defaults() {
        return from(new ConfigParams(java.util.Map.of()));
    }

    static StatsConfig from(ConfigParams p) {
        return new StatsConfig(p.bool(ENABLED, false), p.secret(TOKEN));
    }

    /** Whether a token is required. */
    public boolean tokenRequired() {
        return !token.isEmpty();
    }

    /** Never the token itself: this is logged with the rest of the config at deploy. */
    @Override
    public String toString() {
        return "StatsConfig[enabled=" + enabled + ", token=" + (token.isEmpty() ? "none" : "(set)") + "]";
    }
}
