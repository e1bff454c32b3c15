package org.wispwar.wisp.testing;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a Prometheus text or OpenMetrics exposition back into its samples, for assertions: {@code name{labels}} →
 * value, in the order written, comments and {@code # EOF} skipped. Only what the WAR writes (no timestamps, no
 * exemplars). Stateless.
 */
public final class Exposition {
    private Exposition() {
    }

    public static Map<String, Double> samples(String text) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            if (space < 0) {
                throw new IllegalArgumentException("not a sample line: " + line);
            }
            out.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return out;
    }
}
