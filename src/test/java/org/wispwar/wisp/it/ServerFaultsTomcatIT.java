package org.wispwar.wisp.it;

import java.util.Map;

/** {@link ServerFaultChecks} on embedded Tomcat 11: a fresh server for each check. */
class ServerFaultsTomcatIT extends ServerFaultChecks {
    @Override
    WarContainer start(Map<String, Map<String, String>> contexts) throws Exception {
        return EmbeddedTomcat.start(contexts);
    }
}
