package org.wispwar.wisp.it;

/** {@link DeploymentOnTomcatIT} on Tomcat 10.1 (the {@code tomcat10-it} execution's classpath). */
class Tomcat10DeploymentIT extends DeploymentOnTomcatIT {
}
