package org.wispwar.wisp.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every setting of the server, read once from the servlet context params ({@code <context-param>} in web.xml, or the
 * container's overrides) and validated. An invalid or unknown {@code wisp.*} param fails the deployment with a message
 * naming it. Immutable; thread-safe. The README lists every param with its default; keep them in step.
 *
 * @param bufferSize            B: the credit (DATA packets) advertised per TCP stream; the queue is hard-capped at 2B
 * @param maxMessageSize        the largest WebSocket message accepted from a client, bytes (larger: close 1009); messages
 *                              are taken in parts, so this costs no memory
 * @param readBufferSize        the largest chunk read from a destination socket into one DATA packet, bytes
 * @param connectTimeout        how long one TCP connect may take (→ CLOSE 0x43)
 * @param sendTimeout           how long one send onto the WebSocket may block before the WebSocket is closed (1001)
 * @param idleTimeout           the WebSocket idle timeout; zero disables it
 * @param maxStreamsPerConnection how many streams one WebSocket may hold open at once (one more: CLOSE 0x49)
 * @param allowPrivateAddresses whether loopback, private, link-local and other internal destinations may be dialed
 * @param tcpNoDelay            TCP_NODELAY on destination sockets
 * @param allowUdp              whether UDP streams (CONNECT type 0x02) may be opened; v2 advertises extension 0x01
 * @param udpIdleTimeout        a UDP stream with no datagram either way for this long is closed (CLOSE 0x47)
 * @param version               the highest Wisp version spoken: 2 (v2 when the upgrade offers a subprotocol) or 1
 * @param handshakeTimeout      how long a v2 client may take to send its INFO before the WebSocket is closed
 * @param motd                  extension 0x04's message of the day; empty: the extension is not offered
 * @param passwordUsersFile     extension 0x02's users file (salted hashes); empty: password auth is not offered
 * @param passwordRequired      whether a v2 client must authenticate with a password (or a key, when both are offered)
 * @param keyAuthKeysFile       extension 0x03's file of authorized Ed25519 public keys; empty: key auth not offered
 * @param keyAuthRequired       whether a v2 client must authenticate with a key (or a password, when both are offered)
 * @param allowWsproxy          whether {@code /<context>/host:port} proxies one raw TCP socket per WebSocket
 * @param wsproxyRoutes         fixed wsproxy routes: {@code /<context>/<name>} to an operator-chosen backend
 * @param policy                destination rules, DNS and trusted proxies
 * @param limits                rate limits, caps, bandwidth and timers
 * @param access                who may open a WebSocket (Origin and upgrade authentication)
 * @param stats                 the statistics endpoint
 * @param budgets               byte budgets: how much client data may wait for destinations
 * @param logging               what is logged beyond the fixed INFO lines (the access log)
 */
public record WispConfig(
        int bufferSize,
        int maxMessageSize,
        int readBufferSize,
        Duration connectTimeout,
        Duration sendTimeout,
        Duration idleTimeout,
        int maxStreamsPerConnection,
        boolean allowPrivateAddresses,
        boolean tcpNoDelay,
        boolean allowUdp,
        Duration udpIdleTimeout,
        int version,
        Duration handshakeTimeout,
        String motd,
        String passwordUsersFile,
        boolean passwordRequired,
        String keyAuthKeysFile,
        boolean keyAuthRequired,
        boolean allowWsproxy,
        Map<String, Route> wsproxyRoutes,
        PolicyConfig policy,
        LimitsConfig limits,
        AccessConfig access,
        StatsConfig stats,
        BudgetConfig budgets,
        LogConfig logging) {

    /** A fixed wsproxy destination. The host is a name or an IP literal (IPv6 without brackets). */
    public record Route(String host, int port) {
        public Route {
            if (host == null || host.isEmpty() || port < 1 || port > 0xFFFF) {
                throw new IllegalArgumentException("route " + host + ":" + port);
            }
        }

        @Override
        public String toString() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    public static final String BUFFER_SIZE = "wisp.bufferSize";
    public static final String MAX_MESSAGE_SIZE = "wisp.maxMessageSize";
    public static final String READ_BUFFER_SIZE = "wisp.readBufferSize";
    public static final String CONNECT_TIMEOUT = "wisp.connectTimeout";
    public static final String SEND_TIMEOUT = "wisp.sendTimeout";
    public static final String IDLE_TIMEOUT = "wisp.idleTimeout";
    public static final String MAX_STREAMS_PER_CONNECTION = "wisp.maxStreamsPerConnection";
    public static final String ALLOW_PRIVATE_ADDRESSES = "wisp.allowPrivateAddresses";
    public static final String TCP_NO_DELAY = "wisp.tcpNoDelay";
    public static final String ALLOW_UDP = "wisp.allowUdp";
    public static final String UDP_IDLE_TIMEOUT = "wisp.udpIdleTimeout";
    public static final String VERSION = "wisp.version";
    public static final String HANDSHAKE_TIMEOUT = "wisp.handshakeTimeout";
    public static final String MOTD = "wisp.motd";
    public static final String PASSWORD_USERS_FILE = "wisp.passwordUsersFile";
    public static final String PASSWORD_REQUIRED = "wisp.passwordRequired";
    public static final String KEY_AUTH_KEYS_FILE = "wisp.keyAuthKeysFile";
    public static final String KEY_AUTH_REQUIRED = "wisp.keyAuthRequired";
    public static final String ALLOW_WSPROXY = "wisp.allowWsproxy";
    public static final String WSPROXY_ROUTES = "wisp.wsproxyRoutes";

    /** All params this version understands; any other {@code wisp.*} name is a typo and fails the deployment. */
    /** The names of the core settings; {@link #ALL_NAMES} adds every group's. */
    public static final Set<String> NAMES = Set.of(BUFFER_SIZE, MAX_MESSAGE_SIZE, READ_BUFFER_SIZE, CONNECT_TIMEOUT,
            SEND_TIMEOUT, IDLE_TIMEOUT, MAX_STREAMS_PER_CONNECTION, ALLOW_PRIVATE_ADDRESSES, TCP_NO_DELAY, ALLOW_UDP,
            UDP_IDLE_TIMEOUT, VERSION, HANDSHAKE_TIMEOUT, MOTD, PASSWORD_USERS_FILE, PASSWORD_REQUIRED,
            KEY_AUTH_KEYS_FILE, KEY_AUTH_REQUIRED, ALLOW_WSPROXY, WSPROXY_ROUTES);

    /** Every param this version understands; any other {@code wisp.*} name is a typo and fails the deployment. */
    public static final Set<String> ALL_NAMES = union(NAMES, PolicyConfig.NAMES, LimitsConfig.NAMES, AccessConfig.NAMES,
            StatsConfig.NAMES, BudgetConfig.NAMES, HealthConfig.NAMES, LogConfig.NAMES, SharedStateConfig.NAMES);

    /** The budget params, for the budgets' names in metrics. */
    public static final String STREAM_BYTE_BUDGET = BudgetConfig.STREAM_BYTE_BUDGET;
    public static final String CONNECTION_BYTE_BUDGET = BudgetConfig.CONNECTION_BYTE_BUDGET;
    public static final String SERVER_BYTE_BUDGET = BudgetConfig.SERVER_BYTE_BUDGET;

    @SafeVarargs
    private static Set<String> union(Set<String>... sets) {
        java.util.Set<String> all = new java.util.HashSet<>();
        for (Set<String> set : sets) {
            all.addAll(set);
        }
        return Set.copyOf(all);
    }

    /** A route name: a single path segment that cannot be mistaken for {@code host:port}. */
    private static final Pattern ROUTE_NAME = Pattern.compile("[A-Za-z0-9._~-]+");
    private static final Pattern ROUTE = Pattern.compile("([^=\\s]+)=(?:\\[([0-9A-Fa-f:.]+)]|([^:\\s\\[\\]]+)):(\\d{1,5})");

    /** Smallest accepted max message size: a DATA header plus a useful payload; wispmark needs 51 205. */
    static final int MIN_MESSAGE_SIZE = 1024;
    static final int MAX_MESSAGE_SIZE_LIMIT = Integer.MAX_VALUE;
    /**
     * The default: what wisp-js accepts (100 MiB). Browser clients send a whole upload as one DATA packet (epoxy sends
     * a request body as one message), and messages are streamed in parts, so a large limit costs no memory.
     */
    static final int DEFAULT_MAX_MESSAGE_SIZE = 100 * 1024 * 1024;

    public WispConfig {
        check(bufferSize >= 1 && bufferSize <= 65535, BUFFER_SIZE, "1..65535", bufferSize);
        check(maxMessageSize >= MIN_MESSAGE_SIZE && maxMessageSize <= MAX_MESSAGE_SIZE_LIMIT, MAX_MESSAGE_SIZE,
                MIN_MESSAGE_SIZE + ".." + MAX_MESSAGE_SIZE_LIMIT, maxMessageSize);
        check(readBufferSize >= 512 && readBufferSize <= 16 * 1024 * 1024, READ_BUFFER_SIZE, "512..16777216",
                readBufferSize);
        check(positive(connectTimeout), CONNECT_TIMEOUT, "a positive duration", connectTimeout);
        check(positive(sendTimeout), SEND_TIMEOUT, "a positive duration", sendTimeout);
        check(!idleTimeout.isNegative(), IDLE_TIMEOUT, "zero or a positive duration", idleTimeout);
        check(maxStreamsPerConnection >= 1, MAX_STREAMS_PER_CONNECTION, "at least 1", maxStreamsPerConnection);
        check(positive(udpIdleTimeout), UDP_IDLE_TIMEOUT, "a positive duration", udpIdleTimeout);
        check(version == 1 || version == 2, VERSION, "1 or 2", version);
        check(positive(handshakeTimeout), HANDSHAKE_TIMEOUT, "a positive duration", handshakeTimeout);
        motd = motd == null ? "" : motd;
        passwordUsersFile = passwordUsersFile == null ? "" : passwordUsersFile;
        keyAuthKeysFile = keyAuthKeysFile == null ? "" : keyAuthKeysFile;
        checkReadable(PASSWORD_USERS_FILE, passwordUsersFile);
        checkReadable(KEY_AUTH_KEYS_FILE, keyAuthKeysFile);
        check(!passwordRequired || !passwordUsersFile.isEmpty(), PASSWORD_REQUIRED,
                "false unless " + PASSWORD_USERS_FILE + " is set", passwordRequired);
        check(!keyAuthRequired || !keyAuthKeysFile.isEmpty(), KEY_AUTH_REQUIRED,
                "false unless " + KEY_AUTH_KEYS_FILE + " is set", keyAuthRequired);
        wsproxyRoutes = Map.copyOf(wsproxyRoutes);
        java.util.Objects.requireNonNull(policy, "policy");
        java.util.Objects.requireNonNull(limits, "limits");
        java.util.Objects.requireNonNull(access, "access");
        java.util.Objects.requireNonNull(stats, "stats");
        java.util.Objects.requireNonNull(budgets, "budgets");
        java.util.Objects.requireNonNull(logging, "logging");
    }

    /** The settings of issue 2 with every later feature at its default (tests and embedders). */
    public WispConfig(int bufferSize, int maxMessageSize, int readBufferSize, Duration connectTimeout,
            Duration sendTimeout, Duration idleTimeout, int maxStreamsPerConnection, boolean allowPrivateAddresses,
            boolean tcpNoDelay) {
        this(bufferSize, maxMessageSize, readBufferSize, connectTimeout, sendTimeout, idleTimeout,
                maxStreamsPerConnection, allowPrivateAddresses, tcpNoDelay, true, Duration.ofSeconds(60), 2,
                Duration.ofSeconds(10), "", "", false, "", false, true, Map.of(), PolicyConfig.defaults(),
                LimitsConfig.defaults(), AccessConfig.defaults(), StatsConfig.defaults(), BudgetConfig.defaults(),
                LogConfig.defaults());
    }

    /** This config with other byte budgets (tests and embedders). */
    public WispConfig withBudgets(BudgetConfig other) {
        return new WispConfig(bufferSize, maxMessageSize, readBufferSize, connectTimeout, sendTimeout, idleTimeout,
                maxStreamsPerConnection, allowPrivateAddresses, tcpNoDelay, allowUdp, udpIdleTimeout, version,
                handshakeTimeout, motd, passwordUsersFile, passwordRequired, keyAuthKeysFile, keyAuthRequired, allowWsproxy,
                wsproxyRoutes, policy, limits, access, stats, other, logging);
    }

    public long streamByteBudget() {
        return budgets.streamByteBudget();
    }

    public long connectionByteBudget() {
        return budgets.connectionByteBudget();
    }

    public long serverByteBudget() {
        return budgets.serverByteBudget();
    }

    public Duration destinationTimeout() {
        return budgets.destinationTimeout();
    }

    /** Whether any v2 authentication extension is offered. */
    public boolean authOffered() {
        return !passwordUsersFile.isEmpty() || !keyAuthKeysFile.isEmpty();
    }

    /** The defaults: what a WAR with no context params runs with. */
    public static WispConfig defaults() {
        return from(Map.of());
    }

    /**
     * Reads and validates the params. Absent params take their defaults.
     *
     * @throws IllegalArgumentException naming the offending param, e.g. {@code "wisp.bufferSize must be 1..65535, was 0"}
     */
    public static WispConfig from(Map<String, String> params) {
        List<String> unknown = new ArrayList<>();
        for (String name : new TreeSet<>(params.keySet())) {
            if (!ALL_NAMES.contains(name) && ParamNames.looksLikeOurs(name, ALL_NAMES)) {
                unknown.add(ParamNames.describeUnknown(name, ALL_NAMES));
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown context param " + String.join(", ", unknown));
        }
        ConfigParams p = new ConfigParams(params);
        HealthConfig.from(p);   // validated here with the rest; the health endpoints read it themselves
        SharedStateConfig.from(p);   // likewise; the registry reads it itself (a deploy with Redis down still succeeds)
        return new WispConfig(
                p.integer(BUFFER_SIZE, 128),
                messageSize(p),
                p.integer(READ_BUFFER_SIZE, 32 * 1024),
                p.duration(CONNECT_TIMEOUT, Duration.ofSeconds(10)),
                p.duration(SEND_TIMEOUT, Duration.ofSeconds(30)),
                p.duration(IDLE_TIMEOUT, Duration.ZERO),
                p.integer(MAX_STREAMS_PER_CONNECTION, 1024),
                p.bool(ALLOW_PRIVATE_ADDRESSES, false),
                p.bool(TCP_NO_DELAY, true),
                p.bool(ALLOW_UDP, true),
                p.duration(UDP_IDLE_TIMEOUT, Duration.ofSeconds(60)),
                p.integer(VERSION, 2),
                p.duration(HANDSHAKE_TIMEOUT, Duration.ofSeconds(10)),
                p.text(MOTD),
                p.text(PASSWORD_USERS_FILE),
                p.bool(PASSWORD_REQUIRED, false),
                p.text(KEY_AUTH_KEYS_FILE),
                p.bool(KEY_AUTH_REQUIRED, false),
                p.bool(ALLOW_WSPROXY, true),
                routes(p.text(WSPROXY_ROUTES)),
                PolicyConfig.from(p),
                LimitsConfig.from(p),
                AccessConfig.from(p),
                StatsConfig.from(p),
                BudgetConfig.from(p),
                LogConfig.from(p));
    }

    /** A byte count, with units allowed (100MiB), that must fit an int. */
    private static int messageSize(ConfigParams p) {
        long n = p.bytes(MAX_MESSAGE_SIZE, DEFAULT_MAX_MESSAGE_SIZE);
        check(n >= MIN_MESSAGE_SIZE && n <= MAX_MESSAGE_SIZE_LIMIT, MAX_MESSAGE_SIZE,
                MIN_MESSAGE_SIZE + ".." + MAX_MESSAGE_SIZE_LIMIT, n);
        return (int) n;
    }

    /**
     * Parses {@code name=host:port} entries separated by commas or white space; an IPv6 host goes in brackets.
     * A name is one path segment of letters, digits and {@code . _ ~ -}, so it never looks like {@code host:port}.
     */
    static Map<String, Route> routes(String spec) {
        Map<String, Route> routes = new LinkedHashMap<>();
        for (String entry : spec.split("[,\\s]+")) {
            if (entry.isEmpty()) {
                continue;
            }
            Matcher m = ROUTE.matcher(entry);
            if (!m.matches() || !ROUTE_NAME.matcher(m.group(1)).matches()) {
                throw new IllegalArgumentException(WSPROXY_ROUTES + " entries must look like name=host:port or"
                        + " name=[v6]:port, was \"" + entry + "\"");
            }
            int port = Integer.parseInt(m.group(4));
            if (port < 1 || port > 0xFFFF) {
                throw new IllegalArgumentException(WSPROXY_ROUTES + " port must be 1..65535, was " + port
                        + " in \"" + entry + "\"");
            }
            String host = m.group(2) != null ? m.group(2) : m.group(3);
            if (routes.put(m.group(1), new Route(host, port)) != null) {
                throw new IllegalArgumentException(WSPROXY_ROUTES + " names route \"" + m.group(1) + "\" twice");
            }
        }
        return routes;
    }

    private static void checkReadable(String name, String file) {
        if (!file.isEmpty() && !Files.isReadable(Path.of(file))) {
            throw new IllegalArgumentException(name + " must name a readable file, was \"" + file + "\"");
        }
    }

    private static boolean positive(Duration d) {
        return d != null && !d.isNegative() && !d.isZero();
    }

    private static void check(boolean ok, String name, String expected, Object was) {
        if (!ok) {
            throw new IllegalArgumentException(name + " must be " + expected + ", was " + format(was));
        }
    }

    private static String format(Object value) {
        return value instanceof Duration d ? d.toMillis() + "ms" : String.valueOf(value);
    }
}
