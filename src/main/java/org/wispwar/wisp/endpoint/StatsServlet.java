package org.wispwar.wisp.endpoint;

import jakarta.enterprise.inject.spi.CDI;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.wispwar.wisp.config.StatsConfig;

/**
 * {@code GET /<context>/stats}: the deployment's counters as JSON ({@link StatsJson}), the numbers the MBean shows.
 * Declared in web.xml, so it needs no annotation scanning. A plain GET reaches it; a WebSocket upgrade to the same path
 * is still taken by the container's WebSocket layer first (wsproxy's {@code /{target}}), so Wisp at {@code /<context>/}
 * and wsproxy are unaffected. Answers 404 unless {@code wisp.stats.enabled}, and 401 without the bearer token when
 * {@code wisp.stats.token} is set. Thread-safe: the registry is looked up once, like in {@link EndpointConfigurator}
 * (CDI injection into servlets is not available on every container).
 */
public final class StatsServlet extends HttpServlet {
    private static final System.Logger LOG = System.getLogger(StatsServlet.class.getName());
    static final String BEARER = "Bearer ";

    private transient volatile WispRegistry registry;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        WispRegistry r = registry;
        if (r == null) {
            registry = r = CDI.current().select(WispRegistry.class).get();   // a client proxy: nothing to destroy
        }
        StatsConfig stats = r.config().stats();
        if (!stats.enabled()) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        if (stats.tokenRequired() && !tokenMatches(request.getHeader("Authorization"), stats.token())) {
            LOG.log(System.Logger.Level.DEBUG, "statistics request without the right token refused");
            response.setHeader("WWW-Authenticate", "Bearer realm=\"wisp-stats\"");
            response.sendError(HttpServletResponse.SC_UNAUTHORIZED);
            return;
        }
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        response.getWriter().write(StatsJson.render(r.metrics(), r.memory()));
    }

    /** Compares digests with {@link MessageDigest#isEqual}, so the time taken tells nothing about the token. */
    static boolean tokenMatches(String authorization, String token) {
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        return MessageDigest.isEqual(sha256(authorization.substring(BEARER.length()).strip()), sha256(token));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
