package org.wispwar.wisp.endpoint;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.servlet.ServletContext;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.wispwar.wisp.config.WispConfig;
import org.wispwar.wisp.config.WispConfigProducer;
import org.wispwar.wisp.session.PacketSender;
import org.wispwar.wisp.session.WispMetrics;
import org.wispwar.wisp.session.WispSession;
import org.wispwar.wisp.transport.DestinationPolicy;
import org.wispwar.wisp.transport.HostResolver;
import org.wispwar.wisp.transport.TcpDialer;

/**
 * The deployment's one registry of live Wisp sessions, with the shared dialer and metrics. Undeploy
 * ({@link PreDestroy}) ends every session and closes its WebSocket. Exposes its counters as the MBean
 * {@code org.wispwar.wisp:type=Wisp,context=<path>}. Thread-safe.
 */
@ApplicationScoped
public class WispRegistry {
    private static final System.Logger LOG = System.getLogger(WispRegistry.class.getName());

    @Inject
    WispConfigProducer configs;

    private final Map<WispSession, PacketSender> sessions = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final WispMetrics metrics = new WispMetrics();
    private volatile WispConfig config;
    private volatile TcpDialer dialer;
    private ObjectName mbeanName;

    /**
     * Runs at deploy (the payload is the ServletContext): reads and validates the config, so a bad param fails the
     * deployment, and registers the MBean before any WebSocket opens.
     */
    void onStart(@Observes @Initialized(ApplicationScoped.class) ServletContext context) {
        WispConfig c = configs.load(context);
        dialer = new TcpDialer(HostResolver.JDK, DestinationPolicy.of(c.allowPrivateAddresses()), c.connectTimeout(),
                c.tcpNoDelay());
        config = c;
        registerMBean(context.getContextPath());
    }

    WispConfig config() {
        return config;
    }

    WispSession open(PacketSender sender) {
        String id = Long.toString(ids.incrementAndGet(), 36);
        WispSession session = new WispSession(id, config, sender, dialer, metrics);
        sessions.put(session, sender);
        return session;
    }

    void close(WispSession session) {
        if (sessions.remove(session) != null) {
            session.shutdown();
        }
    }

    @PreDestroy
    void shutdown() {
        for (Map.Entry<WispSession, PacketSender> e : sessions.entrySet()) {
            close(e.getKey());
            e.getValue().closeConnection(jakarta.websocket.CloseReason.CloseCodes.GOING_AWAY.getCode(),
                    "server shutting down");
        }
        unregisterMBean();
    }

    private void registerMBean(String contextPath) {
        try {
            String path = contextPath.isEmpty() ? "/" : contextPath;
            mbeanName = new ObjectName("org.wispwar.wisp:type=Wisp,context=" + ObjectName.quote(path));
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            if (!server.isRegistered(mbeanName)) {
                server.registerMBean(new WispStats(metrics), mbeanName);
            }
        } catch (JMException e) {
            LOG.log(System.Logger.Level.WARNING, "Wisp statistics MBean not registered: " + e);
            mbeanName = null;
        }
    }

    private void unregisterMBean() {
        if (mbeanName == null) {
            return;
        }
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(mbeanName);
        } catch (JMException e) {
            LOG.log(System.Logger.Level.DEBUG, "Wisp statistics MBean already gone: " + e);
        }
    }
}
