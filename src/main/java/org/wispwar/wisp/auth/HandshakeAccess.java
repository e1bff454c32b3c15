package org.wispwar.wisp.auth;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.wispwar.wisp.config.AccessConfig;
import org.wispwar.wisp.config.AccessConfig.NamedSecret;
import org.wispwar.wisp.config.AccessConfig.Secret;

/**
 * Decides whether a WebSocket upgrade request may proceed, from its headers alone ({@link AccessConfig}): first the
 * Origin (refused: 403), then the configured authentication methods combined by the mode (refused: 401 with a
 * challenge for basic and bearer). Knows nothing about servlets, so it is tested without a container. Immutable;
 * thread-safe.
 */
public final class HandshakeAccess {
    static final String REALM = "wisp";
    public static final String BASIC_CHALLENGE = "Basic realm=\"" + REALM + "\"";
    public static final String BEARER_CHALLENGE = "Bearer realm=\"" + REALM + "\"";
    static final String AUTHORIZATION = "Authorization";
    static final String ORIGIN = "Origin";
    static final String COOKIE = "Cookie";
    private static final String BASIC = "basic ";
    private static final String BEARER = "bearer ";

    /** What to do with the upgrade. Details name the failed checks for a DEBUG log line; they never hold a secret. */
    public sealed interface Verdict permits Allowed, Forbidden, Unauthorized {
    }

    /** Let the upgrade through. */
    public record Allowed() implements Verdict {
    }

    /** 403: the Origin is not allowed; credentials would not change that. */
    public record Forbidden(String detail) implements Verdict {
    }

    /** 401: credentials are missing or wrong; {@code challenges} go into WWW-Authenticate headers. */
    public record Unauthorized(List<String> challenges, String detail) implements Verdict {
        public Unauthorized {
            challenges = List.copyOf(challenges);
        }
    }

    private final AccessConfig config;

    public HandshakeAccess(AccessConfig config) {
        this.config = config;
    }

    public AccessConfig config() {
        return config;
    }

    /**
     * @param headers every value of a request header by its name, case-insensitively; an empty list when absent
     */
    public Verdict check(Function<String, List<String>> headers) {
        for (String origin : headers.apply(ORIGIN)) {
            if (!config.originAllowed(origin)) {
                return new Forbidden("origin " + origin + " is not allowed");
            }
        }
        if (!config.authRequired()) {
            return new Allowed();
        }
        List<String> authorization = headers.apply(AUTHORIZATION);
        List<String> failed = new ArrayList<>();
        int configured = 0;
        int satisfied = 0;
        if (!config.basic().isEmpty()) {
            configured++;
            satisfied += count(basic(authorization), "basic", failed);
        }
        if (!config.bearer().isEmpty()) {
            configured++;
            satisfied += count(bearer(authorization), "bearer", failed);
        }
        if (!config.headers().isEmpty()) {
            configured++;
            satisfied += count(header(headers), "header", failed);
        }
        if (!config.cookies().isEmpty()) {
            configured++;
            satisfied += count(cookie(headers.apply(COOKIE)), "cookie", failed);
        }
        boolean ok = config.mode() == AccessConfig.Mode.ANY ? satisfied > 0 : satisfied == configured;
        if (ok) {
            return new Allowed();
        }
        List<String> challenges = new ArrayList<>();
        if (!config.basic().isEmpty()) {
            challenges.add(BASIC_CHALLENGE);
        }
        if (!config.bearer().isEmpty()) {
            challenges.add(BEARER_CHALLENGE);
        }
        return new Unauthorized(challenges, "no accepted credentials (mode "
                + config.mode().name().toLowerCase(Locale.ROOT) + "; failed: " + String.join(", ", failed) + ")");
    }

    private static int count(boolean passed, String method, List<String> failed) {
        if (!passed) {
            failed.add(method);
        }
        return passed ? 1 : 0;
    }

    private boolean basic(List<String> authorization) {
        boolean hit = false;
        for (String value : authorization) {
            if (value.regionMatches(true, 0, BASIC, 0, BASIC.length())) {
                String decoded;
                try {
                    decoded = new String(Base64.getDecoder().decode(value.substring(BASIC.length()).strip()),
                            StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    continue;   // not base64: no credentials
                }
                hit |= Secret.anyMatches(config.basic(), decoded);
            }
        }
        return hit;
    }

    private boolean bearer(List<String> authorization) {
        boolean hit = false;
        for (String value : authorization) {
            if (value.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
                hit |= Secret.anyMatches(config.bearer(), value.substring(BEARER.length()).strip());
            }
        }
        return hit;
    }

    private boolean header(Function<String, List<String>> headers) {
        boolean hit = false;
        for (NamedSecret expected : config.headers()) {
            for (String value : headers.apply(expected.name())) {
                hit |= expected.value().matches(value.strip());
            }
        }
        return hit;
    }

    /** Parses {@code Cookie: a=b; c=d} (RFC 6265 §4.2; a value may be quoted). */
    private boolean cookie(List<String> cookieHeaders) {
        boolean hit = false;
        for (String header : cookieHeaders) {
            for (String pair : header.split(";")) {
                int eq = pair.indexOf('=');
                if (eq < 0) {
                    continue;
                }
                String name = pair.substring(0, eq).strip();
                String value = pair.substring(eq + 1).strip();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                }
                for (NamedSecret expected : config.cookies()) {
                    if (expected.name().equals(name)) {
                        hit |= expected.value().matches(value);
                    }
                }
            }
        }
        return hit;
    }
}
