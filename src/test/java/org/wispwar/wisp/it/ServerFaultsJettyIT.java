package org.wispwar.wisp.it;

import java.util.Map;

/** {@link ServerFaultChecks} on embedded Jetty 12.1: a fresh server for each check. */
class ServerFaultsJettyIT extends ServerFaultChecks {
    @Override
    WarContainer start(Map<String, Map<String, String>> contexts) throws Exception {
        return EmbeddedJetty.start(contexts);
    }
}
