package org.wispwar.wisp.it;

import java.util.Map;

/** {@link SharedLimitsChecks} on two separate embedded Jetty 12 servers sharing one Redis. */
class SharedLimitsJettyIT extends SharedLimitsChecks {
    @Override
    WarContainer[] start(Map<String, Map<String, String>> a, Map<String, Map<String, String>> b) throws Exception {
        EmbeddedJetty first = EmbeddedJetty.start(a);
        try {
            return new WarContainer[] {first, EmbeddedJetty.start(b)};
        } catch (Exception | Error e) {
            first.close();
            throw e;
        }
    }
}
