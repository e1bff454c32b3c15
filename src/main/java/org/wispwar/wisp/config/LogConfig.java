package org.wispwar.wisp.config;

import java.util.Set;

/**
 * What the server logs beyond its fixed INFO lines (README "Logging"). Immutable; thread-safe.
 *
 * @param accessLog whether every stream (and wsproxy connection) that ends writes one line on the logger
 *                  {@code org.wispwar.wisp.access}: client IPs and destinations, so personal data
 */
public record LogConfig(boolean accessLog) {
    public static final String ACCESS_LOG = "wisp.accessLog";
    public static final Set<String> NAMES = Set.of(ACCESS_LOG);

    public static LogConfig defaults() {
        return from(new ConfigParams(java.util.Map.of()));
    }

    static LogConfig from(ConfigParams p) {
        return new LogConfig(p.bool(ACCESS_LOG, true));
    }
}
