package org.wispwar.wisp.endpoint;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import org.wispwar.wisp.config.HealthConfig;

/**
 * Declared in web.xml: makes the deployment's {@link HealthState}, reads {@code wisp.health.enabled} (a bad value fails
 * the deployment naming it), and always registers {@link DrainFilter} on {@code /*} ahead of the container's WebSocket
 * upgrade filter, the way {@link AccessControlListener} does (a programmatic mapping with {@code isMatchAfter = false}:
 * Jetty prepends its upgrade filter, Tomcat appends its WsFilter, and such a mapping lands in front of both). On
 * context destruction it marks the deployment undeploying (the registry does too, whichever runs first). Runs once per
 * deployment.
 */
public final class HealthListener implements ServletContextListener {
    private static final System.Logger LOG = System.getLogger(HealthListener.class.getName());
    static final String FILTER_NAME = "wisp-drain";

    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        HealthConfig health = healthConfig(context);
        HealthState state = HealthState.of(context);
        state.enabled(health.enabled());
        FilterRegistration.Dynamic filter = context.addFilter(FILTER_NAME, new DrainFilter(state));
        if (filter == null) {
            throw new IllegalStateException("a filter named " + FILTER_NAME + " already exists in "
                    + context.getContextPath() + "; Wisp's drain needs that name");
        }
        filter.setAsyncSupported(true);
        filter.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST, DispatcherType.FORWARD), false, "/*");
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        HealthState.of(event.getServletContext()).undeploying();
    }

    /** The health params, read from the context (the registry reads wisp.drainGrace here too). */
    static HealthConfig healthConfig(ServletContext context) {
        Map<String, String> params = new HashMap<>();
        for (String name : Collections.list(context.getInitParameterNames())) {
            params.put(name, context.getInitParameter(name));
        }
        try {
            return HealthConfig.from(params);
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.ERROR, "Wisp configuration of " + context.getContextPath() + " is invalid: "
                    + e.getMessage());
            throw e;
        }
    }
}
