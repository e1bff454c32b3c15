package org.wispwar.wisp.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SharedStateConfigTest {
    @Test
    void defaultsAreLocalOnly() {
        SharedStateConfig c = SharedStateConfig.defaults();
        assertFalse(c.enabled());
        assertNull(c.uri());
        assertEquals(SharedStateConfig.OnFailure.ALLOW, c.onFailure());
        assertEquals(Duration.ofMillis(200), c.timeout());
        assertEquals("", c.password());
    }

    @Test
    void readsEveryParam() {
        SharedStateConfig c = SharedStateConfig.from(new ConfigParams(Map.of(
                SharedStateConfig.URI, "redis://127.0.0.1:6380/3",
                SharedStateConfig.PASSWORD, "env:WISP_REDIS",
                SharedStateConfig.ON_FAILURE, "DENY",
                SharedStateConfig.TIMEOUT, "50ms"), name -> name.equals("WISP_REDIS") ? "s3cret" : null));
        assertTrue(c.enabled());
        assertEquals("127.0.0.1", c.uri().getHost());
        assertEquals(6380, c.uri().getPort());
        assertEquals(3, c.database());
        assertEquals("s3cret", c.password());
        assertEquals(SharedStateConfig.OnFailure.DENY, c.onFailure());
        assertEquals(Duration.ofMillis(50), c.timeout());
        assertFalse(c.toString().contains("s3cret"), c.toString());
    }

    @Test
    void badValuesFailNamingTheParam() {
        assertFails(SharedStateConfig.URI, Map.of(SharedStateConfig.URI, "http://127.0.0.1:6379"));
        assertFails(SharedStateConfig.URI, Map.of(SharedStateConfig.URI, "127.0.0.1:6379"));
        assertFails(SharedStateConfig.URI, Map.of(SharedStateConfig.URI, "redis://"));
        assertFails(SharedStateConfig.URI, Map.of(SharedStateConfig.URI, "redis://h:99999"));
        assertFails(SharedStateConfig.URI, Map.of(SharedStateConfig.URI, "redis://h:6379/16"));
        assertFails(SharedStateConfig.URI, Map.of(SharedStateConfig.URI, "redis://h:6379/x"));
        assertFails(SharedStateConfig.URI, Map.of(SharedStateConfig.URI, "redis://:pw@h:6379"));
        assertFails(SharedStateConfig.URI, Map.of(SharedStateConfig.URI, "redis://h:6379?timeout=1"));
        assertFails(SharedStateConfig.URI, Map.of(SharedStateConfig.URI, "redis://h :1"));
        assertFails(SharedStateConfig.ON_FAILURE, Map.of(SharedStateConfig.ON_FAILURE, "maybe"));
        assertFails(SharedStateConfig.TIMEOUT, Map.of(SharedStateConfig.TIMEOUT, "0"));
        assertFails(SharedStateConfig.TIMEOUT, Map.of(SharedStateConfig.TIMEOUT, "200"));
        assertFails(SharedStateConfig.TIMEOUT, Map.of(SharedStateConfig.TIMEOUT, "1m"));
        assertFails(SharedStateConfig.PASSWORD, Map.of(SharedStateConfig.PASSWORD, "env:WISP_TEST_SURELY_UNSET_VAR"));
    }

    @Test
    void theWholeConfigValidatesTheGroupAndKnowsItsNames() {
        assertTrue(WispConfig.ALL_NAMES.containsAll(SharedStateConfig.NAMES));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WispConfig.from(Map.of(SharedStateConfig.ON_FAILURE, "sometimes")));
        assertTrue(e.getMessage().contains(SharedStateConfig.ON_FAILURE), e.getMessage());
        WispConfig.from(Map.of(SharedStateConfig.URI, "redis://[::1]:6379/0"));
    }

    private static void assertFails(String param, Map<String, String> params) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SharedStateConfig.from(params), params.toString());
        assertTrue(e.getMessage().startsWith(param + " "), e.getMessage());
    }
}
