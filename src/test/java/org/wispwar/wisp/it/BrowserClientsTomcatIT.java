package org.wispwar.wisp.it;

import java.util.Map;

/** {@link BrowserClientsChecks} on the built WAR in embedded Tomcat 11. */
class BrowserClientsTomcatIT extends BrowserClientsChecks {
    @Override
    WarContainer start(Map<String, Map<String, String>> contexts) throws Exception {
        return EmbeddedTomcat.start(contexts);
    }
}
