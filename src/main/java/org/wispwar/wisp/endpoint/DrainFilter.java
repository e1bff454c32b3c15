package org.wispwar.wisp.endpoint;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Refuses new WebSocket upgrades (Wisp and wsproxy) with 503 and {@code Retry-After} while the deployment is not ready
 * ({@link HealthState#acceptsUpgrades()}: draining, undeploying, or not started), before the container's upgrade filter
 * and so before any endpoint exists. Open connections are not requests and are never touched. Installed always by
 * {@link HealthListener} ahead of the container's filters. While the deployment takes connections, every request
 * costs three volatile reads; only then are the headers looked at. Thread-safe: holds only the shared state.
 */
public final class DrainFilter implements Filter {
    private static final System.Logger LOG = System.getLogger(DrainFilter.class.getName());
    /** Seconds a refused client is told to wait (a load balancer will have moved it elsewhere by then). */
    static final int RETRY_AFTER_SECONDS = 5;

    private final HealthState state;

    DrainFilter(HealthState state) {
        this.state = state;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (state.acceptsUpgrades() || !(request instanceof HttpServletRequest req)
                || !(response instanceof HttpServletResponse resp) || !AccessFilter.isUpgrade(req)) {
            chain.doFilter(request, response);
            return;
        }
        state.upgradeRefused(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
        LOG.log(System.Logger.Level.DEBUG, "upgrade of {0} refused (503): not taking new connections",
                req.getRequestURI());
        resp.setHeader("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
        resp.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
    }
}
