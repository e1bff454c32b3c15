package org.wispwar.wisp.it;

import java.util.Map;

/** {@link BrowserClientsChecks} on the built WAR in embedded Jetty 12 (ee11). */
class BrowserClientsJettyIT extends BrowserClientsChecks {
    @Override
    WarContainer start(Map<String, Map<String, String>> contexts) throws Exception {
        return EmbeddedJetty.start(contexts);
    }
}
