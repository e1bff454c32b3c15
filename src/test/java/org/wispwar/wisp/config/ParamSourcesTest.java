package org.wispwar.wisp.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The deploy line naming each param that was set, where from, and never a secret's value. */
class ParamSourcesTest {
    @Test
    void namesEachSetParamWithItsSourceAndHidesSecrets() {
        String line = ParamSources.describe(Map.of(
                        "wisp.bufferSize", "64",
                        "wisp.stats.token", "s3cret-token",
                        "wisp.auth.basic", "alice:pw",
                        "wisp.motd", " hello\n  world ",
                        "wisp.idleTimeout", "",
                        "org.eclipse.jetty.servlet.Default.dirAllowed", "false"),
                Map.of("wisp.bufferSize", "64", "wisp.motd", "other"));
        assertEquals("wisp.auth.basic=(secret) (container), wisp.bufferSize=64 (web.xml), wisp.motd=hello world"
                + " (container), wisp.stats.token=(secret) (container)", line);
        assertFalse(line.contains("s3cret") || line.contains("alice"), line);
    }

    @Test
    void nothingSetSaysSo() {
        assertEquals("none: every setting at its default", ParamSources.describe(Map.of("other.param", "x"), Map.of()));
    }

    @Test
    void everySecretParamIsAKnownParam() {
        assertEquals(true, WispConfig.ALL_NAMES.containsAll(ParamSources.SECRETS));
    }
}
