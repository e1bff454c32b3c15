package org.wispwar.wisp.endpoint;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * {@code GET /<context>/stats}: the deployment's counters as JSON ({@link StatsJson}), the numbers the MBean shows.
 * Declared in web.xml, so it needs no annotation scanning. A plain GET reaches it; a WebSocket upgrade to the same path
 * is still taken by the container's WebSocket layer first (wsproxy's {@code /{target}}), so Wisp at {@code /<context>/}
 * and wsproxy are unaffected. Answers 404 unless {@code wisp.stats.enabled}, and 401 without the bearer token when
 * {@code wisp.stats.token} is set ({@link StatsAccess}). Thread-safe.
 */
public final class StatsServlet extends HttpServlet {
    private final transient StatsAccess access = new StatsAccess();

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!access.admit(request, response)) {
            return;
        }
        WispRegistry r = access.registry();
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        response.getWriter().write(StatsJson.render(r.metrics(), r.memory(), r.history().snapshot()));
    }
}
