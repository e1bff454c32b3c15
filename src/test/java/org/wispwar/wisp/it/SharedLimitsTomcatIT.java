package org.wispwar.wisp.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * {@link SharedLimitsChecks} on embedded Tomcat 11: both sets of deployments on one server (two Tomcat servers in one
 * JVM would share Catalina's JMX names), each deployment with its own Redis connection, as two instances would have.
 */
class SharedLimitsTomcatIT extends SharedLimitsChecks {
    @Override
    WarContainer[] start(Map<String, Map<String, String>> a, Map<String, Map<String, String>> b) throws Exception {
        Map<String, Map<String, String>> all = new LinkedHashMap<>(a);
        all.putAll(b);
        EmbeddedTomcat tomcat = EmbeddedTomcat.start(all);
        return new WarContainer[] {tomcat, tomcat};
    }

    /** The execution's classpath decides which Tomcat this is; this checks it. */
    @Test
    @Order(0)
    void runsOnTomcat11() {
        assertTrue(a.name().startsWith("Apache Tomcat/11."), a.name());
    }
}
