package org.wispwar.wisp.endpoint;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;
import java.util.Locale;
import org.wispwar.wisp.auth.HandshakeAccess;

/**
 * Refuses WebSocket upgrades that {@link HandshakeAccess} rejects, with 403 (Origin) or 401 (credentials, with
 * {@code WWW-Authenticate} for basic and bearer), before the container's upgrade filter and so before any endpoint
 * exists. Installed by {@link AccessControlListener} ahead of every other filter. Requests that are not upgrades (the
 * static index page) pass untouched. An approved upgrade is marked in {@link #APPROVED} for the rest of the request, so
 * {@link EndpointConfigurator#checkOrigin} can refuse any handshake this filter did not see. Thread-safe: immutable,
 * and the mark is per thread.
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

    AccessFilter(HandshakeAccess access) {
        this.access = access;
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
                LOG.log(System.Logger.Level.DEBUG, "upgrade of {0} from {1} refused (403): {2}", req.getRequestURI(),
                        req.getRemoteAddr(), f.detail());
                resp.sendError(HttpServletResponse.SC_FORBIDDEN);
            }
            case HandshakeAccess.Unauthorized u -> {
                LOG.log(System.Logger.Level.DEBUG, "upgrade of {0} from {1} refused (401): {2}", req.getRequestURI(),
                        req.getRemoteAddr(), u.detail());
                for (String challenge : u.challenges()) {
                    resp.addHeader(WWW_AUTHENTICATE, challenge);
                }
                resp.sendError(HttpServletResponse.SC_UNAUTHORIZED);
            }
        }
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
