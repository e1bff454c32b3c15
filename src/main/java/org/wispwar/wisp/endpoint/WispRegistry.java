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
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.wispwar.wisp.config.LimitsConfig;
import org.wispwar.wisp.config.PolicyConfig;
import org.wispwar.wisp.config.ServerVersion;
import org.wispwar.wisp.config.WispConfig;
import org.wispwar.wisp.config.WispConfigProducer;
import org.wispwar.wisp.auth.AuthorizedKeys;
import org.wispwar.wisp.auth.PasswordStore;
import org.wispwar.wisp.limits.ByteBudget;
import org.wispwar.wisp.limits.ClientLimits;
import org.wispwar.wisp.limits.ConnectionLimits;
import org.wispwar.wisp.metrics.ThroughputHistory;
import org.wispwar.wisp.metrics.PrometheusMetrics;
import org.wispwar.wisp.metrics.WispMetrics;
import org.wispwar.wisp.limits.ClientIp;
import org.wispwar.wisp.session.V2Settings;
import org.wispwar.wisp.session.WispSession;
import org.wispwar.wisp.stream.ConnectionRecord;
import org.wispwar.wisp.stream.BufferPool;
import org.wispwar.wisp.stream.PacketSender;
import org.wispwar.wisp.stream.ReadControl;
import org.wispwar.wisp.wsproxy.WsproxyBridge;
import org.wispwar.wisp.wsproxy.WsproxyTarget;
import org.wispwar.wisp.transport.CachingResolver;
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
    /** Made at deploy (not in a field initializer, which CDI's proxy would run too): it takes a deployment number. */
    private volatile ConnectionIds ids;
    private volatile RefusalLog refusals;
    private final java.util.concurrent.atomic.AtomicBoolean forwardingReported = new java.util.concurrent.atomic.AtomicBoolean();
    private final WispMetrics metrics = new WispMetrics();
    /** The last minutes of traffic for the status page, sampled by the housekeeping thread. */
    private volatile ThroughputHistory history;
    /** The same counters for Prometheus, with the duration histograms; this deployment's own registry. */
    private volatile PrometheusMetrics prometheus;
    private volatile WispConfig config;
    /** Bytes every connection holds for destinations, against wisp.serverByteBudget. */
    private volatile ByteBudget serverBudget;
    private volatile BufferPool buffers;
    private volatile TcpDialer dialer;
    private volatile CachingResolver resolver;
    private volatile ClientLimits clientLimits;
    /** The per-client limits over every instance (wisp.sharedState), or null: this deployment's limits alone. */
    private volatile org.wispwar.wisp.limits.SharedLimits sharedLimits;
    private volatile ScheduledExecutorService housekeeping;
    /** For wsproxy routes: the operator chose the backend, so every address class is allowed (README, wsproxy mode). */
    private volatile TcpDialer routeDialer;
    /** Null when wisp.version is 1. */
    private volatile V2Settings v2;
    private ObjectName mbeanName;
    /** Readiness and the drain switch, shared with the drain filter and the health servlet (a context attribute). */
    private volatile HealthState health = new HealthState("");
    /** wisp.drainGrace: zero never closes a drained deployment's connections. */
    private volatile Duration drainGrace = Duration.ZERO;

    /**
     * Runs at deploy (the payload is the ServletContext): reads and validates the config, so a bad param fails the
     * deployment, and registers the MBean before any WebSocket opens.
     */
    void onStart(@Observes @Initialized(ApplicationScoped.class) ServletContext context) {
        WispConfig c = configs.load(context);
        ids = new ConnectionIds();
        refusals = RefusalLog.of(context);
        PolicyConfig p = c.policy();
        prometheus = new PrometheusMetrics(metrics, this::memory, ServerVersion.get());
        resolver = new CachingResolver(HostResolver.JDK, p.dnsTimeout(), p.dnsCacheTtl(), p.dnsNegativeCacheTtl(),
                p.dnsPreference(), System::nanoTime, DNS_CACHE_ENTRIES, metrics::dnsLookupTook);
        dialer = new TcpDialer(resolver, DestinationPolicy.of(c.allowPrivateAddresses(), p), c.connectTimeout(),
                c.tcpNoDelay());
        routeDialer = new TcpDialer(resolver, DestinationPolicy.of(true), c.connectTimeout(), c.tcpNoDelay());
        v2 = c.version() >= 2 ? v2Settings(c) : null;
        sharedLimits = sharedLimits(context, c.limits());
        clientLimits = new ClientLimits(c.limits(), System::nanoTime, metrics, sharedLimits);
        serverBudget = new ByteBudget(WispConfig.SERVER_BYTE_BUDGET, c.serverByteBudget(), null);
        buffers = new BufferPool(Math.min(MAX_POOLED_BYTES, c.serverByteBudget() / 8));
        config = c;
        history = ThroughputHistory.of(metrics);
        health = HealthState.of(context);
        drainGrace = HealthListener.healthConfig(context).drainGrace();
        registerMBean(context.getContextPath());
        startHousekeeping(c.limits());
        ScheduledExecutorService timers = housekeeping;
        health.started(metrics, () -> !timers.isShutdown());
        context.setAttribute(JettyServerStop.ON_SERVER_STOP, (Runnable) this::serverStopping);
    }

    /**
     * With wisp.sharedState, the Redis-backed shared limits (connected here, waiting at most wisp.sharedState.timeout:
     * a Redis that is down does not fail the deploy); without it null, and no Redis class is ever loaded.
     */
    private org.wispwar.wisp.limits.SharedLimits sharedLimits(ServletContext context,
            org.wispwar.wisp.config.LimitsConfig limits) {
        Map<String, String> params = new java.util.HashMap<>();
        for (String name : java.util.Collections.list(context.getInitParameterNames())) {
            params.put(name, context.getInitParameter(name));
        }
        org.wispwar.wisp.config.SharedStateConfig shared = org.wispwar.wisp.config.SharedStateConfig.from(params);
        if (!shared.enabled()) {
            return null;
        }
        LOG.log(System.Logger.Level.INFO, "Wisp at {0}/: per-client limits shared through {1}",
                context.getContextPath(), shared);
        return org.wispwar.wisp.limits.RedisSharedLimits.start(limits, shared, metrics, System::nanoTime,
                context.getContextPath() + "/");
    }

    /**
     * A Jetty server stop (see {@link JettyServerStop}), before its connectors close: the same CLOSEs and 1001 as an
     * undeploy, while they can still reach the clients. The threads and the MBean are left to the undeploy that follows.
     */
    private void serverStopping() {
        health.undeploying();   // first: readiness DOWN and no new upgrade while the open ones are closed
        LOG.log(System.Logger.Level.INFO, "Wisp: the server is stopping");
        closeWsproxiesGracefully(SHUTTING_DOWN);
        closeSessionsGracefully(System.nanoTime() + UNDEPLOY_GRACE.toNanos(), SHUTTING_DOWN);
    }

    /** Free buffers kept for reuse, at most (and at most an eighth of the server budget). */
    static final long MAX_POOLED_BYTES = 32L * 1024 * 1024;
    /** How often streams whose destination takes no bytes are looked for. */
    private static final Duration STALL_SWEEP = Duration.ofSeconds(1);
    /** Names the DNS cache holds at most. */
    static final int DNS_CACHE_ENTRIES = 10_000;
    /** How often idle TCP streams are looked for, at most (a quarter of the idle timeout, at least every second). */
    private static final Duration IDLE_SWEEP = Duration.ofSeconds(1);
    /** How often per-IP state of clients that went away is forgotten. */
    private static final Duration CLIENT_SWEEP = Duration.ofSeconds(30);
    /** How often the refusals that were not logged one by one are summed up in one line (see {@link RefusalLog}). */
    static final Duration REFUSAL_SUMMARY = Duration.ofMinutes(1);

    /**
     * One virtual thread for the deployment's timers: WebSocket pings (and closing connections whose previous ping got
     * no pong), TCP idle timeouts, forgetting idle client IPs, and the throughput history's samples.
     */
    private void startHousekeeping(LimitsConfig limits) {
        housekeeping = Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("wisp-housekeeping").factory());
        if (!limits.pingInterval().isZero()) {
            long every = limits.pingInterval().toMillis();
            housekeeping.scheduleWithFixedDelay(this::pingAll, every, every, TimeUnit.MILLISECONDS);
        }
        if (!limits.tcpIdleTimeout().isZero()) {
            long every = Math.max(IDLE_SWEEP.toMillis(), Math.min(limits.tcpIdleTimeout().toMillis() / 4, 10_000));
            long idle = limits.tcpIdleTimeout().toNanos();
            housekeeping.scheduleWithFixedDelay(() -> {
                long now = System.nanoTime();
                sessions.keySet().forEach(s -> s.closeIdleStreams(now, idle));
            }, every, every, TimeUnit.MILLISECONDS);
        }
        long sample = history.interval().toMillis();
        // with a fixed delay, a late round (the thread shares its timer with pings) never comes as a burst of
        // samples; each sample carries its own time, so the page divides by the real interval
        housekeeping.scheduleWithFixedDelay(() -> history.sample(System.currentTimeMillis(), metrics), sample, sample,
                TimeUnit.MILLISECONDS);
        if (!drainGrace.isZero()) {
            long every = Math.max(100, Math.min(1000, drainGrace.toMillis() / 4));
            housekeeping.scheduleWithFixedDelay(this::closeDrained, every, every, TimeUnit.MILLISECONDS);
        }
        long sweep = CLIENT_SWEEP.toMillis();
        housekeeping.scheduleWithFixedDelay(clientLimits::sweep, sweep, sweep, TimeUnit.MILLISECONDS);
        long summary = REFUSAL_SUMMARY.toMillis();
        housekeeping.scheduleWithFixedDelay(refusals::flush, summary, summary, TimeUnit.MILLISECONDS);
        long stall = config.destinationTimeout().toNanos();
        long stallEvery = Math.max(100, Math.min(STALL_SWEEP.toMillis(), config.destinationTimeout().toMillis() / 4));
        housekeeping.scheduleWithFixedDelay(() -> {
            long now = System.nanoTime();
            sessions.keySet().forEach(s -> s.closeStalledStreams(now, stall));
            wsproxies.keySet().forEach(b -> b.closeIfStalled(now, stall));
        }, stallEvery, stallEvery, TimeUnit.MILLISECONDS);
    }

    private void pingAll() {
        long now = System.nanoTime();
        long interval = config.limits().pingInterval().toNanos();
        for (Map.Entry<WispSession, PacketSender> e : sessions.entrySet()) {
            WispSession s = e.getKey();
            if (s.readPaused()) {
                s.pongReceived();   // nothing is read while paused, pongs neither: no verdict on this connection
                continue;
            }
            if (s.pingUnanswered(now, interval)) {
                LOG.log(System.Logger.Level.DEBUG, "[{0}] no pong for a whole ping interval; closing", s.id());
                e.getValue().closeConnection(jakarta.websocket.CloseReason.CloseCodes.GOING_AWAY.getCode(),
                        "no pong to the last ping");
                s.shutdown();
            } else {
                s.ping(now, e.getValue()::ping);
            }
        }
    }

    /** The client behind a connection: the peer, or what a trusted proxy says (see {@link ClientIp}). */
    String clientIp(String peer, java.util.List<String> forwardedFor, String realIp) {
        return ClientIp.resolve(peer, forwardedFor, realIp, config.policy().trustedProxies());
    }

    /**
     * Forwarding headers came from {@code peer}: when it is not a trusted proxy they are ignored (right), but the
     * operator has probably forgotten wisp.trustedProxies, and every client behind that proxy shares its address and
     * its per-IP limits. Said once per deployment, at WARNING, naming the peer and the param.
     */
    void untrustedForwarding(String peer) {
        if (peer == null || ClientIp.isTrustedProxy(peer, config.policy().trustedProxies())
                || !forwardingReported.compareAndSet(false, true)) {
            return;
        }
        LOG.log(System.Logger.Level.WARNING, "Wisp: X-Forwarded-For / X-Real-IP headers came from " + peer
                + ", which is not in " + PolicyConfig.TRUSTED_PROXIES + ": they are ignored and " + peer
                + " counts as the client (for the logs and the per-IP limits). If " + peer + " is your reverse proxy,"
                + " add it to " + PolicyConfig.TRUSTED_PROXIES + ". (Said once per deployment.)");
    }

    /** A new connection id, unique in the JVM (see {@link ConnectionIds}); refused connections get one too. */
    String nextId() {
        return ids.next();
    }

    /** The deployment's bounded log of refusals. */
    RefusalLog refusals() {
        return refusals;
    }

    /** Who a new WebSocket's client is, from what {@link EndpointConfigurator} recorded at the handshake. */
    ConnectionRecord connection(String id, Map<String, Object> handshake, ConnectionRecord.Kind kind, String target) {
        Object ip = handshake.get(EndpointConfigurator.CLIENT_IP);
        Object peer = handshake.get(EndpointConfigurator.PEER);
        Object origin = handshake.get(EndpointConfigurator.ORIGIN);
        return new ConnectionRecord(id, ip == null ? null : ip.toString(), peer == null ? null : peer.toString(),
                origin == null ? null : origin.toString(), kind, target, config.logging().accessLog());
    }

    /** A new WebSocket from {@code ip}, within the per-IP caps or refused. */
    ClientLimits.Admission admit(String ip) {
        return clientLimits.admit(ip);
    }

    WispConfig config() {
        return config;
    }

    /** The deployment's counters, for the statistics endpoint (the MBean holds the same object). */
    WispMetrics metrics() {
        return metrics;
    }

    /** The throughput of the last minutes, for the statistics endpoint (the status page's chart). */
    ThroughputHistory history() {
        return history;
    }

    /** The Prometheus view of {@link #metrics()}, for the metrics endpoint. */
    PrometheusMetrics prometheus() {
        return prometheus;
    }

    /** What connections hold for destinations now, against the budgets, for the statistics endpoint and the MBean. */
    MemoryStats memory() {
        return new MemoryStats(serverBudget, buffers, config);
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
    WispSession open(ConnectionRecord connection, PacketSender sender, boolean clientOfferedSubprotocol,
            ConnectionLimits limits, ReadControl reads) {
        V2Settings settings = clientOfferedSubprotocol ? v2 : null;
        connection.kind(settings == null ? ConnectionRecord.Kind.V1 : ConnectionRecord.Kind.V2);
        WispSession[] self = new WispSession[1];
        WispSession session = new WispSession(connection.id(), config, settings, new WispSession.Resources(sender,
                dialer, metrics, buffers, serverBudget, reads, limits, () -> sessions.remove(self[0]), connection));
        self[0] = session;
        sessions.put(session, sender);
        return session;
    }

    /** Ends a session (idempotent); it leaves the registry as it shuts down. */
    private static void close(WispSession session) {
        session.shutdown();
    }

    /** A wsproxy connection to {@code target}: a route gets the trusting dialer, anything else the policy's. */
    WsproxyBridge openWsproxy(ConnectionRecord connection, PacketSender sender, WsproxyTarget target,
            ConnectionLimits limits, ReadControl reads) {
        WsproxyBridge bridge = WsproxyBridge.create(connection.id(), target, config, new WsproxyBridge.Resources(sender,
                target.trusted() ? routeDialer : dialer, metrics, buffers, serverBudget, reads, limits, connection));
        wsproxies.put(bridge, sender);
        bridge.closed().thenRun(() -> wsproxies.remove(bridge));
        return bridge;
    }

    @PreDestroy
    void shutdown() {
        health.undeploying();   // first: readiness DOWN and no new upgrade while the open ones are closed
        if (housekeeping != null) {
            housekeeping.shutdownNow();
            try {   // its thread must be gone when undeploy returns (leak checks look right after)
                housekeeping.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (resolver != null) {
            resolver.close();
        }
        try {
            List<WsproxyBridge> bridges = closeWsproxiesGracefully(SHUTTING_DOWN);
            long deadline = System.nanoTime() + UNDEPLOY_GRACE.toNanos();
            List<WispSession> ended = closeSessionsGracefully(deadline, SHUTTING_DOWN);
            awaitThreads(ended, bridges, deadline);
        } finally {
            if (sharedLimits != null) {   // after the connections (their releases go out first), and whatever happened
                sharedLimits.close();
            }
        }
        if (refusals != null) {
            refusals.flush();
        }
        unregisterMBean();
    }

    /** Every wsproxy connection gets 1001, then its bridge shuts down. Returns the bridges that were live. */
    private List<WsproxyBridge> closeWsproxiesGracefully(String phrase) {
        List<WsproxyBridge> bridges = List.copyOf(wsproxies.keySet());
        for (Map.Entry<WsproxyBridge, PacketSender> e : wsproxies.entrySet()) {
            // The close frame before shutdown(), which interrupts the bridge's threads: on Tomcat, interrupting a
            // thread inside a WebSocket write breaks the connection, and the client would see 1006 instead of 1001.
            e.getValue().closeConnection(jakarta.websocket.CloseReason.CloseCodes.GOING_AWAY.getCode(), phrase);
            e.getKey().shutdown();
        }
        return bridges;
    }

    /** The close phrase (with 1001) of an undeploy or a server stop. */
    static final String SHUTTING_DOWN = "server shutting down";
    /** The close phrase (with 1001) when wisp.drainGrace runs out after a drain. */
    static final String DRAINED = "server drained";

    /**
     * The drain grace is over (wisp.drainGrace after a JMX drain): what is still open gets the undeploy's close, CLOSE
     * 0x02 on every stream and 1001 {@value #DRAINED}. Runs on the housekeeping thread, which it holds for at most
     * {@link #UNDEPLOY_GRACE} (a client that does not read); undeploy interrupts it.
     */
    private void closeDrained() {
        if (!health.drainExpired(System.nanoTime(), drainGrace.toNanos())
                || (sessions.isEmpty() && wsproxies.isEmpty())) {
            return;
        }
        LOG.log(System.Logger.Level.INFO, "Wisp: the drain grace of {0} is over", drainGrace);
        closeWsproxiesGracefully(DRAINED);
        closeSessionsGracefully(System.nanoTime() + UNDEPLOY_GRACE.toNanos(), DRAINED);
    }

    /** How long undeploy waits, at most, for the CLOSEs to go out and every stream thread to end. */
    static final Duration UNDEPLOY_GRACE = Duration.ofSeconds(5);

    /**
     * Undeploy: every stream gets CLOSE 0x02, then its WebSocket closes with 1001. Sessions go in parallel, one virtual
     * thread each, because a send to a slow client blocks; whatever is not done by the deadline is released without
     * sending. Returns the sessions that were live.
     */
    private List<WispSession> closeSessionsGracefully(long deadline, String phrase) {
        List<WispSession> live = new ArrayList<>();
        List<Thread> closers = new ArrayList<>();
        for (Map.Entry<WispSession, PacketSender> e : sessions.entrySet()) {
            WispSession s = e.getKey();
            live.add(s);
            closers.add(Thread.ofVirtual().name("wisp-" + s.id() + "-undeploy").start(() -> {
                s.closeAllStreams(org.wispwar.wisp.protocol.CloseReason.VOLUNTARY);
                // the close frame before close(s), whose shutdown interrupts the session's threads (see above)
                e.getValue().closeConnection(jakarta.websocket.CloseReason.CloseCodes.GOING_AWAY.getCode(), phrase);
                close(s);
            }));
        }
        if (!live.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "Wisp: closing {0} connections ({1})", Integer.toString(live.size()),
                    phrase);
        }
        for (Thread t : closers) {
            if (!joinUntil(t, deadline)) {
                t.interrupt();   // a client that does not read: give up on its CLOSEs
            }
        }
        for (Map.Entry<WispSession, PacketSender> e : sessions.entrySet()) {   // left over, or opened meanwhile
            e.getValue().closeConnection(jakarta.websocket.CloseReason.CloseCodes.GOING_AWAY.getCode(), phrase);
            close(e.getKey());
        }
        return live;
    }

    /** Waits until every stream thread has ended, so none outlives the application's class loader. */
    private static void awaitThreads(List<WispSession> ended, List<WsproxyBridge> bridges, long deadline) {
        int running = 0;
        try {
            for (WispSession s : ended) {
                running += s.awaitThreads(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS) ? 0 : 1;
            }
            for (WsproxyBridge b : bridges) {
                running += b.awaitThreads(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS) ? 0 : 1;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (running > 0) {
            LOG.log(System.Logger.Level.WARNING, "Wisp undeploy: threads of {0} connections still running after {1}",
                    running, UNDEPLOY_GRACE);
        }
    }

    private static boolean joinUntil(Thread t, long deadline) {
        try {
            return t.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    // ---------------------------------------------------------------------------------- operator: list and close

    /** The open connections, oldest first, for JMX. */
    List<WispStatsMBean.OpenConnection> connections() {
        List<WispStatsMBean.OpenConnection> out = new ArrayList<>();
        for (WispSession s : sessions.keySet()) {
            out.add(WispStatsMBean.OpenConnection.of(s.connection(), s.streamCount()));
        }
        for (WsproxyBridge b : wsproxies.keySet()) {
            out.add(WispStatsMBean.OpenConnection.of(b.connection(), b.isClosed() ? 0 : 1));
        }
        out.sort(java.util.Comparator.comparing(WispStatsMBean.OpenConnection::openedAt)
                .thenComparing(WispStatsMBean.OpenConnection::id));
        return out;
    }

    /**
     * Closes one connection for the operator: each of its streams gets CLOSE 0x02 (VOLUNTARY), then the WebSocket
     * closes with {@value #OPERATOR_CLOSE_CODE} {@value #OPERATOR_CLOSE_REASON} (wsproxy: just the close). The sends run
     * on a virtual thread (a send to a slow client blocks), waited for at most {@link #UNDEPLOY_GRACE}. Returns whether
     * a connection with that id was open.
     */
    boolean closeByOperator(String id) {
        for (Map.Entry<WispSession, PacketSender> e : sessions.entrySet()) {
            WispSession s = e.getKey();
            if (s.id().equals(id)) {
                LOG.log(System.Logger.Level.INFO, "[{0}] closing the connection for the operator (JMX)", id);
                s.connection().closing(OPERATOR_CLOSE_CODE, OPERATOR_CLOSE_REASON, "operator");
                runBounded("wisp-" + id + "-operator-close", () -> {
                    s.closeAllStreams(org.wispwar.wisp.protocol.CloseReason.VOLUNTARY,
                            org.wispwar.wisp.stream.SocketStream.EndedBy.OPERATOR);
                    e.getValue().closeConnection(OPERATOR_CLOSE_CODE, OPERATOR_CLOSE_REASON);   // before the shutdown
                    close(s);
                });
                close(s);   // in case the sends did not finish in time
                return true;
            }
        }
        for (Map.Entry<WsproxyBridge, PacketSender> e : wsproxies.entrySet()) {
            WsproxyBridge b = e.getKey();
            if (b.id().equals(id)) {
                LOG.log(System.Logger.Level.INFO, "[{0}] closing the connection for the operator (JMX)", id);
                b.connection().closing(OPERATOR_CLOSE_CODE, OPERATOR_CLOSE_REASON, "operator");
                runBounded("wsproxy-" + id + "-operator-close", () -> {
                    e.getValue().closeConnection(OPERATOR_CLOSE_CODE, OPERATOR_CLOSE_REASON);
                    b.shutdown(org.wispwar.wisp.stream.SocketStream.EndedBy.OPERATOR);
                });
                b.shutdown(org.wispwar.wisp.stream.SocketStream.EndedBy.OPERATOR);
                return true;
            }
        }
        return false;
    }

    /** The WebSocket close code of a connection closed by the operator: policy violation. */
    static final int OPERATOR_CLOSE_CODE = 1008;
    static final String OPERATOR_CLOSE_REASON = "closed by the operator";

    private static void runBounded(String name, Runnable task) {
        Thread t = Thread.ofVirtual().name(name).start(task);
        if (!joinUntil(t, System.nanoTime() + UNDEPLOY_GRACE.toNanos())) {
            t.interrupt();
        }
    }

    private void registerMBean(String contextPath) {
        try {
            String path = contextPath.isEmpty() ? "/" : contextPath;
            mbeanName = new ObjectName("org.wispwar.wisp:type=Wisp,context=" + ObjectName.quote(path));
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            if (server.isRegistered(mbeanName)) {
                // another deployment at the same path (another virtual host), or one that never undeployed
                LOG.log(System.Logger.Level.WARNING, "Wisp statistics MBean " + mbeanName + " is taken; not registered");
                mbeanName = null;
                return;
            }
            // an MXBean, so the per-type and per-reason maps are open types any JMX console shows
            server.registerMBean(new DescribedMBean<>(new WispStats(metrics, this::memory, health, this::connections,
                    this::closeByOperator), WispStatsMBean.class, WispStatsDescriptions.BEAN,
                    WispStatsDescriptions.BY_NAME), mbeanName);
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
