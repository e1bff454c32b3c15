package org.wispwar.wisp.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Context params → one validated record: defaults, parsing, and a message naming the param for each bad value. */
class WispConfigTest {
    @Test
    void absentParamsTakeTheirDefaults() {
        WispConfig c = WispConfig.from(Map.of());

        assertEquals(128, c.bufferSize(), "bufferSize");
        assertEquals(100 * 1024 * 1024, c.maxMessageSize(), "maxMessageSize: a 64 MiB single-packet upload fits");
        assertEquals(32 * 1024, c.readBufferSize(), "readBufferSize");
        assertEquals(Duration.ofSeconds(10), c.connectTimeout(), "connectTimeout");
        assertEquals(Duration.ofSeconds(30), c.sendTimeout(), "sendTimeout");
        assertEquals(Duration.ZERO, c.idleTimeout(), "idleTimeout");
        assertEquals(1024, c.maxStreamsPerConnection(), "maxStreamsPerConnection");
        assertFalse(c.allowPrivateAddresses(), "allowPrivateAddresses");
        assertTrue(c.tcpNoDelay(), "tcpNoDelay");
        assertEquals(4 * 1024 * 1024, c.streamByteBudget(), "streamByteBudget");
        assertEquals(16 * 1024 * 1024, c.connectionByteBudget(), "connectionByteBudget");
        assertEquals(Math.max(64L << 20, Runtime.getRuntime().maxMemory() / 4), c.serverByteBudget(),
                "serverByteBudget: a quarter of the max heap");
        assertEquals(Duration.ofSeconds(30), c.destinationTimeout(), "destinationTimeout");
        assertEquals(c, WispConfig.defaults(), "defaults()");
    }

    @Test
    void blankParamsTakeTheirDefaults() {
        assertEquals(WispConfig.defaults(), WispConfig.from(Map.of(WispConfig.BUFFER_SIZE, "  ",
                WispConfig.CONNECT_TIMEOUT, "", WispConfig.TCP_NO_DELAY, " ")));
    }

    @Test
    void everyParamIsParsed() {
        WispConfig c = WispConfig.from(Map.of(
                "wisp.bufferSize", "64",
                "wisp.maxMessageSize", "2048",
                "wisp.readBufferSize", "512",
                "wisp.connectTimeout", "500ms",
                "wisp.sendTimeout", "2m",
                "wisp.idleTimeout", "1h",
                "wisp.maxStreamsPerConnection", "3",
                "wisp.allowPrivateAddresses", "true",
                "wisp.tcpNoDelay", "false"));

        assertEquals(new WispConfig(64, 2048, 512, Duration.ofMillis(500), Duration.ofMinutes(2), Duration.ofHours(1), 3,
                true, false), c);
    }

    @Test
    void valuesAreTrimmedAndBooleansIgnoreCase() {
        WispConfig c = WispConfig.from(Map.of("wisp.bufferSize", " 16 ", "wisp.allowPrivateAddresses", "TRUE",
                "wisp.tcpNoDelay", "False"));

        assertEquals(16, c.bufferSize());
        assertTrue(c.allowPrivateAddresses());
        assertFalse(c.tcpNoDelay());
    }

    @ParameterizedTest(name = "\"{0}\" is {1} ms")
    @CsvSource({
            "500ms,   500",
            "10s,     10000",
            "2m,      120000",
            "1h,      3600000",
            "10 s,    10000",
            "0,       0",            // zero needs no unit
            "0s,      0",
    })
    void durationsTakeAUnit(String value, long millis) {
        assertEquals(Duration.ofMillis(millis), WispConfig.from(Map.of("wisp.idleTimeout", value)).idleTimeout());
    }

