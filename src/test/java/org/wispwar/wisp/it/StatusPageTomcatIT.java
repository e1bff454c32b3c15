package org.wispwar.wisp.it;

import java.util.Map;

/** {@link StatusPageChecks} on the built WAR in embedded Tomcat 11. */
class StatusPageTomcatIT extends StatusPageChecks {
    @Override
    WarContainer start(Map<String, Map<String, String>> contexts) throws Exception {
        return EmbeddedTomcat.start(contexts);
    }

    @Override
    String containerName() {
        return "tomcat";
    }
}
