package org.wispwar.wisp.endpoint;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * {@code GET /<context>/status}: the operator's live status page, and its script and style sheet at
 * {@code /<context>/status.js} and {@code /<context>/status.css}. The page polls {@code /<context>/stats} every two
 * seconds and draws the figures and the throughput history ({@link StatsJson}) itself; nothing is loaded from anywhere
 * else. All three answer under the statistics access rule ({@link StatsAccess}: 404 unless {@code wisp.stats.enabled},
 * 401 with a Bearer and a Basic challenge without the token), so a browser asks for the token once (any user name, the
 * token as password) and sends it with the page's own requests.
 *
 * <p>The three files live in the classes ({@code WEB-INF/classes/.../status/}), where the container's default servlet
 * never serves them, and are read once at init. Every answer carries a strict Content-Security-Policy ({@link #CSP}):
 * only same-origin scripts, styles and fetches, no inline code, no frames. Thread-safe: the files are immutable after
 * {@link #init()}.
 */
public final class StatusServlet extends HttpServlet {
    /** Same-origin script, style and fetch only; no inline script or style, no plugins, frames or forms. */
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            + "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /** A file the servlet serves, by its servlet path. */
    record Resource(String file, String contentType) {
    }

    static final Map<String, Resource> RESOURCES = Map.of(
            "/status", new Resource("status.html", "text/html;charset=UTF-8"),
            "/status.js", new Resource("status.js", "text/javascript;charset=UTF-8"),
            "/status.css", new Resource("status.css", "text/css;charset=UTF-8"));

    private final transient StatsAccess access = new StatsAccess();
    private transient Map<String, byte[]> contents;

    @Override
    public void init() throws ServletException {
        Map<String, byte[]> loaded = new java.util.HashMap<>();
        for (Map.Entry<String, Resource> e : RESOURCES.entrySet()) {
            loaded.put(e.getKey(), read(e.getValue().file()));
        }
        contents = Map.copyOf(loaded);
    }

    static byte[] read(String file) throws ServletException {
        try (InputStream in = StatusServlet.class.getResourceAsStream("status/" + file)) {
            if (in == null) {
                throw new ServletException("status page resource status/" + file + " is missing from the WAR");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new ServletException("status page resource status/" + file + " cannot be read", e);
        }
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!access.admit(request, response)) {
            return;
        }
        String path = request.getServletPath();
        Resource resource = RESOURCES.get(path);
        if (resource == null) {   // only when web.xml maps this servlet to more paths than it has files for
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        byte[] body = contents.get(path);
        response.setHeader("Content-Security-Policy", CSP);
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Referrer-Policy", "no-referrer");
        response.setHeader("Cache-Control", "no-store");
        response.setContentType(resource.contentType());
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
