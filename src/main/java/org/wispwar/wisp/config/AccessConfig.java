package org.wispwar.wisp.config;

import java.util.List;
import java.util.Set;

/**
 * Who may open a WebSocket at all (checked on the HTTP upgrade, before any endpoint runs). Immutable; thread-safe.
 *
 * @param allowedOrigins Origin header values allowed to connect; empty: any origin
 */
public record AccessConfig(List<String> allowedOrigins) {
    public static final String ALLOWED_ORIGINS = "wisp.allowedOrigins";
    public static final Set<String> NAMES = Set.of(ALLOWED_ORIGINS);

    public AccessConfig {
        allowedOrigins = List.copyOf(allowedOrigins);
    }

    public static AccessConfig defaults() {
        return from(new ConfigParams(java.util.Map.of()));
    }

    static AccessConfig from(ConfigParams p) {
        return new AccessConfig(p.list(ALLOWED_ORIGINS));
    }
}