    @Test
    void budgetsAndMessageSizeTakeUnits() {
        WispConfig c = WispConfig.from(Map.of("wisp.maxMessageSize", "64MiB", "wisp.streamByteBudget", "256k",
                "wisp.connectionByteBudget", "4m", "wisp.serverByteBudget", "1g", "wisp.destinationTimeout", "5s"));
        assertEquals(64 << 20, c.maxMessageSize());
        assertEquals(256 << 10, c.streamByteBudget());
        assertEquals(4 << 20, c.connectionByteBudget());
        assertEquals(1L << 30, c.serverByteBudget());
        assertEquals(Duration.ofSeconds(5), c.destinationTimeout());
    }

    @Test
    void aLargeStreamBudgetRaisesTheDefaultsAboveIt() {
        WispConfig c = WispConfig.from(Map.of("wisp.streamByteBudget", "32m"));
        assertEquals(32 << 20, c.connectionByteBudget(), "the connection default is at least the stream budget");
    }

    @Test
    void boundaryValuesAreAccepted() {
        WispConfig low = WispConfig.from(Map.of("wisp.bufferSize", "1", "wisp.maxMessageSize", "1024",
                "wisp.readBufferSize", "512", "wisp.maxStreamsPerConnection", "1", "wisp.connectTimeout", "1ms"));
        assertEquals(1, low.bufferSize());
        assertEquals(1024, low.maxMessageSize());
        assertEquals(1, low.maxStreamsPerConnection());
        assertEquals(Duration.ofMillis(1), low.connectTimeout());

        WispConfig high = WispConfig.from(Map.of("wisp.bufferSize", "65535", "wisp.maxMessageSize", "2147483647",
                "wisp.readBufferSize", "16777216"));
        assertEquals(65535, high.bufferSize());
        assertEquals(Integer.MAX_VALUE, high.maxMessageSize());
        assertEquals(16 * 1024 * 1024, high.readBufferSize());
    }

    static Stream<Arguments> invalidValues() {
        return Stream.of(
                bad("wisp.bufferSize", "0", "wisp.bufferSize must be 1..65535, was 0"),
                bad("wisp.bufferSize", "65536", "wisp.bufferSize must be 1..65535, was 65536"),
                bad("wisp.bufferSize", "-1", "wisp.bufferSize must be 1..65535, was -1"),
                bad("wisp.bufferSize", "ten", "wisp.bufferSize must be a whole number, was \"ten\""),
                bad("wisp.bufferSize", "2147483648", "wisp.bufferSize must be a whole number, was \"2147483648\""),
                bad("wisp.maxMessageSize", "1023", "wisp.maxMessageSize must be 1024..2147483647, was 1023"),
                bad("wisp.maxMessageSize", "2g", "wisp.maxMessageSize must be 1024..2147483647, was 2147483648"),
                bad("wisp.maxMessageSize", "lots",
                        "wisp.maxMessageSize must be a byte count such as 65536, 64k or 10MiB, was \"lots\""),
                bad("wisp.streamByteBudget", "65535", "wisp.streamByteBudget must be at least 65536 (64k), was 65535"),
                bad("wisp.connectionByteBudget", "512k",
                        "wisp.connectionByteBudget must be at least wisp.streamByteBudget (4194304), was 524288"),
                bad("wisp.serverByteBudget", "1m",
                        "wisp.serverByteBudget must be at least wisp.connectionByteBudget (16777216), was 1048576"),
                bad("wisp.destinationTimeout", "0s", "wisp.destinationTimeout must be a positive duration, was 0ms"),
                bad("wisp.readBufferSize", "511", "wisp.readBufferSize must be 512..16777216, was 511"),
                bad("wisp.readBufferSize", "16777217", "wisp.readBufferSize must be 512..16777216, was 16777217"),
                bad("wisp.connectTimeout", "ten",
                        "wisp.connectTimeout must be a duration such as 500ms, 10s, 2m or 1h, was \"ten\""),
                bad("wisp.connectTimeout", "1.5s",
                        "wisp.connectTimeout must be a duration such as 500ms, 10s, 2m or 1h, was \"1.5s\""),
                bad("wisp.connectTimeout", "10d",
                        "wisp.connectTimeout must be a duration such as 500ms, 10s, 2m or 1h, was \"10d\""),
                bad("wisp.connectTimeout", "0", "wisp.connectTimeout must be a positive duration, was 0ms"),
                bad("wisp.connectTimeout", "30", "wisp.connectTimeout needs a unit: write 30ms, 30s, 30m or 30h,"
                        + " was \"30\""),
                bad("wisp.pingInterval", "250", "wisp.pingInterval needs a unit: write 250ms, 250s, 250m or 250h,"
                        + " was \"250\""),
                bad("wisp.sendTimeout", "0s", "wisp.sendTimeout must be a positive duration, was 0ms"),
                bad("wisp.sendTimeout", "-5s",
                        "wisp.sendTimeout must be a duration such as 500ms, 10s, 2m or 1h, was \"-5s\""),
                bad("wisp.idleTimeout", "-1",
                        "wisp.idleTimeout must be a duration such as 500ms, 10s, 2m or 1h, was \"-1\""),
                bad("wisp.maxStreamsPerConnection", "0", "wisp.maxStreamsPerConnection must be at least 1, was 0"),
                bad("wisp.allowPrivateAddresses", "yes", "wisp.allowPrivateAddresses must be true or false, was \"yes\""),
                bad("wisp.tcpNoDelay", "1", "wisp.tcpNoDelay must be true or false, was \"1\""));
    }

