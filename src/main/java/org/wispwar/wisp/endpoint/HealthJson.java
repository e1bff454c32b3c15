package org.wispwar.wisp.endpoint;

import java.util.List;
import java.util.Map;

/**
 * A health answer in MicroProfile Health's JSON shape:
 * <pre>{"status":"UP","checks":[{"name":"new-connections","status":"UP","data":{"live":true,"draining":false,
 *  "undeploying":false,"sessions":3}}]}</pre>
 * The overall status is UP only when every check is. Data values are booleans and counts; nothing names a client, a
 * destination or a setting. Stateless; thread-safe.
 */
final class HealthJson {
    static final String UP = "UP";
    static final String DOWN = "DOWN";

    private HealthJson() {
    }

    /** Whether every check is UP. */
    static boolean up(List<HealthState.Check> checks) {
        return checks.stream().allMatch(HealthState.Check::up);
    }

    static String render(List<HealthState.Check> checks) {
        StringBuilder json = new StringBuilder(256).append("{\"status\":");
        StatsJson.string(json, status(up(checks))).append(",\"checks\":[");
        for (HealthState.Check c : checks) {
            json.append("{\"name\":");
            StatsJson.string(json, c.name()).append(",\"status\":");
            StatsJson.string(json, status(c.up())).append(",\"data\":{");
            for (Map.Entry<String, Object> e : c.data().entrySet()) {
                StatsJson.string(json, e.getKey()).append(':');
                switch (e.getValue()) {
                    case Boolean b -> json.append(b.booleanValue());
                    case Long n -> json.append(n.longValue());
                    case Integer n -> json.append(n.intValue());
                    default -> StatsJson.string(json, String.valueOf(e.getValue()));
                }
                json.append(',');
            }
            if (!c.data().isEmpty()) {
                json.setLength(json.length() - 1);
            }
            json.append("}},");
        }
        if (!checks.isEmpty()) {
            json.setLength(json.length() - 1);
        }
        return json.append("]}").toString();
    }

    private static String status(boolean up) {
        return up ? UP : DOWN;
    }
}
