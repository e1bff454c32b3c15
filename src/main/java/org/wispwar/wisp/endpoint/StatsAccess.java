package org.wispwar.wisp.endpoint;

import jakarta.enterprise.inject.spi.CDI;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import org.wispwar.wisp.config.StatsConfig;

/**
 * The access rule every operator view shares ({@code /stats}, {@code /metrics}, {@code /status}): 404 unless
 * {@code wisp.stats.enabled}; with {@code wisp.stats.token} set, 401 unless the request carries the token, either as
 * {@code Authorization: Bearer <token>} (scrapers, curl) or as the password of HTTP Basic with any user name (so a
 * browser can open the status page: it asks once, then sends the same credentials with the page's own requests).
 * Also finds the CDI registry for servlets, where injection is not available on every container. Thread-safe.
 */
final class StatsAccess {
    private static final System.Logger LOG = System.getLogger(StatsAccess.class.getName());
    static final String BEARER = "Bearer ";
    static final String BASIC = "Basic ";

    private volatile WispRegistry registry;

    /** The deployment's registry, looked up once (a client proxy: nothing to destroy). */
    WispRegistry registry() {
        WispRegistry r = registry;
        if (r == null) {
            registry = r = CDI.current().select(WispRegistry.class).get();
        }
        return r;
    }

    /**
     * Whether the request may see the figures; when not, the answer (404 or 401 with both challenges) has been sent.
     */
    boolean admit(HttpServletRequest request, HttpServletResponse response) throws IOException {
        StatsConfig stats = registry().config().stats();
        if (!stats.enabled()) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return false;
        }
        if (stats.tokenRequired() && !tokenMatches(request.getHeader("Authorization"), stats.token())) {
            LOG.log(System.Logger.Level.DEBUG, "request for {0} without the right token refused",
                    request.getRequestURI());
            response.addHeader("WWW-Authenticate", "Bearer realm=\"wisp-stats\"");
            response.addHeader("WWW-Authenticate", "Basic realm=\"wisp-stats\", charset=\"UTF-8\"");
            response.sendError(HttpServletResponse.SC_UNAUTHORIZED);
            return false;
        }
        return true;
    }

    /**
     * Whether the header carries the token, as a bearer token or as a Basic password. Compares digests with
     * {@link MessageDigest#isEqual}, so the time taken tells nothing about the token.
     */
    static boolean tokenMatches(String authorization, String token) {
        if (authorization == null) {
            return false;
        }
        String offered;
        if (authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            offered = authorization.substring(BEARER.length()).strip();
        } else if (authorization.regionMatches(true, 0, BASIC, 0, BASIC.length())) {
            offered = basicPassword(authorization.substring(BASIC.length()).strip());
            if (offered == null) {
                return false;
            }
        } else {
            return false;
        }
        return MessageDigest.isEqual(sha256(offered), sha256(token));
    }

    /** The password of {@code user:password} in Base64, or null when it is not that. */
    private static String basicPassword(String encoded) {
        try {
            String pair = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
            int colon = pair.indexOf(':');
            return colon < 0 ? null : pair.substring(colon + 1);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
