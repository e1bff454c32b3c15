package org.wispwar.wisp.it;

import java.util.Map;

/** The fault suite ({@link FaultChecks}) on the built WAR in embedded Jetty 12 (ee11). */
class FaultsJettyIT extends FaultChecks {
    @Override
    boolean closeFrameReachesAClientThatStoppedReading() {
        return true;
    }

    @Override
    WarContainer start(Map<String, Map<String, String>> contexts) throws Exception {
        return EmbeddedJetty.start(contexts);
    }
}
