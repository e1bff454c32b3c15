package org.wispwar.wisp.it;

import java.util.Map;

/** The connection, access and refusal lines and the JMX operations ({@link ConnectionLogChecks}) on embedded Jetty 12. */
class ConnectionLogJettyIT extends ConnectionLogChecks {
    @Override
    WarContainer start(Map<String, Map<String, String>> contexts) throws Exception {
        return EmbeddedJetty.start(contexts);
    }
}
