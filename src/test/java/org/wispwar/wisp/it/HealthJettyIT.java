package org.wispwar.wisp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee11.servlet.FilterMapping;
import org.junit.jupiter.api.Test;

/** The health and drain checks ({@link HealthChecks}) on the built WAR in embedded Jetty 12 (ee11). */
class HealthJettyIT extends HealthChecks {
    static final String DRAIN_FILTER = "wisp-drain";
    static final String JETTY_UPGRADE_FILTER = "org.eclipse.jetty.ee11.websocket.servlet.WebSocketUpgradeFilter";

    EmbeddedJetty jetty;

    @Override
    WarContainer start(Map<String, Map<String, String>> contexts) throws Exception {
        jetty = EmbeddedJetty.start(contexts);
        return jetty;
    }

    /** Jetty prepends its upgrade filter; the drain filter, mapped programmatically before the rest, is ahead of it. */
    @Test
    void theDrainFilterRunsBeforeJettysUpgradeFilterWithoutAccessControl() {
        List<String> names = Arrays.stream(jetty.context(STEADY).getServletHandler().getFilterMappings())
                .map(FilterMapping::getFilterName).toList();
        assertEquals(List.of(DRAIN_FILTER, JETTY_UPGRADE_FILTER), names.subList(0, 2), names.toString());
    }
}
