package org.wispwar.wisp.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who may open a WebSocket at all, checked on the HTTP upgrade before any endpoint exists: an Origin allow list and
 * upgrade authentication by basic, bearer token, header or cookie. Every part is off by default. Entries of one method
 * are alternatives (several users, several tokens, a key being rotated); {@link #mode} says whether one satisfied
 * method is enough or every configured one is needed. Secrets are kept only as SHA-256 digests and compared in constant
 * time; {@link #toString()} prints none of them. Immutable; thread-safe.
 *
 * @param allowedOrigins browser origins allowed to connect; empty: any origin (a request without Origin always passes)
 * @param basic          {@code user:password} pairs for {@code Authorization: Basic}
 * @param bearer         tokens for {@code Authorization: Bearer}
 * @param headers        {@code Name=value}: a request header that must carry the value
 * @param cookies        {@code name=value}: a cookie that must carry the value
 * @param mode           whether any configured method suffices or all are needed
 */
public record AccessConfig(List<OriginPattern> allowedOrigins, List<Secret> basic, List<Secret> bearer,
        List<NamedSecret> headers, List<NamedSecret> cookies, Mode mode) {
    public static final String ALLOWED_ORIGINS = "wisp.allowedOrigins";
    public static final String AUTH_BASIC = "wisp.auth.basic";
    public static final String AUTH_BEARER = "wisp.auth.bearer";
    public static final String AUTH_HEADER = "wisp.auth.header";
    public static final String AUTH_COOKIE = "wisp.auth.cookie";
    public static final String AUTH_MODE = "wisp.auth.mode";
    public static final Set<String> NAMES = Set.of(ALLOWED_ORIGINS, AUTH_BASIC, AUTH_BEARER, AUTH_HEADER, AUTH_COOKIE,
            AUTH_MODE);

    /** RFC 9110 token: header and cookie names. */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    /** RFC 6750 b64token. */
    private static final Pattern BEARER_TOKEN = Pattern.compile("[A-Za-z0-9._~+/-]+=*");
    /** RFC 6265 cookie-octet. */
    private static final Pattern COOKIE_VALUE = Pattern.compile("[\\x21\\x23-\\x2B\\x2D-\\x3A\\x3C-\\x5B\\x5D-\\x7E]+");
    /** Visible ASCII, space and tab: what a header value may hold. */
    private static final Pattern HEADER_VALUE = Pattern.compile("[\\x20-\\x7E\\t]+");
    /** Anything but control characters (the password travels base64-encoded, as UTF-8). */
    private static final Pattern PASSWORD = Pattern.compile("[^\\p{Cntrl}]+");
    private static final String SECRET_HINT = " (a secret may be written as env:NAME or file:/path)";

    /** How the configured methods combine. */
    public enum Mode {
        /** One satisfied method is enough. */
        ANY,
        /** Every configured method must be satisfied. */
        ALL
    }

    public AccessConfig {
        allowedOrigins = List.copyOf(allowedOrigins);
        basic = List.copyOf(basic);
        bearer = List.copyOf(bearer);
        headers = List.copyOf(headers);
        cookies = List.copyOf(cookies);
        java.util.Objects.requireNonNull(mode, "mode");
        if (mode == Mode.ALL && !basic.isEmpty() && !bearer.isEmpty()) {
            throw new IllegalArgumentException(AUTH_MODE + "=all cannot require both " + AUTH_BASIC + " and "
                    + AUTH_BEARER + ": a request has one Authorization header");
        }
    }

    public static AccessConfig defaults() {
        return from(new ConfigParams(java.util.Map.of()));
    }

    /**
     * Reads just this group from the raw context params, for code that runs before CDI has produced the whole
     * {@link WispConfig} (the access filter's installer). Fails like {@link WispConfig#from}.
     */
    public static AccessConfig from(java.util.Map<String, String> params) {
        return from(new ConfigParams(params));
    }

    static AccessConfig from(ConfigParams p) {
        List<OriginPattern> origins = new ArrayList<>();
        for (String entry : p.list(ALLOWED_ORIGINS)) {
            origins.add(OriginPattern.parse(entry));
        }
        return new AccessConfig(origins, basic(p), bearer(p), named(p, AUTH_HEADER, "Name=value", HEADER_VALUE),
                named(p, AUTH_COOKIE, "name=value", COOKIE_VALUE), mode(p.text(AUTH_MODE)));
    }

    /** Whether anything is checked at all. */
    public boolean enabled() {
        return !allowedOrigins.isEmpty() || authRequired();
    }

    /** Whether some authentication method is configured. */
    public boolean authRequired() {
        return !basic.isEmpty() || !bearer.isEmpty() || !headers.isEmpty() || !cookies.isEmpty();
    }

    /**
     * Whether a browser at {@code origin} (the Origin header's value) may connect. No allow list, or no Origin header
     * (not a browser: a non-browser client can send any Origin it likes, so refusing one without proves nothing),
     * allows it.
     */
    public boolean originAllowed(String origin) {
        if (allowedOrigins.isEmpty() || origin == null) {
            return true;
        }
        OriginPattern.Parsed parsed = OriginPattern.Parsed.of(origin.strip());
        for (OriginPattern pattern : allowedOrigins) {
            if (pattern.matches(origin.strip(), parsed)) {
                return true;
            }
        }
        return false;
    }

    /** Never prints a secret: only how many of each there are, and the header and cookie names. */
    @Override
    public String toString() {
        return "AccessConfig[allowedOrigins=" + allowedOrigins + ", basic=" + basic.size() + " user(s), bearer="
                + bearer.size() + " token(s), header=" + headers.stream().map(NamedSecret::name).toList() + ", cookie="
                + cookies.stream().map(NamedSecret::name).toList() + ", mode=" + mode.name().toLowerCase(Locale.ROOT)
                + "]";
    }

    private static List<Secret> basic(ConfigParams p) {
        List<Secret> out = new ArrayList<>();
        List<String> entries = p.list(AUTH_BASIC);
        for (int i = 0; i < entries.size(); i++) {
            String entry = entries.get(i);
            int colon = entry.indexOf(':');
            if (colon <= 0 || colon == entry.length() - 1) {
                // the entry is not echoed: a mistyped one may be a password
                throw new IllegalArgumentException(AUTH_BASIC + " entry " + (i + 1) + " must look like user:password"
                        + SECRET_HINT);
            }
            String user = entry.substring(0, colon);
            String password = p.resolveSecret(AUTH_BASIC, entry.substring(colon + 1));
            if (!PASSWORD.matcher(password).matches()) {
                throw new IllegalArgumentException(AUTH_BASIC + " entry " + (i + 1) + " for user " + user
                        + " needs a non-empty password without control characters");
            }
            out.add(Secret.of(user + ":" + password));
        }
        return out;
    }

    private static List<Secret> bearer(ConfigParams p) {
        List<Secret> out = new ArrayList<>();
        List<String> entries = p.list(AUTH_BEARER);
        for (int i = 0; i < entries.size(); i++) {
            String token = p.resolveSecret(AUTH_BEARER, entries.get(i));
            if (!BEARER_TOKEN.matcher(token).matches()) {
                throw new IllegalArgumentException(AUTH_BEARER + " entry " + (i + 1)
                        + " is not a bearer token: use letters, digits and - . _ ~ + / (then optional =)"
                        + SECRET_HINT);
            }
            out.add(Secret.of(token));
        }
        return out;
    }

    private static List<NamedSecret> named(ConfigParams p, String param, String shape, Pattern valueSyntax) {
        List<NamedSecret> out = new ArrayList<>();
        List<String> entries = p.list(param);
        for (int i = 0; i < entries.size(); i++) {
            String entry = entries.get(i);
            int eq = entry.indexOf('=');
            String name = eq < 0 ? "" : entry.substring(0, eq);
            if (eq < 0 || !TOKEN.matcher(name).matches() || eq == entry.length() - 1) {
                throw new IllegalArgumentException(param + " entry " + (i + 1) + " must look like " + shape
                        + ", with a name of letters, digits and !#$%&'*+.^_`|~-" + SECRET_HINT);
            }
            String value = p.resolveSecret(param, entry.substring(eq + 1));
            if (!valueSyntax.matcher(value).matches()) {
                throw new IllegalArgumentException(param + " entry " + (i + 1) + " (" + name
                        + ") has a value that cannot be sent in " + (param.equals(AUTH_COOKIE) ? "a cookie" : "a header"));
            }
            out.add(new NamedSecret(name, Secret.of(value)));
        }
        return out;
    }

    private static Mode mode(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "", "any" -> Mode.ANY;
            case "all" -> Mode.ALL;
            default -> throw new IllegalArgumentException(AUTH_MODE + " must be any or all, was \"" + text + "\"");
        };
    }

    /**
     * A credential kept only as its SHA-256 digest. Comparing digests with {@link MessageDigest#isEqual} takes the
     * same time whatever the candidate, its length included. Immutable; thread-safe.
     */
    public static final class Secret {
        private final byte[] sha256;

        private Secret(byte[] sha256) {
            this.sha256 = sha256;
        }

        public static Secret of(String value) {
            return new Secret(digest(value));
        }

        /** Constant-time comparison with a candidate from a request. */
        public boolean matches(String candidate) {
            return MessageDigest.isEqual(sha256, digest(candidate));
        }

        /** Whether any of {@code secrets} matches, looking at every one (no early exit). */
        public static boolean anyMatches(List<Secret> secrets, String candidate) {
            byte[] d = digest(candidate);
            boolean hit = false;
            for (Secret s : secrets) {
                hit |= MessageDigest.isEqual(s.sha256, d);
            }
            return hit;
        }

        private static byte[] digest(String value) {
            try {
                return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JDK has SHA-256", e);
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Secret s && Arrays.equals(s.sha256, sha256);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(sha256);
        }

        @Override
        public String toString() {
            return "Secret[***]";
        }
    }

    /** A header or cookie name with the value it must carry. */
    public record NamedSecret(String name, Secret value) {
    }

    /**
     * One allowed origin: {@code scheme://host[:port]}, a {@code *.} host prefix for every subdomain (not the domain
     * itself), or the literal {@code null} (sandboxed frames, {@code file:} pages). Scheme and host compare
     * case-insensitively and a default port (80, 443) may be written or left out. Immutable; thread-safe.
     */
    public record OriginPattern(String scheme, String host, boolean subdomains, int port) {
        private static final Pattern ORIGIN = Pattern.compile(
                "([A-Za-z][A-Za-z0-9+.-]*)://(\\*\\.)?(\\[[0-9A-Fa-f:.]+]|[^/:?#\\s\\[\\]*]+)(?::(\\d{1,5}))?/?");
        static final String NULL = "null";

        /** Parses one entry of {@code wisp.allowedOrigins}. */
        public static OriginPattern parse(String entry) {
            if (entry.equals(NULL)) {
                return new OriginPattern(NULL, "", false, -1);
            }
            Parsed p = Parsed.of(entry, true);
            if (p == null) {
                throw new IllegalArgumentException(ALLOWED_ORIGINS + " entries must look like https://app.example,"
                        + " https://*.example.com, http://localhost:8080 or null, was \"" + entry + "\"");
            }
            return new OriginPattern(p.scheme, p.host, p.subdomains, p.port);
        }

        boolean matches(String raw, Parsed origin) {
            if (scheme.equals(NULL)) {
                return raw.equals(NULL);
            }
            if (origin == null || !origin.scheme.equals(scheme) || origin.port != port) {
                return false;
            }
            return subdomains ? origin.host.endsWith("." + host) : origin.host.equals(host);
        }

        @Override
        public String toString() {
            if (scheme.equals(NULL)) {
                return NULL;
            }
            return scheme + "://" + (subdomains ? "*." : "") + host + (port == defaultPort(scheme) ? "" : ":" + port);
        }

        private static int defaultPort(String scheme) {
            return switch (scheme) {
                case "http", "ws" -> 80;
                case "https", "wss" -> 443;
                default -> -1;
            };
        }

        /** A parsed origin, lower-cased, with its default port filled in. */
        record Parsed(String scheme, String host, boolean subdomains, int port) {
            static Parsed of(String text) {
                return of(text, false);
            }

            static Parsed of(String text, boolean allowWildcard) {
                Matcher m = ORIGIN.matcher(text);
                if (!m.matches() || (m.group(2) != null && !allowWildcard)) {
                    return null;
                }
                String scheme = m.group(1).toLowerCase(Locale.ROOT);
                int port = m.group(4) == null ? defaultPort(scheme) : Integer.parseInt(m.group(4));
                if (m.group(4) != null && (port < 1 || port > 0xFFFF)) {
                    return null;
                }
                return new Parsed(scheme, m.group(3).toLowerCase(Locale.ROOT), m.group(2) != null, port);
            }
        }
    }
}
