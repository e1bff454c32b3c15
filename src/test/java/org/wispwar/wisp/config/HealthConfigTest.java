package org.wispwar.wisp.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** wisp.health.enabled: on by default, validated with the rest of the config at deploy, a known name. */
class HealthConfigTest {
    @Test
    void onByDefault() {
        assertEquals(new HealthConfig(true), HealthConfig.from(Map.of()));
        assertEquals(HealthConfig.defaults(), HealthConfig.from(Map.of(HealthConfig.ENABLED, " ")), "blank: absent");
    }

    @Test
    void falseTurnsItOff() {
        assertEquals(new HealthConfig(false), HealthConfig.from(Map.of(HealthConfig.ENABLED, "false")));
        assertEquals(new HealthConfig(true), HealthConfig.from(Map.of(HealthConfig.ENABLED, "TRUE")));
    }

    @Test
    void aBadValueFailsNamingTheParam() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> HealthConfig.from(Map.of(HealthConfig.ENABLED, "yes")));
        assertEquals("wisp.health.enabled must be true or false, was \"yes\"", e.getMessage());
    }

    @Test
    void theDeploysValidationKnowsAndChecksIt() {
        WispConfig.from(Map.of(HealthConfig.ENABLED, "false"));   // a known name: no "unknown context param"
        var bad = assertThrows(IllegalArgumentException.class,
                () -> WispConfig.from(Map.of(HealthConfig.ENABLED, "off")));
        assertEquals("wisp.health.enabled must be true or false, was \"off\"", bad.getMessage());
        var typo = assertThrows(IllegalArgumentException.class,
                () -> WispConfig.from(Map.of("wisp.health.enable", "false")));
        assertEquals("unknown context param wisp.health.enable (did you mean wisp.health.enabled?)", typo.getMessage());
    }
}
