package org.wispwar.wisp.it;

import java.util.Map;

/** {@link MetricsChecks} on embedded Jetty 12 (ee11): /metrics, its access rule, real traffic and a real Prometheus. */
class MetricsJettyIT extends MetricsChecks {
    @Override
    WarContainer start(Map<String, Map<String, String>> contexts) throws Exception {
        return EmbeddedJetty.start(contexts);
    }
}
