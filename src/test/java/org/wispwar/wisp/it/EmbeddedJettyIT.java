package org.wispwar.wisp.it;

import java.util.Map;

/**
 * The reference end-to-end checks ({@link WispEndToEndChecks}: data paths, every close reason, v2, undeploy) on the
 * built WAR in embedded Jetty 12 (ee11). The same checks run on Tomcat in {@code EmbeddedTomcatIT}.
 */
class EmbeddedJettyIT extends WispEndToEndChecks {
    EmbeddedJetty jetty;

    @Override
    WarContainer start(Map<String, Map<String, String>> contexts) throws Exception {
        jetty = EmbeddedJetty.start(contexts, MAX_THREADS);
        return jetty;
    }
}

