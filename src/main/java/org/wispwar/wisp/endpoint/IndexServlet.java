package org.wispwar.wisp.endpoint;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;

/**
 * The page a browser gets at {@code http://host/<context>/}, mapped in web.xml to the context root ({@code ""}).
 *
 * <p>Why a servlet and not a welcome file: Tomcat maps a request for {@code /<context>/} to its welcome file
 * ({@code /index.html}) before its WebSocket filter runs, so a Wisp upgrade to {@code /wisp/} would be matched
 * against {@code /index.html} and land on the wsproxy endpoint {@code /{target}} as target "index.html". The
 * context-root mapping is an exact match, which Tomcat takes before any welcome file, so the upgrade path stays
 * {@code /}. Stateless; thread-safe.
 */
public final class IndexServlet extends HttpServlet {
    static final String PAGE = "/index.html";

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        try (InputStream page = getServletContext().getResourceAsStream(PAGE)) {
            if (page == null) {
                response.sendError(HttpServletResponse.SC_NOT_FOUND);
                return;
            }
            response.setContentType("text/html");
            response.setCharacterEncoding("UTF-8");
            page.transferTo(response.getOutputStream());
        }
    }
}
