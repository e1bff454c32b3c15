package org.wispwar.wisp.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.wispwar.wisp.config.WispConfig;
import org.wispwar.wisp.limits.ByteBudget;
import org.wispwar.wisp.metrics.WispMetrics;
import org.wispwar.wisp.config.ServerVersion;
import org.wispwar.wisp.stream.BufferPool;

/** The statistics' JSON shape, its string escaping, the MBean's type names, and the bearer-token check. */
class StatsTest {
    private static final MemoryStats NO_MEMORY = new MemoryStats(null, null, null);

    @Test
    void freshMetricsRenderEveryFieldInTheMBeansOrderAndNames() {
        assertNotEquals("unknown", ServerVersion.get(), "Maven filters the version in");
        assertEquals("{\"version\":\"" + ServerVersion.get() + "\",\"sessions\":0,\"streams\":0,\"threads\":0,\"sockets\":0,\"streamsOpened\":0,"
                + "\"streamsByType\":{\"tcp\":0,\"udp\":0,\"wsproxy\":0,\"other\":0},"
                + "\"streamsOpenedByType\":{\"tcp\":0,\"udp\":0,\"wsproxy\":0,\"other\":0},"
                + "\"bytesFromClients\":0,\"bytesToClients\":0,\"udpDatagramsDropped\":0,"
                + "\"closesByReason\":{},\"limitsTripped\":{},"
                + "\"bufferedBytes\":0,\"bufferedBytesPeak\":0,\"serverByteBudget\":0,\"connectionByteBudget\":0,"
                + "\"streamByteBudget\":0,\"pooledBytes\":0,\"readsPaused\":0,\"readPauses\":{}}",
                StatsJson.render(new WispMetrics(), NO_MEMORY));
    }

    @Test
    void limitsTrippedAreKeyedByParamName() {
        WispMetrics m = new WispMetrics();
        m.limitTripped("wisp.packetRateLimit");
        m.limitTripped("wisp.packetRateLimit");
        m.limitTripped("wisp.maxConnectionsPerIp");
        String json = StatsJson.render(m, NO_MEMORY);
        assertTrue(json.contains(",\"limitsTripped\":{\"wisp.maxConnectionsPerIp\":1,\"wisp.packetRateLimit\":2},"),
                json);
        assertEquals(Map.of("wisp.maxConnectionsPerIp", 1L, "wisp.packetRateLimit", 2L),
                new WispStats(m, () -> NO_MEMORY).getLimitsTripped(), "the MBean shows the same");
    }

    @Test
    void budgetsAndHeldBytesShowInJsonAndMBean() {
        WispMetrics m = new WispMetrics();
        ByteBudget server = new ByteBudget("wisp.serverByteBudget", 1 << 30, null);
        ByteBudget connection = server.child("wisp.connectionByteBudget", 1 << 24);
        connection.charge(70_000);
        connection.release(5_000);
        m.readPaused("wisp.streamByteBudget");
        MemoryStats memory = new MemoryStats(server, new BufferPool(1 << 20), WispConfig.defaults());
        String json = StatsJson.render(m, memory);
        assertTrue(json.contains("\"bufferedBytes\":65000,\"bufferedBytesPeak\":70000,\"serverByteBudget\":"
                + WispConfig.defaults().serverByteBudget() + ",\"connectionByteBudget\":16777216,"
                + "\"streamByteBudget\":4194304,\"pooledBytes\":0,\"readsPaused\":1,"
                + "\"readPauses\":{\"wisp.streamByteBudget\":1}}"), json);
        WispStats mbean = new WispStats(m, () -> memory);
        assertEquals(65_000, mbean.getBufferedBytes());
        assertEquals(70_000, mbean.getBufferedBytesPeak());
        assertEquals(1, mbean.getReadsPaused());
        assertEquals(Map.of("wisp.streamByteBudget", 1L), mbean.getReadPauses());
    }

    @Test
    void stringsAreEscaped() {
        assertEquals("\"a\\\"b\\\\c\\u000ad\\u001f\"", StatsJson.string(new StringBuilder(), "a\"b\\c\nd\u001f")
                .toString());
        assertEquals("\"wisp.x\"", StatsJson.string(new StringBuilder(), "wisp.x").toString());
    }

    @Test
    void typeNamesAreLowerCaseAndComplete() {
        assertEquals(Map.of("tcp", 0L, "udp", 0L, "wsproxy", 0L, "other", 0L),
                new WispStats(new WispMetrics(), () -> NO_MEMORY).getStreamsByType());
    }

    @Test
    void onlyTheExactBearerTokenIsAccepted() {
        assertTrue(StatsAccess.tokenMatches("Bearer s3cret", "s3cret"));
        assertTrue(StatsAccess.tokenMatches("bearer  s3cret ", "s3cret"), "scheme case and blanks do not matter");
        assertFalse(StatsAccess.tokenMatches("Bearer s3cre", "s3cret"));
        assertFalse(StatsAccess.tokenMatches("Bearer s3cretx", "s3cret"));
        assertFalse(StatsAccess.tokenMatches("Basic czNjcmV0", "s3cret"), "Basic without a colon");
        assertTrue(StatsAccess.tokenMatches("Basic b3BzOnMzY3JldA==", "s3cret"), "Basic ops:s3cret: the password");
        assertTrue(StatsAccess.tokenMatches("Basic OnMzY3JldA==", "s3cret"), "Basic with an empty user name");
        assertFalse(StatsAccess.tokenMatches("Basic b3BzOnMzY3Jl", "s3cret"), "Basic ops:s3cre");
        assertFalse(StatsAccess.tokenMatches("Basic !!!", "s3cret"), "not Base64");
        assertFalse(StatsAccess.tokenMatches("Digest s3cret", "s3cret"), "another scheme");
        assertFalse(StatsAccess.tokenMatches("s3cret", "s3cret"), "no scheme");
        assertFalse(StatsAccess.tokenMatches(null, "s3cret"), "no header");
        assertFalse(StatsAccess.tokenMatches("Bearer ", "s3cret"), "empty token");
    }
}
