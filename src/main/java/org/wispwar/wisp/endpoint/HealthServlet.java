package org.wispwar.wisp.endpoint;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;

/**
 * {@code GET /<context>/health/live}, {@code /health/ready} and {@code /health} (both checks), for load balancers and
 * orchestrators, in MicroProfile Health's JSON shape ({@link HealthJson}): 200 when UP, 503 when DOWN, never cached.
 * No token is asked for: the answer holds only the status, booleans and the number of open connections. 404 when
 * {@code wisp.health.enabled=false}. Declared in web.xml with exact mappings, so it needs no annotation scanning. A
 * plain GET reaches it on both containers; a WebSocket upgrade to these paths is still the WebSocket layer's (and
 * {@code /health/live} matches no endpoint). Reads the deployment's {@link HealthState}, not the CDI registry, so it
 * answers (DOWN) while the registry is being destroyed. Thread-safe.
 */
public final class HealthServlet extends HttpServlet {
    static final String ALL = "/health";
    static final String LIVE = "/health/live";
    static final String READY = "/health/ready";

    private transient volatile HealthState state;

    @Override
    public void init() {
        state = HealthState.of(getServletContext());
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        HealthState s = state;
        if (!s.enabled()) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        List<HealthState.Check> checks = switch (request.getServletPath()) {
            case LIVE -> List.of(s.live());
            case READY -> List.of(s.ready());
            default -> s.all();
        };
        response.setStatus(HealthJson.up(checks) ? HttpServletResponse.SC_OK
                : HttpServletResponse.SC_SERVICE_UNAVAILABLE);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        response.getWriter().write(HealthJson.render(checks));
    }
}
