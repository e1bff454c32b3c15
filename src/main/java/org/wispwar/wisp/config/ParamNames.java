package org.wispwar.wisp.config;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Spotting misspelt param names and suggesting the intended one ("did you mean wisp.bufferSize?"). A name counts as
 * meant for us when it starts with {@code wisp.} in any case, or is at most two edits from one of our names (so
 * {@code wsip.bufferSize} is caught while other applications' params are left alone). Stateless; thread-safe.
 */
final class ParamNames {
    /** Suggestions go at most this many edits away (case differences cost nothing). */
    private static final int MAX_EDITS = 3;
    /** Names this many edits from ours are taken as a typo of ours even without the wisp. prefix. */
    private static final int NEAR_EDITS = 2;

    private ParamNames() {
    }

    static boolean looksLikeOurs(String name, Set<String> known) {
        if (name.regionMatches(true, 0, "wisp.", 0, 5)) {
            return true;
        }
        for (String k : known) {
            if (distance(name.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT)) <= NEAR_EDITS) {
                return true;
            }
        }
        return false;
    }

    /** {@code "wisp.bufferSzie (did you mean wisp.bufferSize?)"}, or the name and the known names when none is close. */
    static String describeUnknown(String name, Set<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : new TreeSet<>(known)) {
            int d = distance(name.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        if (best != null && bestDistance <= MAX_EDITS && bestDistance <= best.length() / 4 + 1) {
            return name + " (did you mean " + best + "?)";
        }
        return name + " (known: " + String.join(", ", new TreeSet<>(known)) + ")";
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours cost one. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    v = Math.min(v, d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
            }
        }
        return d[a.length()][b.length()];
    }
}
