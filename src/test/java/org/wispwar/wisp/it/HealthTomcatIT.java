package org.wispwar.wisp.it;

import java.util.Map;

/** The health and drain checks ({@link HealthChecks}) on the built WAR in embedded Tomcat 11. */
class HealthTomcatIT extends HealthChecks {
    @Override
    WarContainer start(Map<String, Map<String, String>> contexts) throws Exception {
        return EmbeddedTomcat.start(contexts);
    }
}
