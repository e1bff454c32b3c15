package org.wispwar.wisp.endpoint;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.wispwar.wisp.metrics.PrometheusMetrics;

/**
 * {@code GET /<context>/metrics}: the deployment's counters and duration histograms for Prometheus
 * ({@link PrometheusMetrics}), in OpenMetrics text when the scraper's Accept header asks for it, else in the Prometheus
 * text format 0.0.4. Declared in web.xml next to {@link StatsServlet}, with the same access rule ({@link StatsAccess}):
 * 404 unless {@code wisp.stats.enabled}, and 401 without the token when {@code wisp.stats.token} is set. Thread-safe.
 */
public final class MetricsServlet extends HttpServlet {
    private final transient StatsAccess access = new StatsAccess();

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!access.admit(request, response)) {
            return;
        }
        PrometheusMetrics prometheus = access.registry().prometheus();
        String accept = request.getHeader("Accept");
        response.setContentType(prometheus.contentType(accept));
        response.setHeader("Cache-Control", "no-store");
        prometheus.write(accept, response.getOutputStream());
    }
}
