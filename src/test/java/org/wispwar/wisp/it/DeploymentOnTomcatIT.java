package org.wispwar.wisp.it;

import java.util.Map;

/**
 * {@link DeploymentChecks} on embedded Tomcat 11: beside another webapp at the root context, config overrides as
 * {@code <Parameter override="false">}, statistics and JMX, graceful undeploy and 20 redeploys, with Tomcat's own
 * class-loader leak detection watching.
 */
class DeploymentOnTomcatIT extends DeploymentChecks {
    @Override
    WarContainer start(Map<String, Map<String, String>> contexts) throws Exception {
        return EmbeddedTomcat.start(contexts);
    }
}
