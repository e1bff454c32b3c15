package org.wispwar.wisp.endpoint;

import jakarta.servlet.ServletContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.wispwar.wisp.metrics.WispMetrics;

/**
 * One deployment's health: whether it is <em>live</em> (the registry has started and its housekeeping thread runs) and
 * <em>ready</em> for new connections (live, not draining, not undeploying). Draining is switched by the MBean
 * ({@link #drain()}, {@link #resume()}); undeploying is set once by the registry's undeploy and by a Jetty server stop,
 * and is never cleared. While not ready, {@link DrainFilter} answers new WebSocket upgrades with 503; open connections
 * and their streams go on untouched.
 *
 * <p>Kept as a servlet context attribute ({@link #of}), so the filter, the health servlet and the registry share it
 * without CDI: the filter is installed before the registry exists and still runs while the registry is being destroyed.
 * The drain grace period (wisp.drainGrace: closing what is still open some time after {@link #drain()}) is the
 * registry's, which asks {@link #drainExpired}; this class only holds the state. Thread-safe: volatile fields, and
 * {@link #acceptsUpgrades()} reads them without a lock, since it runs on every upgrade.
 */
public final class HealthState {
    private static final System.Logger LOG = System.getLogger(HealthState.class.getName());
    /** The servlet context attribute that holds a deployment's state. */
    static final String ATTRIBUTE = HealthState.class.getName();
    /** The name of the liveness check in the JSON. */
    static final String LIVE_CHECK = "deployment";
    /** The name of the readiness check in the JSON. */
    static final String READY_CHECK = "new-connections";

    /** One check of a health answer: its name, whether it is UP, and what it is based on (booleans and counts only). */
    record Check(String name, boolean up, Map<String, Object> data) {
        Check {
            data = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(data));
        }
    }

    private final String contextPath;
    private volatile boolean enabled = true;
    /** Null until the registry has started. */
    private volatile WispMetrics metrics;
    private volatile BooleanSupplier housekeepingRunning = () -> false;
    private volatile boolean draining;
    /** When the current drain began (System.nanoTime), for the grace period; meaningless while not draining. */
    private volatile long drainedAt;
    private volatile boolean undeploying;

    HealthState(String contextPath) {
        this.contextPath = contextPath;
    }

    /** The deployment's state, made on first use (by the listener or by the registry, whichever comes first). */
    static HealthState of(ServletContext context) {
        synchronized (HealthState.class) {   // per deployment: the class is the WAR's own
            if (context.getAttribute(ATTRIBUTE) instanceof HealthState state) {
                return state;
            }
            HealthState state = new HealthState(context.getContextPath());
            context.setAttribute(ATTRIBUTE, state);
            return state;
        }
    }

    /** Whether the health endpoints answer (wisp.health.enabled); draining works either way. */
    boolean enabled() {
        return enabled;
    }

    void enabled(boolean on) {
        enabled = on;
    }

    /** The registry has started: from now on the deployment is live while {@code housekeepingRunning} says so. */
    void started(WispMetrics metrics, BooleanSupplier housekeepingRunning) {
        this.housekeepingRunning = housekeepingRunning;
        this.metrics = metrics;
    }

    /** Undeploy or server stop has begun: not ready from now on, for good. */
    void undeploying() {
        undeploying = true;
    }

    /**
     * Stops taking new connections: readiness goes DOWN and new upgrades get 503, while open connections go on.
     * Returns false when it was draining already.
     */
    boolean drain() {
        if (draining) {
            return false;
        }
        drainedAt = System.nanoTime();
        draining = true;
        WispMetrics m = metrics;
        LOG.log(System.Logger.Level.INFO, "Wisp {0}: draining: readiness is DOWN and new WebSocket upgrades get 503;"
                + " the {1} open connections go on", path(), m == null ? 0 : m.sessions());
        return true;
    }

    /** Takes new connections again after {@link #drain()}. Returns false when it was not draining. */
    boolean resume() {
        if (!draining) {
            return false;
        }
        draining = false;
        LOG.log(System.Logger.Level.INFO, "Wisp {0}: resumed: readiness is UP again (unless undeploying) and new"
                + " WebSocket upgrades are accepted", path());
        return true;
    }

    boolean draining() {
        return draining;
    }

    /** Whether a drain has lasted {@code graceNanos} or more at {@code now} (System.nanoTime); never when zero. */
    boolean drainExpired(long now, long graceNanos) {
        return graceNanos > 0 && draining && now - drainedAt >= graceNanos;
    }

    /** Whether a new WebSocket may open now: started, not draining, not undeploying. Three volatile reads. */
    boolean acceptsUpgrades() {
        return !draining && !undeploying && metrics != null;
    }

    /** Counts an upgrade refused because the deployment is not ready. */
    void upgradeRefused(int status) {
        WispMetrics m = metrics;
        if (m != null) {
            m.upgradeRefused(status);
        }
    }

    /** Liveness: the registry has started and its housekeeping thread runs (or was stopped by the undeploy). */
    Check live() {
        boolean started = metrics != null;
        boolean housekeeping = housekeepingRunning.getAsBoolean();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("started", started);
        data.put("housekeeping", housekeeping);
        return new Check(LIVE_CHECK, started && (housekeeping || undeploying), data);
    }

    /** Readiness: live, and neither draining nor undeploying; with the number of open connections. */
    Check ready() {
        boolean live = live().up();
        boolean drain = draining;
        boolean stop = undeploying;
        WispMetrics m = metrics;
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("live", live);
        data.put("draining", drain);
        data.put("undeploying", stop);
        data.put("sessions", m == null ? 0L : m.sessions());
        return new Check(READY_CHECK, live && !drain && !stop, data);
    }

    /** Both checks, for {@code /health}. */
    List<Check> all() {
        return List.of(live(), ready());
    }

    private String path() {
        return contextPath.isEmpty() ? "/" : contextPath;
    }
}
