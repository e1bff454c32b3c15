package org.wispwar.wisp.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** wisp.accessLog: on by default, a boolean, and a known param. */
class LogConfigTest {
    @Test
    void theAccessLogIsOnByDefault() {
        assertTrue(WispConfig.defaults().logging().accessLog());
        assertEquals(LogConfig.defaults(), WispConfig.defaults().logging());
    }

    @Test
    void falseTurnsItOff() {
        assertFalse(WispConfig.from(Map.of(LogConfig.ACCESS_LOG, " FALSE ")).logging().accessLog());
        assertTrue(WispConfig.ALL_NAMES.contains("wisp.accessLog"));
    }

    @Test
    void anythingButABooleanFailsTheDeploymentNamingTheParam() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> WispConfig.from(Map.of(LogConfig.ACCESS_LOG, "maybe")));
        assertEquals("wisp.accessLog must be true or false, was \"maybe\"", e.getMessage());
    }
}
