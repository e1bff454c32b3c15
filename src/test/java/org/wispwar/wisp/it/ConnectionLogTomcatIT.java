package org.wispwar.wisp.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The same checks as {@link ConnectionLogJettyIT} ({@link ConnectionLogChecks}) on embedded Tomcat 11. */
class ConnectionLogTomcatIT extends ConnectionLogChecks {
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
