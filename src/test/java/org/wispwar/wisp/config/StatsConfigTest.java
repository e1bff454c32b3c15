package org.wispwar.wisp.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** wisp.stats.*: off by default, a token from a value, env: or file:, and never printed. */
class StatsConfigTest {
    @Test
    void offByDefaultWithoutToken() {
        StatsConfig stats = WispConfig.defaults().stats();
        assertEquals(new StatsConfig(false, ""), stats);
        assertFalse(stats.tokenRequired());
    }

    @Test
    void tokenFromValueEnvOrFile(@TempDir Path dir) throws Exception {
        assertEquals("abc", StatsConfig.from(new ConfigParams(Map.of(StatsConfig.TOKEN, "abc"))).token());
        assertEquals("from-env", StatsConfig.from(new ConfigParams(Map.of(StatsConfig.TOKEN, "env:WISP_STATS"),
                name -> name.equals("WISP_STATS") ? "from-env" : null)).token());
        Path file = dir.resolve("token");
        Files.writeString(file, "from-file\nignored\n");
        assertEquals("from-file", StatsConfig.from(new ConfigParams(Map.of(StatsConfig.TOKEN, "file:" + file)))
                .token());
    }

    @Test
    void missingEnvironmentVariableFailsNamingTheParamButNoValue() {
        var e = assertThrows(IllegalArgumentException.class, () -> StatsConfig.from(new ConfigParams(
                Map.of(StatsConfig.TOKEN, "env:NOT_SET_ANYWHERE"), name -> null)));
        assertEquals("wisp.stats.token names environment variable NOT_SET_ANYWHERE, which is not set", e.getMessage());
    }

    @Test
    void theTokenIsNeverPrintedWithTheConfig() {
        WispConfig config = WispConfig.from(Map.of(StatsConfig.ENABLED, "true", StatsConfig.TOKEN, "s3cret-token"));
        assertTrue(config.stats().enabled());
        assertTrue(config.stats().tokenRequired());
        assertEquals("StatsConfig[enabled=true, token=(set)]", config.stats().toString());
        assertFalse(config.toString().contains("s3cret-token"), config.toString());
    }

    @Test
    void enabledMustBeABoolean() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> WispConfig.from(Map.of(StatsConfig.ENABLED, "yes")));
        assertEquals("wisp.stats.enabled must be true or false, was \"yes\"", e.getMessage());
    }
}
