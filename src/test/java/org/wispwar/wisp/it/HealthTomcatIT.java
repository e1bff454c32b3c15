package org.wispwar.wisp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.junit.jupiter.api.Test;

/** The health and drain checks ({@link HealthChecks}) on the built WAR in embedded Tomcat 11. */
class HealthTomcatIT extends HealthChecks {
    static final String DRAIN_FILTER = "wisp-drain";
    /** The name Tomcat registers its upgrade filter under (WsServerContainer). */
    static final String TOMCAT_UPGRADE_FILTER = "Tomcat WebSocket (JSR356) Filter";

    EmbeddedTomcat tomcat;

    @Override
    WarContainer start(Map<String, Map<String, String>> contexts) throws Exception {
        tomcat = EmbeddedTomcat.start(contexts);
        return tomcat;
    }

    /** Tomcat appends its WsFilter after web.xml's filters; the drain filter, mapped before all of them, is first. */
    @Test
    void theDrainFilterRunsBeforeTomcatsUpgradeFilterWithoutAccessControl() {
        List<String> names = Arrays.stream(tomcat.context(STEADY).findFilterMaps()).map(FilterMap::getFilterName)
                .toList();
        assertEquals(DRAIN_FILTER, names.get(0), names.toString());
        assertTrue(names.indexOf(TOMCAT_UPGRADE_FILTER) > 0, names.toString());
    }
}
