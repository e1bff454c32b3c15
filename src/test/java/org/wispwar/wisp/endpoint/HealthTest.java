package org.wispwar.wisp.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.wispwar.wisp.metrics.WispMetrics;

/**
 * The health state behind /health, /health/live and /health/ready, its MicroProfile Health JSON, and the drain switch:
 * what each combination of started, housekeeping, draining and undeploying answers.
 */
class HealthTest {
    private final WispMetrics metrics = new WispMetrics();
    private final AtomicBoolean housekeeping = new AtomicBoolean(true);
    private final HealthState state = new HealthState("/wisp");

    private void start() {
        state.started(metrics, housekeeping::get);
    }

    @Test
    void beforeTheRegistryStartsNothingIsUpAndUpgradesAreRefused() {
        assertEquals("{\"status\":\"DOWN\",\"checks\":[{\"name\":\"deployment\",\"status\":\"DOWN\","
                + "\"data\":{\"started\":false,\"housekeeping\":false}}]}", HealthJson.render(List.of(state.live())));
        assertFalse(state.ready().up());
        assertFalse(state.acceptsUpgrades());
    }

    @Test
    void aStartedDeploymentIsLiveAndReadyInMicroProfileShape() {
        start();
        metrics.sessionOpened(WispMetrics.ConnectionKind.WISP_V1);
        metrics.sessionOpened(WispMetrics.ConnectionKind.WISP_V1);
        assertEquals("{\"status\":\"UP\",\"checks\":[{\"name\":\"deployment\",\"status\":\"UP\","
                + "\"data\":{\"started\":true,\"housekeeping\":true}}]}", HealthJson.render(List.of(state.live())));
        assertEquals("{\"status\":\"UP\",\"checks\":[{\"name\":\"new-connections\",\"status\":\"UP\","
                + "\"data\":{\"live\":true,\"draining\":false,\"undeploying\":false,\"sessions\":2}}]}",
                HealthJson.render(List.of(state.ready())));
        assertEquals("{\"status\":\"UP\",\"checks\":[{\"name\":\"deployment\",\"status\":\"UP\","
                + "\"data\":{\"started\":true,\"housekeeping\":true}},{\"name\":\"new-connections\",\"status\":\"UP\","
                + "\"data\":{\"live\":true,\"draining\":false,\"undeploying\":false,\"sessions\":2}}]}",
                HealthJson.render(state.all()));
        assertTrue(HealthJson.up(state.all()));
        assertTrue(state.acceptsUpgrades());
    }

    @Test
    void drainingTakesReadinessDownButNotLivenessUntilResumed() {
        start();
        assertTrue(state.drain());
        assertFalse(state.drain(), "already draining");
        assertTrue(state.draining());
        assertFalse(state.acceptsUpgrades());
        assertTrue(state.live().up(), "a draining deployment is alive");
        assertEquals(new HealthState.Check("new-connections", false,
                Map.of("live", true, "draining", true, "undeploying", false, "sessions", 0L)), state.ready());
        assertEquals("{\"status\":\"DOWN\",\"checks\":[{\"name\":\"deployment\",\"status\":\"UP\","
                + "\"data\":{\"started\":true,\"housekeeping\":true}},{\"name\":\"new-connections\",\"status\":\"DOWN\","
                + "\"data\":{\"live\":true,\"draining\":true,\"undeploying\":false,\"sessions\":0}}]}",
                HealthJson.render(state.all()), "one check DOWN: the whole answer is DOWN");

        assertTrue(state.resume());
        assertFalse(state.resume(), "not draining any more");
        assertTrue(state.ready().up());
        assertTrue(state.acceptsUpgrades());
    }

    @Test
    void undeployingIsNotReadyForGoodWhileStillLive() {
        start();
        state.undeploying();
        housekeeping.set(false);   // the undeploy stops it on purpose
        assertFalse(state.acceptsUpgrades());
        assertTrue(state.live().up(), "stopped housekeeping is expected while undeploying");
        assertEquals(Map.of("live", true, "draining", false, "undeploying", true, "sessions", 0L),
                state.ready().data());
        assertFalse(state.ready().up());
        state.drain();
        state.resume();
        assertFalse(state.acceptsUpgrades(), "resume does not undo an undeploy");
        assertFalse(state.ready().up());
    }

    @Test
    void housekeepingThatStoppedOtherwiseMeansNotLive() {
        start();
        housekeeping.set(false);
        assertEquals(new HealthState.Check("deployment", false, Map.of("started", true, "housekeeping", false)),
                state.live());
        assertFalse(state.ready().up());
        assertEquals(false, state.ready().data().get("live"));
    }

    @Test
    void refusedUpgradesAreCountedByStatus() {
        state.upgradeRefused(503);   // not started: nowhere to count, and no failure
        start();
        state.upgradeRefused(503);
        state.upgradeRefused(503);
        assertEquals(Map.of(503, 2L), metrics.upgradesRefused());
    }

    @Test
    void theMBeanSwitchesTheSharedState() {
        start();
        WispStats mbean = new WispStats(metrics, () -> new MemoryStats(null, null, null), state, java.util.List::of,
                id -> false);
        assertFalse(mbean.isDraining());
        mbean.drain();
        assertTrue(mbean.isDraining());
        assertFalse(state.acceptsUpgrades());
        mbean.drain();
        assertTrue(mbean.isDraining(), "idempotent");
        mbean.resume();
        assertFalse(mbean.isDraining());
        assertTrue(state.acceptsUpgrades());
    }

    @Test
    void emptyDataAndNoChecksStillRenderValidJson() {
        assertEquals("{\"status\":\"UP\",\"checks\":[]}", HealthJson.render(List.of()));
        assertEquals("{\"status\":\"DOWN\",\"checks\":[{\"name\":\"a\\\"b\",\"status\":\"DOWN\",\"data\":{}}]}",
                HealthJson.render(List.of(new HealthState.Check("a\"b", false, Map.of()))));
    }
}
