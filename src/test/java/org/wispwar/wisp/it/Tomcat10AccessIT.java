package org.wispwar.wisp.it;

/**
 * The access-control checks on Tomcat 10.1 (the tomcat10-it execution swaps the Tomcat jars): the same filter order,
 * refusals, fail-closed guard and realm as {@link AccessTomcatIT} on 11. About 11 s.
 */
class Tomcat10AccessIT extends AccessTomcatIT {
    @Override
    String expectedServer() {
        return "Apache Tomcat/10.1.";
    }
}
