package org.wispwar.wisp.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** wisp.health.enabled and wisp.drainGrace: defaults, validated with the rest of the config at deploy, known names. */
class HealthConfigTest {
    @Test
    void onByDefault() {
        assertEquals(new HealthConfig(true, Duration.ofMinutes(5)), HealthConfig.from(Map.of()));
        assertEquals(HealthConfig.defaults(), HealthConfig.from(Map.of(HealthConfig.ENABLED, " ")), "blank: absent");
    }

    @Test
    void falseTurnsItOff() {
        assertEquals(new HealthConfig(false, Duration.ofMinutes(5)), HealthConfig.from(Map.of(HealthConfig.ENABLED, "false")));
        assertEquals(new HealthConfig(true, Duration.ofMinutes(5)), HealthConfig.from(Map.of(HealthConfig.ENABLED, "TRUE")));
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

    @Test
    void drainGraceTakesADurationAndZeroMeansNever() {
        assertEquals(Duration.ofSeconds(90), HealthConfig.from(Map.of(HealthConfig.DRAIN_GRACE, "90s")).drainGrace());
        assertEquals(Duration.ZERO, HealthConfig.from(Map.of(HealthConfig.DRAIN_GRACE, "0")).drainGrace());
        var bare = assertThrows(IllegalArgumentException.class,
                () -> WispConfig.from(Map.of(HealthConfig.DRAIN_GRACE, "300")));
        assertEquals("wisp.drainGrace needs a unit: write 300ms, 300s, 300m or 300h, was \"300\"", bare.getMessage());
        var negative = assertThrows(IllegalArgumentException.class,
                () -> new HealthConfig(true, Duration.ofSeconds(-1)));
        assertEquals("wisp.drainGrace must be zero or a positive duration, was PT-1S", negative.getMessage());
    }
}
