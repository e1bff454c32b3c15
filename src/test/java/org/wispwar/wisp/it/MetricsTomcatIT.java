package org.wispwar.wisp.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link MetricsChecks} on embedded Tomcat 11: the same checks as on Jetty. */
class MetricsTomcatIT extends MetricsChecks {
    @Override
    WarContainer start(Map<String, Map<String, String>> contexts) throws Exception {
        return EmbeddedTomcat.start(contexts);
    }

    /** The execution's classpath decides which Tomcat this is; this checks it. */
    @Test
    void runsOnTomcat11() {
        assertTrue(server.name().startsWith("Apache Tomcat/11."), server.name());
    }
}
