package org.wispwar.wisp.it;

import java.util.Map;

/** README "Behind nginx" ({@link NginxChecks}) with the WAR in embedded Jetty 12 (ee11) behind Debian's nginx. */
class NginxJettyIT extends NginxChecks {
    @Override
    WarContainer start(Map<String, Map<String, String>> contexts) throws Exception {
        return EmbeddedJetty.start(contexts);
    }
}
