package org.wispwar.wisp.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The deploy-time line saying which params were set and where from: the WAR's own {@code WEB-INF/web.xml}, or the
 * container (a Tomcat {@code <Parameter>}, a Jetty override descriptor or context XML). Values are shown, except those
 * of secret params, which are never printed. Stateless; thread-safe.
 */
public final class ParamSources {
    /** Params whose values are secrets (tokens, passwords, header and cookie values): named, never shown. */
    public static final Set<String> SECRETS = Set.of(StatsConfig.TOKEN, AccessConfig.AUTH_BASIC,
            AccessConfig.AUTH_BEARER, AccessConfig.AUTH_HEADER, AccessConfig.AUTH_COOKIE);

    private ParamSources() {
    }

    /**
     * For example {@code "wisp.bufferSize=64 (container), wisp.stats.token=(secret) (container)"}, or
     * {@code "none: every setting at its default"}.
     *
     * @param effective the context's params as the application sees them (only {@code wisp.*} ones are described)
     * @param webXml    the params the WAR's web.xml declares, with their values there
     */
    public static String describe(Map<String, String> effective, Map<String, String> webXml) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : new TreeMap<>(effective).entrySet()) {
            String name = e.getKey();
            if (!name.startsWith("wisp.") || e.getValue() == null || e.getValue().isBlank()) {
                continue;
            }
            String value = SECRETS.contains(name) ? "(secret)" : e.getValue().strip().replaceAll("\\s+", " ");
            String from = e.getValue().equals(webXml.get(name)) ? "web.xml" : "container";
            out.add(name + "=" + value + " (" + from + ")");
        }
        return out.isEmpty() ? "none: every setting at its default" : String.join(", ", out);
    }
}
