package org.wispwar.wisp.endpoint;

import jakarta.enterprise.inject.spi.CDI;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.wispwar.wisp.auth.HandshakeAccess;
import org.wispwar.wisp.config.Cidr;
import org.wispwar.wisp.limits.ClientIp;
import org.wispwar.wisp.stream.AccessLog;
import org.wispwar.wisp.metrics.WispMetrics;

/**
 * Refuses WebSocket upgrades that {@link HandshakeAccess} rejects, with 403 (Origin) or 401 (credentials, with
 * {@code WWW-Authenticate} for basic and bearer), before the container's upgrade filter and so before any endpoint
 * exists. Installed by {@link AccessControlListener} ahead of every other filter. Requests that are not upgrades (the
 * static index page) pass untouched. An approved upgrade is marked in {@link #APPROVED} for the rest of the request, so
 * {@link EndpointConfigurator#checkOrigin} can refuse any handshake this filter did not see. Each refusal is counted in
 * {@link WispMetrics#upgradeRefused} (the deployment's counters, found through CDI at the first refusal: the filter is
 * made before the beans). Thread-safe: the mark is per thread, the counters are atomics.
 */
public final class AccessFilter implements Filter {
    private static final System.Logger LOG = System.getLogger(AccessFilter.class.getName());
    static final String WWW_AUTHENTICATE = "WWW-Authenticate";

    /**
     * Set while an approved upgrade runs down the chain. Jetty and Tomcat both run the upgrade (and the Configurator)
     * on the thread that runs the filter chain, as {@link ClientAddressListener} relies on too.
     */
    static final ThreadLocal<Boolean> APPROVED = new ThreadLocal<>();

    private final HandshakeAccess access;
    private final RefusalLog refusals;
    private final List<Cidr> trustedProxies;
    /** The deployment's counters, looked up at the first refusal. */
    private volatile WispMetrics metrics;

    /**
     * @param refusals       the deployment's bounded INFO log of refusals
     * @param trustedProxies for the client address those lines name (as {@link ClientIp} decides it for connections)
     */
    AccessFilter(HandshakeAccess access, RefusalLog refusals, List<Cidr> trustedProxies) {
        this.access = access;
        this.refusals = refusals;
        this.trustedProxies = List.copyOf(trustedProxies);
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest req) || !(response instanceof HttpServletResponse resp)
                || !isUpgrade(req)) {
            chain.doFilter(request, response);
            return;
        }
        switch (access.check(name -> Collections.list(req.getHeaders(name)))) {
            case HandshakeAccess.Allowed allowed -> {
                boolean outermost = APPROVED.get() == null;   // a FORWARD runs this filter again inside the REQUEST
                APPROVED.set(Boolean.TRUE);
                try {
                    chain.doFilter(request, response);
                } finally {
                    if (outermost) {
                        APPROVED.remove();
                    }
                }
            }
            case HandshakeAccess.Forbidden f -> {
                refused(req, HttpServletResponse.SC_FORBIDDEN, f.detail());
                countRefusal(HttpServletResponse.SC_FORBIDDEN);
                resp.sendError(HttpServletResponse.SC_FORBIDDEN);
            }
            case HandshakeAccess.Unauthorized u -> {
                refused(req, HttpServletResponse.SC_UNAUTHORIZED, u.detail());
                for (String challenge : u.challenges()) {
                    resp.addHeader(WWW_AUTHENTICATE, challenge);
                }
                countRefusal(HttpServletResponse.SC_UNAUTHORIZED);
                resp.sendError(HttpServletResponse.SC_UNAUTHORIZED);
            }
        }
    }

    private void countRefusal(int status) {
        WispMetrics m = metrics;
        if (m == null) {
            try {
                metrics = m = CDI.current().select(WispRegistry.class).get().metrics();
            } catch (IllegalStateException e) {   // no CDI container (yet): the refusal still goes out, uncounted
                LOG.log(System.Logger.Level.DEBUG, "refusal {0} not counted: {1}", status, e.toString());
                return;
            }
        }
        m.upgradeRefused(status);
    }

    /**
     * One INFO line per refused upgrade, within the refusal log's rate: client, proxy, Origin, path and why (never the
     * credentials). The client chose Origin and path, so they are quoted as the access log quotes values.
     */
    private void refused(HttpServletRequest req, int status, String detail) {
        refusals.refused(Integer.toString(status), () -> {
            String peer = req.getRemoteAddr();
            String client = ClientIp.resolve(peer, Collections.list(req.getHeaders("X-Forwarded-For")),
                    req.getHeader("X-Real-IP"), trustedProxies);
            return "upgrade refused (" + status + "): client=" + AccessLog.value(client) + " via="
                    + AccessLog.value(client.equals(peer) ? null : peer) + " origin="
                    + AccessLog.value(req.getHeader("Origin")) + " path=" + AccessLog.value(req.getRequestURI())
                    + " why=" + AccessLog.value(detail);
        });
        LOG.log(System.Logger.Level.DEBUG, "upgrade of {0} from {1} refused ({2}): {3}", req.getRequestURI(),
                req.getRemoteAddr(), status, detail);
    }

    /**
     * Anything that could become a WebSocket: an Upgrade header mentioning websocket anywhere, in any case (wider than
     * the containers' token match, so nothing they would upgrade slips past), or an HTTP/2 extended CONNECT (RFC 8441,
     * which has no Upgrade header). Other upgrades, such as the {@code h2c} that the JDK HTTP client tries on every
     * plain request, are not WebSockets and pass.
     */
    static boolean isUpgrade(HttpServletRequest req) {
        if ("CONNECT".equalsIgnoreCase(req.getMethod())) {
            return true;
        }
        for (String value : Collections.list(req.getHeaders("Upgrade"))) {
            if (value.toLowerCase(Locale.ROOT).contains("websocket")) {
                return true;
            }
        }
        return false;
    }
}
