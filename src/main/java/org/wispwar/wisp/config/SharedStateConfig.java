package org.wispwar.wisp.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * Where the per-client limits are shared between instances: a Redis server that every instance behind the same load
 * balancer points at. Without {@link #URI} the limits stay local to each deployment. Immutable; thread-safe.
 *
 * @param uri       {@code redis://host:port[/db]}, or null: limits are local only
 * @param password  Redis AUTH password, empty for none; written as a value, {@code env:NAME} or {@code file:/path};
 *                  never printed
 * @param onFailure what a limit check answers while Redis cannot be reached in time
 * @param timeout   how long one Redis call may take before it counts as a failure
 */
public record SharedStateConfig(URI uri, String password, OnFailure onFailure, Duration timeout) {
    public static final String URI = "wisp.sharedState";
    public static final String PASSWORD = "wisp.sharedState.password";
    public static final String ON_FAILURE = "wisp.sharedState.onFailure";
    public static final String TIMEOUT = "wisp.sharedState.timeout";
    public static final Set<String> NAMES = Set.of(URI, PASSWORD, ON_FAILURE, TIMEOUT);

    /** The default timeout: short enough that a WebSocket upgrade never notices a slow Redis for long. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(200);

    /**
     * While Redis is unreachable: {@code ALLOW} admits what the local limits admit (each instance enforces its own
     * share, so a client gets at most N times its limits for N instances, as without Redis); {@code DENY} refuses every
     * new connection and stream that needs the shared state (1013 and CLOSE 0x49).
     */
    public enum OnFailure {
        ALLOW, DENY
    }

    public SharedStateConfig {
        password = password == null ? "" : password;
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException(TIMEOUT + " must be a positive duration, was "
                    + (timeout == null ? "null" : timeout.toMillis() + "ms"));
        }
        if (timeout.compareTo(Duration.ofSeconds(10)) > 0) {
            throw new IllegalArgumentException(TIMEOUT + " must be at most 10s (a WebSocket upgrade waits for it), was "
                    + timeout.toMillis() + "ms");
        }
    }

    public static SharedStateConfig defaults() {
        return from(new ConfigParams(java.util.Map.of()));
    }

    /** Whether a shared store is configured. */
    public boolean enabled() {
        return uri != null;
    }

    static SharedStateConfig from(ConfigParams p) {
        return new SharedStateConfig(uri(p.text(URI)), p.secret(PASSWORD), onFailure(p.text(ON_FAILURE)),
                p.duration(TIMEOUT, DEFAULT_TIMEOUT));
    }

    /**
     * Reads the params directly (the registry reads this group itself). Other {@code wisp.*} names are left to
     * {@link WispConfig#from}, which validates this group with the rest at deploy.
     *
     * @throws IllegalArgumentException naming the param
     */
    public static SharedStateConfig from(java.util.Map<String, String> params) {
        return from(new ConfigParams(params));
    }

    static URI uri(String text) {
        if (text.isEmpty()) {
            return null;
        }
        URI u;
        try {
            u = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(URI + " must be a URI such as redis://127.0.0.1:6379/0, was \"" + text
                    + "\"");
        }
        if (!"redis".equalsIgnoreCase(u.getScheme())) {
            throw new IllegalArgumentException(URI + " must start with redis:// (the only store supported), was \""
                    + text + "\"");
        }
        if (u.getHost() == null || u.getHost().isEmpty()) {
            throw new IllegalArgumentException(URI + " must name a host, as in redis://127.0.0.1:6379, was \"" + text
                    + "\"");
        }
        if (u.getPort() == 0 || u.getPort() > 0xFFFF) {
            throw new IllegalArgumentException(URI + " port must be 1..65535, was \"" + text + "\"");
        }
        if (u.getRawUserInfo() != null) {
            throw new IllegalArgumentException(URI + " must not carry a password: use " + PASSWORD
                    + " (env:NAME or file:/path), was a URI with user info");
        }
        if (u.getRawQuery() != null || u.getRawFragment() != null) {
            throw new IllegalArgumentException(URI + " takes no query or fragment, was \"" + text + "\"");
        }
        String path = u.getPath() == null ? "" : u.getPath();
        if (!path.isEmpty() && !path.equals("/") && !path.matches("/(\\d|1[0-5])")) {
            throw new IllegalArgumentException(URI + " database must be /0../15, was \"" + text + "\"");
        }
        return u;
    }

    private static OnFailure onFailure(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "", "allow" -> OnFailure.ALLOW;
            case "deny" -> OnFailure.DENY;
            default -> throw new IllegalArgumentException(ON_FAILURE + " must be allow or deny, was \"" + text + "\"");
        };
    }

    /** The database number in the URI's path, 0 when none. */
    public int database() {
        String path = uri == null || uri.getPath() == null ? "" : uri.getPath();
        return path.length() > 1 ? Integer.parseInt(path.substring(1)) : 0;
    }

    /** Never the password: this is logged at deploy. */
    @Override
    public String toString() {
        return "SharedStateConfig[uri=" + (uri == null ? "none" : uri) + ", password="
                + (password.isEmpty() ? "none" : "(set)") + ", onFailure=" + onFailure.name().toLowerCase(Locale.ROOT)
                + ", timeout=" + timeout.toMillis() + "ms]";
    }
}
