package org.wispwar.wisp.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.wispwar.wisp.session.WispMetrics;

/** The statistics' JSON shape, its string escaping, the MBean's type names, and the bearer-token check. */
class StatsTest {
    @Test
    void freshMetricsRenderEveryFieldInTheMBeansOrderAndNames() {
        assertEquals("{\"sessions\":0,\"streams\":0,\"threads\":0,\"sockets\":0,\"streamsOpened\":0,"
                + "\"streamsByType\":{\"tcp\":0,\"udp\":0,\"wsproxy\":0,\"other\":0},"
                + "\"streamsOpenedByType\":{\"tcp\":0,\"udp\":0,\"wsproxy\":0,\"other\":0},"
                + "\"bytesFromClients\":0,\"bytesToClients\":0,\"udpDatagramsDropped\":0,"
                + "\"closesByReason\":{},\"limitsTripped\":{}}", StatsJson.render(new WispMetrics()));
    }

    @Test
    void limitsTrippedAreKeyedByParamName() {
        WispMetrics m = new WispMetrics();
        m.limitTripped("wisp.packetRateLimit");
        m.limitTripped("wisp.packetRateLimit");
        m.limitTripped("wisp.maxConnectionsPerIp");
        String json = StatsJson.render(m);
        assertTrue(json.endsWith(",\"limitsTripped\":{\"wisp.maxConnectionsPerIp\":1,\"wisp.packetRateLimit\":2}}"),
                json);
        assertEquals(Map.of("wisp.maxConnectionsPerIp", 1L, "wisp.packetRateLimit", 2L),
                new WispStats(m).getLimitsTripped(), "the MBean shows the same");
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
                new WispStats(new WispMetrics()).getStreamsByType());
    }

    @Test
    void onlyTheExactBearerTokenIsAccepted() {
        assertTrue(StatsServlet.tokenMatches("Bearer s3cret", "s3cret"));
        assertTrue(StatsServlet.tokenMatches("bearer  s3cret ", "s3cret"), "scheme case and blanks do not matter");
        assertFalse(StatsServlet.tokenMatches("Bearer s3cre", "s3cret"));
        assertFalse(StatsServlet.tokenMatches("Bearer s3cretx", "s3cret"));
        assertFalse(StatsServlet.tokenMatches("Basic czNjcmV0", "s3cret"), "another scheme");
        assertFalse(StatsServlet.tokenMatches("s3cret", "s3cret"), "no scheme");
        assertFalse(StatsServlet.tokenMatches(null, "s3cret"), "no header");
        assertFalse(StatsServlet.tokenMatches("Bearer ", "s3cret"), "empty token");
    }
}
