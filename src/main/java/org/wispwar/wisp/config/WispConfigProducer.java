package org.wispwar.wisp.config;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.servlet.ServletContext;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Reads the context params once and produces the validated {@link WispConfig}. The registry loads it from its startup
 * observer, so a bad value fails the deployment with the param's name in the message. Thread-safe: parsed under a lock
 * once, then published through a volatile field.
 */
@ApplicationScoped
public class WispConfigProducer {
    private static final System.Logger LOG = System.getLogger(WispConfigProducer.class.getName());

    private final ReentrantLock loading = new ReentrantLock();
    private volatile WispConfig config;

    /** Parses the context's params on the first call; later calls return the same config. */
    public WispConfig load(ServletContext context) {
        WispConfig c = config;
        if (c != null) {
            return c;
        }
        loading.lock();
        try {
            if (config == null) {
                config = parse(context);
                LOG.log(System.Logger.Level.INFO, "Wisp server {0} at {1}/ ready: {2}", ServerVersion.get(),
                        context.getContextPath(), config);
            }
            return config;
        } finally {
            loading.unlock();
        }
    }

    @Produces
    WispConfig config() {
        WispConfig c = config;
        if (c == null) {
            throw new IllegalStateException("Wisp configuration requested before the application started");
        }
        return c;
    }

    private static WispConfig parse(ServletContext context) {
        Map<String, String> params = new HashMap<>();
        for (String name : Collections.list(context.getInitParameterNames())) {
            params.put(name, context.getInitParameter(name));
        }
        try {
            return WispConfig.from(params);
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.ERROR, "Wisp configuration of " + context.getContextPath() + " is invalid: "
                    + e.getMessage());
            throw e;
        }
    }
}
