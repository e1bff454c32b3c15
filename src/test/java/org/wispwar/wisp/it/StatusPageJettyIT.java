package org.wispwar.wisp.it;

import java.util.Map;

/** {@link StatusPageChecks} on the built WAR in embedded Jetty 12 (ee11). */
class StatusPageJettyIT extends StatusPageChecks {
    @Override
    WarContainer start(Map<String, Map<String, String>> contexts) throws Exception {
        return EmbeddedJetty.start(contexts);
    }

    @Override
    String containerName() {
        return "jetty";
    }
}
