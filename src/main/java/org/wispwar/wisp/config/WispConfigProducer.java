package org.wispwar.wisp.config;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.servlet.ServletContext;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the context params once, when the application starts, and produces the validated {@link WispConfig}. A bad
 * value throws from the startup observer, which fails the deployment with the param's name in the message.
 * Thread-safe: the config is published through a volatile field before any WebSocket can open.
 */
@ApplicationScoped
public class WispConfigProducer {
    private static final System.Logger LOG = System.getLogger(WispConfigProducer.class.getName());

    private volatile WispConfig config;

    void onStart(@Observes @Initialized(ApplicationScoped.class) Object payload) {
        if (!(payload instanceof ServletContext context)) {
            throw new IllegalStateException("expected the ServletContext as the application's initialization payload");
        }
        Map<String, String> params = new HashMap<>();
        for (String name : Collections.list(context.getInitParameterNames())) {
            params.put(name, context.getInitParameter(name));
        }
        try {
            config = WispConfig.from(params);
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.ERROR, "Wisp configuration of " + context.getContextPath() + " is invalid: "
                    + e.getMessage());
            throw e;
        }
        LOG.log(System.Logger.Level.INFO, "Wisp server at {0}/ ready: {1}", context.getContextPath(), config);
    }

    @Produces
    WispConfig config() {
        WispConfig c = config;
        if (c == null) {
            throw new IllegalStateException("Wisp configuration requested before the application was initialized");
        }
        return c;
    }
}
