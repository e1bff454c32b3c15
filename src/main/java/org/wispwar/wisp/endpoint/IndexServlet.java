package org.wispwar.wisp.endpoint;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.wispwar.wisp.config.ServerVersion;

/**
 * The page a browser gets at {@code http://host/<context>/}, mapped in web.xml to the context root ({@code ""}).
 *
 * <p>Why a servlet and not a welcome file: Tomcat maps a request for {@code /<context>/} to its welcome file
 * ({@code /index.html}) before its WebSocket filter runs, so a Wisp upgrade to {@code /wisp/} would be matched
 * against {@code /index.html} and land on the wsproxy endpoint {@code /{target}} as target "index.html". The
 * context-root mapping is an exact match, which Tomcat takes before any welcome file, so the upgrade path stays
 * {@code /}. The page shows the WAR's version ({@link ServerVersion}), written in place of the {@link #VERSION_MARK}
 * comment (which the raw {@code /index.html} keeps, showing nothing). Stateless; thread-safe.
 */
public final class IndexServlet extends HttpServlet {
    static final String PAGE = "/index.html";
    /** Where the version goes in the page. */
    static final String VERSION_MARK = "<!--wisp-version-->";

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        try (InputStream page = getServletContext().getResourceAsStream(PAGE)) {
            if (page == null) {
                response.sendError(HttpServletResponse.SC_NOT_FOUND);
                return;
            }
            String html = new String(page.readAllBytes(), StandardCharsets.UTF_8)
                    .replace(VERSION_MARK, escapeHtml(ServerVersion.get()));
            response.setContentType("text/html");
            response.setCharacterEncoding("UTF-8");
            response.getWriter().write(html);
        }
    }

    /** Text safe inside HTML element content and attribute values. */
    static String escapeHtml(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
