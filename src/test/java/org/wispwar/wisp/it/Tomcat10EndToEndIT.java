package org.wispwar.wisp.it;

/**
 * {@link EmbeddedTomcatIT} on Tomcat 10.1 (Servlet 6.0, WebSocket 2.1): the failsafe execution {@code tomcat10-it}
 * swaps the tomcat-embed jars for 10.1.
 */
class Tomcat10EndToEndIT extends EmbeddedTomcatIT {
    @Override
    String expectedServer() {
        return "Apache Tomcat/10.1.";
    }
}
