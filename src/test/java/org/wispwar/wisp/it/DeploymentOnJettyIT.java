package org.wispwar.wisp.it;

import java.util.Map;

/**
 * {@link DeploymentChecks} on embedded Jetty 12 (ee11): beside another webapp at {@code /}, config overrides through an
 * override descriptor, statistics and JMX, graceful undeploy and 20 redeploys.
 */
class DeploymentOnJettyIT extends DeploymentChecks {
    @Override
    WarContainer start(Map<String, Map<String, String>> contexts) throws Exception {
        return EmbeddedJetty.start(contexts);
    }
}
