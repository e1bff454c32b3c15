package org.wispwar.wisp.endpoint;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.servlet.ServletContext;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.wispwar.wisp.config.WispConfig;
import org.wispwar.wisp.config.WispConfigProducer;
import org.wispwar.wisp.auth.AuthorizedKeys;
import org.wispwar.wisp.auth.PasswordStore;
import org.wispwar.wisp.session.PacketSender;
import org.wispwar.wisp.session.V2Settings;
import org.wispwar.wisp.session.WispMetrics;
import org.wispwar.wisp.session.WispSession;
import org.wispwar.wisp.session.WsproxyBridge;
import org.wispwar.wisp.session.WsproxyTarget;
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
    private final Map<WsproxyBridge, PacketSender> wsproxies = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final WispMetrics metrics = new WispMetrics();
    private volatile WispConfig config;
    private volatile TcpDialer dialer;
    /** For wsproxy routes: the operator chose the backend, so every address class is allowed (README, wsproxy mode). */
    private volatile TcpDialer routeDialer;
    /** Null when wisp.version is 1. */
    private volatile V2Settings v2;
    private ObjectName mbeanName;

    /**
     * Runs at deploy (the payload is the ServletContext): reads and validates the config, so a bad param fails the
     * deployment, and registers the MBean before any WebSocket opens.
     */
    void onStart(@Observes @Initialized(ApplicationScoped.class) ServletContext context) {
        WispConfig c = configs.load(context);
        dialer = new TcpDialer(HostResolver.JDK, DestinationPolicy.of(c.allowPrivateAddresses()), c.connectTimeout(),
                c.tcpNoDelay());
        routeDialer = new TcpDialer(HostResolver.JDK, DestinationPolicy.of(true), c.connectTimeout(), c.tcpNoDelay());
        v2 = c.version() >= 2 ? v2Settings(c) : null;
        config = c;
        registerMBean(context.getContextPath());
    }

    WispConfig config() {
        return config;
    }

    /** Loads the auth files once; a malformed one fails the deployment with the param's name. */
    private static V2Settings v2Settings(WispConfig c) {
        PasswordStore passwords = c.passwordUsersFile().isEmpty() ? null
                : loadAuthFile(WispConfig.PASSWORD_USERS_FILE, () -> PasswordStore.load(Path.of(c.passwordUsersFile())));
        AuthorizedKeys keys = c.keyAuthKeysFile().isEmpty() ? null
                : loadAuthFile(WispConfig.KEY_AUTH_KEYS_FILE, () -> AuthorizedKeys.load(Path.of(c.keyAuthKeysFile())));
        return new V2Settings(c.allowUdp(), c.motd(), passwords, c.passwordRequired(), keys, c.keyAuthRequired(),
                c.handshakeTimeout());
    }

    private interface AuthFileLoader<T> {
        T load() throws IOException;
    }

    private static <T> T loadAuthFile(String param, AuthFileLoader<T> loader) {
        try {
            return loader.load();
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException(param + ": " + e.getMessage(), e);
        }
    }

    /**
     * A Wisp connection: v2 when the server allows it and the client offered a subprotocol (the draft-6 signal),
     * otherwise v1.
     */
    WispSession open(PacketSender sender, boolean clientOfferedSubprotocol) {
        String id = Long.toString(ids.incrementAndGet(), 36);
        V2Settings settings = clientOfferedSubprotocol ? v2 : null;
        WispSession session = new WispSession(id, config, sender, dialer, metrics, settings);
        sessions.put(session, sender);
        return session;
    }

    void close(WispSession session) {
        if (sessions.remove(session) != null) {
            session.shutdown();
        }
    }

    /** A wsproxy connection to {@code target}: a route gets the trusting dialer, anything else the policy's. */
    WsproxyBridge openWsproxy(PacketSender sender, WsproxyTarget target) {
        String id = Long.toString(ids.incrementAndGet(), 36);
        WsproxyBridge bridge = new WsproxyBridge(id, target, config, sender, target.trusted() ? routeDialer : dialer,
                metrics);
        wsproxies.put(bridge, sender);
        bridge.closed().thenRun(() -> wsproxies.remove(bridge));
        return bridge;
    }

    @PreDestroy
    void shutdown() {
        for (Map.Entry<WsproxyBridge, PacketSender> e : wsproxies.entrySet()) {
            e.getKey().shutdown();
            e.getValue().closeConnection(jakarta.websocket.CloseReason.CloseCodes.GOING_AWAY.getCode(),
                    "server shutting down");
        }
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
