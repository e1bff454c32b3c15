package org.wispwar.wisp.it;

import java.util.Map;

/** The health and drain checks ({@link HealthChecks}) on the built WAR in embedded Jetty 12 (ee11). */
class HealthJettyIT extends HealthChecks {
    @Override
    WarContainer start(Map<String, Map<String, String>> contexts) throws Exception {
        return EmbeddedJetty.start(contexts);
    }
}
