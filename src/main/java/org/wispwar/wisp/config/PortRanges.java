package org.wispwar.wisp.config;

import java.util.ArrayList;
import java.util.List;

/** A set of ports written as {@code 80,443,8000-8999}. Immutable; thread-safe. */
public record PortRanges(List<int[]> ranges) {
    public static final PortRanges NONE = new PortRanges(List.of());

    public PortRanges {
        List<int[]> copy = new ArrayList<>();
        for (int[] r : ranges) {
            copy.add(r.clone());
        }
        ranges = List.copyOf(copy);
    }

    /** Parses list entries; {@code what} names the param in the failure message. */
    public static PortRanges parse(List<String> entries, String what) {
        List<int[]> ranges = new ArrayList<>();
        for (String e : entries) {
            int dash = e.indexOf('-');
            try {
                int from = Integer.parseInt(dash < 0 ? e : e.substring(0, dash));
                int to = dash < 0 ? from : Integer.parseInt(e.substring(dash + 1));
                if (from < 1 || to > 0xFFFF || from > to) {
                    throw new NumberFormatException();
                }
                ranges.add(new int[] {from, to});
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException(what + " entries must be ports 1..65535 or ranges like 8000-8999,"
                        + " was \"" + e + "\"");
            }
        }
        return new PortRanges(ranges);
    }

    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    public boolean contains(int port) {
        for (int[] r : ranges) {
            if (port >= r[0] && port <= r[1]) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (int[] r : ranges) {
            b.append(b.isEmpty() ? "" : ",").append(r[0] == r[1] ? "" + r[0] : r[0] + "-" + r[1]);
        }
        return b.toString();
    }
}
