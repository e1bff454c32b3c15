package org.wispwar.wisp.it;

import java.util.Map;

/** README "Behind nginx" ({@link NginxChecks}) with the WAR in embedded Tomcat 11 behind Debian's nginx. */
class NginxTomcatIT extends NginxChecks {
    @Override
    WarContainer start(Map<String, Map<String, String>> contexts) throws Exception {
        return EmbeddedTomcat.start(contexts);
    }
}
