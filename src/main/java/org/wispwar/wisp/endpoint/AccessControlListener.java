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
import org.wispwar.wisp.auth.HandshakeAccess;
import org.wispwar.wisp.config.AccessConfig;
import org.wispwar.wisp.config.PolicyConfig;

/**
 * Declared in web.xml: when access control is configured, registers {@link AccessFilter} on {@code /*} <em>before</em>
 * every other filter. A filter declared in web.xml would not do: Jetty prepends its WebSocketUpgradeFilter to the chain
 * (so the upgrade would happen before a web.xml filter runs), while Tomcat appends its WsFilter after the web.xml
 * filters. A programmatic mapping with {@code isMatchAfter = false} lands in front of both. Reads its params itself
 * ({@link AccessConfig#from(Map)}): CDI injection into listeners and filters is not available on every container, and
 * the CDI-produced {@link org.wispwar.wisp.config.WispConfig} may not exist yet.
 * Runs once per deployment.
 */
public final class AccessControlListener implements ServletContextListener {
    private static final System.Logger LOG = System.getLogger(AccessControlListener.class.getName());
    static final String FILTER_NAME = "wisp-access";

    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        AccessConfig access = accessConfig(context);
        if (!access.enabled()) {
            return;
        }
        PolicyConfig policy = read(context, PolicyConfig::from);   // for the client address in refusal lines
        FilterRegistration.Dynamic filter = context.addFilter(FILTER_NAME, new AccessFilter(new HandshakeAccess(access),
                RefusalLog.of(context), policy.trustedProxies()));
        if (filter == null) {
            throw new IllegalStateException("a filter named " + FILTER_NAME + " already exists in "
                    + context.getContextPath() + "; Wisp access control needs that name");
        }
        filter.setAsyncSupported(true);
        filter.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST, DispatcherType.FORWARD), false, "/*");
        LOG.log(System.Logger.Level.INFO, "Wisp access control at {0}/: {1}", context.getContextPath(), access);
    }

    private static Map<String, String> params(ServletContext context) {
        Map<String, String> params = new HashMap<>();
        for (String name : Collections.list(context.getInitParameterNames())) {
            params.put(name, context.getInitParameter(name));
        }
        return params;
    }

    private static AccessConfig accessConfig(ServletContext context) {
        return read(context, AccessConfig::from);
    }

    /** Reads one config group; an invalid param is logged with the context and fails the deployment. */
    private static <T> T read(ServletContext context, java.util.function.Function<Map<String, String>, T> group) {
        Map<String, String> params = params(context);
        try {
            return group.apply(params);
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.ERROR, "Wisp configuration of " + context.getContextPath() + " is invalid: "
                    + e.getMessage());
            throw e;
        }
    }
}