    private static Arguments bad(String name, String value, String message) {
        return Arguments.of(name, value, message);
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("invalidValues")
    void invalidValueFailsWithAMessageNamingTheParam(String name, String value, String message) {
        var e = assertThrows(IllegalArgumentException.class, () -> WispConfig.from(Map.of(name, value)));
        assertEquals(message, e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "wisp.bufferSzie        | wisp.bufferSize",          // two letters swapped
            "wisp.buffersize        | wisp.bufferSize",          // case
            "Wisp.BufferSize        | wisp.bufferSize",
            "wisp.conectTimeout     | wisp.connectTimeout",      // a letter missing
            "wsip.bufferSize        | wisp.bufferSize",          // the prefix misspelt
            "wisp.stats.enable      | wisp.stats.enabled",
            "wisp.maxConnectionPerIp| wisp.maxConnectionsPerIp",
    })
    void misspeltParamFailsWithASuggestion(String name, String meant) {
        var e = assertThrows(IllegalArgumentException.class, () -> WispConfig.from(Map.of(name, "64")));
        assertEquals("unknown context param " + name + " (did you mean " + meant + "?)", e.getMessage());
    }

    @Test
    void unknownParamFarFromEveryNameListsTheKnownOnes() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> WispConfig.from(Map.of("wisp.frobnicate", "1", "wisp.bufferSzie", "64")));
        assertTrue(e.getMessage().startsWith("unknown context param wisp.bufferSzie (did you mean wisp.bufferSize?),"
                + " wisp.frobnicate (known: wisp."), e.getMessage());
        assertTrue(e.getMessage().contains("wisp.tcpNoDelay"), e.getMessage());
    }

    @Test
    void nonWispParamsAreIgnored() {
        Map<String, String> params = new HashMap<>();
        params.put("org.eclipse.jetty.servlet.Default.dirAllowed", "false");
        params.put("resteasy.role.based.security", "whatever");
        params.put("wispy", "not ours");

        assertEquals(WispConfig.defaults(), WispConfig.from(params));
    }

    @Test
    void canonicalConstructorValidatesToo() {
        var e = assertThrows(IllegalArgumentException.class, () -> new WispConfig(128, 65536, 32768,
                Duration.ofSeconds(-1), Duration.ofSeconds(30), Duration.ZERO, 1024, false, true));
        assertEquals("wisp.connectTimeout must be a positive duration, was -1000ms", e.getMessage());

        var e2 = assertThrows(IllegalArgumentException.class, () -> new WispConfig(128, 65536, 32768,
                Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMillis(-1), 1024, false, true));
        assertEquals("wisp.idleTimeout must be zero or a positive duration, was -1ms", e2.getMessage());
    }
}
