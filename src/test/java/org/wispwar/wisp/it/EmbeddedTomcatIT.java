package org.wispwar.wisp.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The reference end-to-end checks ({@link WispEndToEndChecks}) on the built WAR in embedded Tomcat 11, the same ones
 * as on Jetty. Tomcat throws when two sends overlap on one WebSocket, so the concurrent-stream, 10 MiB and
 * slow-receiver checks are where the one-writer rule is proven on this container.
 */
class EmbeddedTomcatIT extends WispEndToEndChecks {
    EmbeddedTomcat tomcat;

    @Override
    WarContainer start(Map<String, Map<String, String>> contexts) throws Exception {
        tomcat = EmbeddedTomcat.start(contexts, MAX_THREADS);
        return tomcat;
    }

    /** The Tomcat line this class runs on: its execution's classpath decides, this checks it. */
    String expectedServer() {
        return "Apache Tomcat/11.";
    }

    @Test
    void runsOnTheExpectedTomcat() {
        assertTrue(tomcat.name().startsWith(expectedServer()), tomcat.name());
    }
}
