package org.wispwar.wisp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.eclipse.jetty.ee11.servlet.FilterMapping;
import org.eclipse.jetty.ee11.servlet.ServletHandler;
import org.eclipse.jetty.ee11.webapp.WebAppContext;
import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.UserStore;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.security.Password;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.exceptions.UpgradeException;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.wispwar.wisp.protocol.Continue;
import org.wispwar.wisp.protocol.Role;
import org.wispwar.wisp.protocol.WispCodec;
import org.wispwar.wisp.protocol.WispPacket;

/**
 * Handshake access control through the built WAR on embedded Jetty 12 (ee11): a refused upgrade gets 403 (Origin) or
 * 401 (credentials) and never reaches an endpoint; an accepted one gets the Wisp v1 greeting (CONTINUE on stream 0),
 * which only a running endpoint sends. Also: secrets from a file and from the environment, any-of and all-of, the
 * fail-closed guard when the filter order is wrong, and a servlet security constraint instead of Wisp's own checks.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AccessJettyIT {
    static final Duration WAIT = Duration.ofSeconds(20);
    static final String ORIGIN = "/origin";
    static final String BASIC = "/basic";
    static final String BEARER = "/bearer";
    static final String HEADER = "/header";
    static final String COOKIE = "/cookie";
    static final String ANY_OF = "/anyof";
    static final String ALL_OF = "/allof";
    /** Bearer auth with Jetty's upgrade filter moved in front of ours by the test: the Configurator must refuse. */
    static final String MISORDERED = "/misordered";
    /** Names an environment variable that is not set: must not deploy. */
    static final String BAD = "/badaccess";
    /** On its own server: protected by a web.xml security constraint and a Jetty realm, no wisp.auth.* at all. */
    static final String SECURED = "/secured";

    static final String ACCESS_FILTER = "wisp-access";
    static final String JETTY_UPGRADE_FILTER = "org.eclipse.jetty.ee11.websocket.servlet.WebSocketUpgradeFilter";
    static final String TOKEN_FROM_FILE = "t0ken-from-file";
    static final String COOKIE_FROM_FILE = "c00kie-from-file";
    /** A variable every test JVM has, so env: is shown end to end without configuring the build's environment. */
    static final String ENV_VARIABLE = "PATH";
    /** The Wisp v1 greeting with the default wisp.bufferSize: the endpoint ran. */
    static final Continue GREETING = new Continue(0, 128);

    EmbeddedJetty jetty;
    Server securedServer;
    WebSocketClient client;

    @BeforeAll
    void start() throws Exception {
        Path alicePassword = tempFile("wisp-alice", "wonderland\n");
        Path token = tempFile("wisp-token", TOKEN_FROM_FILE + "\n");
        Path cookie = tempFile("wisp-cookie", COOKIE_FROM_FILE + "\n");
        assertNotNull(System.getenv(ENV_VARIABLE), ENV_VARIABLE + " must be set in the test JVM");

        Map<String, Map<String, String>> contexts = new LinkedHashMap<>();
        contexts.put(ORIGIN, Map.of("wisp.allowedOrigins", "https://app.example, https://*.example.org"));
        contexts.put(BASIC, Map.of("wisp.auth.basic", "alice:file:" + alicePassword + ",bob:b0b"));
        contexts.put(BEARER, Map.of("wisp.auth.bearer", "file:" + token + " inline-token"));
        contexts.put(HEADER, Map.of("wisp.auth.header", "X-Wisp-Key=env:" + ENV_VARIABLE));
        contexts.put(COOKIE, Map.of("wisp.auth.cookie", "wisp_session=file:" + cookie));
        contexts.put(ANY_OF, Map.of("wisp.auth.basic", "bob:b0b", "wisp.auth.bearer", "inline-token"));
        contexts.put(ALL_OF, Map.of("wisp.auth.bearer", "inline-token", "wisp.auth.cookie", "wisp_session=c",
                "wisp.auth.mode", "all"));
        contexts.put(MISORDERED, Map.of("wisp.auth.bearer", "inline-token"));
        contexts.put(BAD, Map.of("wisp.auth.bearer", "env:WISP_TEST_SURELY_UNSET_VARIABLE"));
        jetty = EmbeddedJetty.start(contexts);
        for (String path : List.of(ORIGIN, BASIC, BEARER, HEADER, COOKIE, ANY_OF, ALL_OF, MISORDERED)) {
            assertTrue(jetty.context(path).isAvailable(), path + " did not deploy: "
                    + jetty.context(path).getUnavailableException());
        }
        securedServer = startSecured();
        client = new WebSocketClient();
        client.start();
    }

    @AfterAll
    void stop() throws Exception {
        if (client != null) {
            client.stop();
        }
        if (securedServer != null) {
            securedServer.stop();
        }
        if (jetty != null) {
            jetty.close();
        }
    }

    // ------------------------------------------------------------------------------------------------------ Origin

    @Test
    void allowedOriginsAndNonBrowsersConnect() throws Exception {
        assertEquals(GREETING, greeting(jetty.wispUri(ORIGIN), "Origin", "https://app.example"));
        assertEquals(GREETING, greeting(jetty.wispUri(ORIGIN), "Origin", "https://a.example.org"));
        assertEquals(GREETING, greeting(jetty.wispUri(ORIGIN)), "no Origin header: not a browser");
    }

    @Test
    void aForeignOriginGets403AndNeverReachesTheEndpoint() throws Exception {
        assertEquals(403, refusedStatus(jetty.wispUri(ORIGIN), "Origin", "https://evil.example"));
        assertEquals(403, refusedStatus(jetty.wispUri(ORIGIN), "Origin", "https://example.org"), "*. is subdomains only");
        assertEquals(403, refusedStatus(wsproxyUri(ORIGIN), "Origin", "https://evil.example"), "wsproxy too");
        assertEquals(0L, EmbeddedJetty.stat(ORIGIN, "Sessions"));
    }

    // ------------------------------------------------------------------------------------------------------- basic

    @Test
    void basicAcceptsPasswordsInlineAndFromAFile() throws Exception {
        assertEquals(GREETING, greeting(jetty.wispUri(BASIC), "Authorization", basic("alice:wonderland")));
        assertEquals(GREETING, greeting(jetty.wispUri(BASIC), "Authorization", basic("bob:b0b")));
    }

    @Test
    void basicRefusesMissingAndWrongPasswordsWith401AndAChallenge() throws Exception {
        assertEquals(401, refusedStatus(jetty.wispUri(BASIC)));
        assertEquals(401, refusedStatus(jetty.wispUri(BASIC), "Authorization", basic("alice:b0b")));
        assertEquals(401, refusedStatus(wsproxyUri(BASIC)), "wsproxy too");
        assertEquals(0L, EmbeddedJetty.stat(BASIC, "Sessions"));
        RawResponse raw = rawUpgrade(BASIC + "/");
        assertEquals(401, raw.status(), raw.head());
        assertEquals(List.of("Basic realm=\"wisp\""), raw.headers("WWW-Authenticate"));
    }

    @Test
    void plainHttpRequestsAreNotChecked() throws Exception {
        for (HttpClient.Version version : HttpClient.Version.values()) {   // HTTP_2 tries an h2c upgrade on cleartext
            try (HttpClient http = HttpClient.newBuilder().version(version).build()) {
                HttpResponse<String> page = http.send(HttpRequest.newBuilder(jetty.httpUri(BASIC)).timeout(WAIT).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, page.statusCode(), version + ": the index page needs no credentials");
            }
        }
    }

    @Test
    void theUpgradeHeaderIsRecognisedInAnyCase() throws Exception {
        RawResponse raw = rawUpgrade(jetty.port(), BASIC + "/", "WebSocket");
        assertEquals(401, raw.status(), raw.head());
    }

    // ------------------------------------------------------------------------------------------------------ bearer

    @Test
    void bearerAcceptsTokensFromAFileAndInline() throws Exception {
        assertEquals(GREETING, greeting(jetty.wispUri(BEARER), "Authorization", "Bearer " + TOKEN_FROM_FILE));
        assertEquals(GREETING, greeting(jetty.wispUri(BEARER), "Authorization", "Bearer inline-token"));
    }

    @Test
    void bearerRefusesMissingAndWrongTokensWith401AndAChallenge() throws Exception {
        assertEquals(401, refusedStatus(jetty.wispUri(BEARER)));
        assertEquals(401, refusedStatus(jetty.wispUri(BEARER), "Authorization", "Bearer inline-tokem"));
        assertEquals(401, refusedStatus(jetty.wispUri(BEARER), "Authorization", "Bearer file:" + TOKEN_FROM_FILE));
        assertEquals(0L, EmbeddedJetty.stat(BEARER, "Sessions"));
        RawResponse raw = rawUpgrade(BEARER + "/", "Authorization", "Bearer nope");
        assertEquals(401, raw.status(), raw.head());
        assertEquals(List.of("Bearer realm=\"wisp\""), raw.headers("WWW-Authenticate"));
    }

    // ------------------------------------------------------------------------------------------------------ header

    @Test
    void headerAcceptsTheValueFromTheEnvironment() throws Exception {
        assertEquals(GREETING, greeting(jetty.wispUri(HEADER), "X-Wisp-Key", System.getenv(ENV_VARIABLE)));
    }

    @Test
    void headerRefusesMissingAndWrongValuesWith401() throws Exception {
        assertEquals(401, refusedStatus(jetty.wispUri(HEADER)));
        assertEquals(401, refusedStatus(jetty.wispUri(HEADER), "X-Wisp-Key", "env:" + ENV_VARIABLE));
        assertEquals(401, refusedStatus(jetty.wispUri(HEADER), "X-Other-Key", System.getenv(ENV_VARIABLE)));
        assertEquals(0L, EmbeddedJetty.stat(HEADER, "Sessions"));
        RawResponse raw = rawUpgrade(HEADER + "/");
        assertEquals(401, raw.status(), raw.head());
        assertEquals(List.of(), raw.headers("WWW-Authenticate"), "no standard challenge for a custom header");
    }

    // ------------------------------------------------------------------------------------------------------ cookie

    @Test
    void cookieAcceptsTheValueFromAFile() throws Exception {
        assertEquals(GREETING, greeting(jetty.wispUri(COOKIE), "Cookie", "theme=dark; wisp_session=" + COOKIE_FROM_FILE));
    }

    @Test
    void cookieRefusesMissingAndWrongValuesWith401() throws Exception {
        assertEquals(401, refusedStatus(jetty.wispUri(COOKIE)));
        assertEquals(401, refusedStatus(jetty.wispUri(COOKIE), "Cookie", "wisp_session=c00kie"));
        assertEquals(401, refusedStatus(jetty.wispUri(COOKIE), "Cookie", "other=" + COOKIE_FROM_FILE));
        assertEquals(0L, EmbeddedJetty.stat(COOKIE, "Sessions"));
    }

    // ---------------------------------------------------------------------------------------------- any-of, all-of

    @Test
    void anyOfAcceptsEitherMethodAndChallengesForBoth() throws Exception {
        assertEquals(GREETING, greeting(jetty.wispUri(ANY_OF), "Authorization", basic("bob:b0b")));
        assertEquals(GREETING, greeting(jetty.wispUri(ANY_OF), "Authorization", "Bearer inline-token"));
        assertEquals(401, refusedStatus(jetty.wispUri(ANY_OF), "Authorization", "Bearer b0b"));
        RawResponse raw = rawUpgrade(ANY_OF + "/");
        assertEquals(401, raw.status(), raw.head());
        assertEquals(List.of("Basic realm=\"wisp\"", "Bearer realm=\"wisp\""), raw.headers("WWW-Authenticate"));
    }

    @Test
    void allOfNeedsEveryMethod() throws Exception {
        assertEquals(GREETING, greeting(jetty.wispUri(ALL_OF), "Authorization", "Bearer inline-token",
                "Cookie", "wisp_session=c"));
        assertEquals(401, refusedStatus(jetty.wispUri(ALL_OF), "Authorization", "Bearer inline-token"));
        assertEquals(401, refusedStatus(jetty.wispUri(ALL_OF), "Cookie", "wisp_session=c"));
        assertEquals(0L, EmbeddedJetty.stat(ALL_OF, "Sessions"));
    }

    // ------------------------------------------------------------------------------------ filter order, fail-closed

    @Test
    void theAccessFilterRunsBeforeJettysUpgradeFilter() {
        for (String path : List.of(ORIGIN, BASIC, BEARER, HEADER, COOKIE, ANY_OF, ALL_OF)) {
            assertEquals(List.of(ACCESS_FILTER, JETTY_UPGRADE_FILTER), filterNames(path).subList(0, 2), path);
        }
    }

    @Test
    void withTheUpgradeFilterFirstTheConfiguratorRefusesEveryHandshake() throws Exception {
        assertEquals(GREETING, greeting(jetty.wispUri(MISORDERED), "Authorization", "Bearer inline-token"),
                "in the right order, the token opens the endpoint");
        ServletHandler handler = jetty.context(MISORDERED).getServletHandler();
        List<FilterMapping> mappings = new ArrayList<>(Arrays.asList(handler.getFilterMappings()));
        FilterMapping ours = mappings.remove(0);
        assertEquals(ACCESS_FILTER, ours.getFilterName());
        mappings.add(ours);
        handler.setFilterMappings(mappings.toArray(FilterMapping[]::new));
        assertEquals(JETTY_UPGRADE_FILTER, filterNames(MISORDERED).get(0));

        assertEquals(403, refusedStatus(jetty.wispUri(MISORDERED)), "no credentials: 403 from checkOrigin, not 101");
        assertEquals(403, refusedStatus(jetty.wispUri(MISORDERED), "Authorization", "Bearer inline-token"),
                "the filter never saw it, so even a good token is refused");
        assertEquals(0L, EmbeddedJetty.stat(MISORDERED, "Sessions"));
    }

    @Test
    void aMissingSecretFailsTheDeploymentNamingTheParam() {
        assertFalse(jetty.context(BAD).isAvailable(), BAD + " must not be available");
        Throwable t = jetty.context(BAD).getUnavailableException();
        assertNotNull(t, "the failed context must keep its startup exception");
        StringBuilder messages = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            messages.append(c.getMessage()).append(" | ");
        }
        assertTrue(messages.toString().contains(
                "wisp.auth.bearer names environment variable WISP_TEST_SURELY_UNSET_VARIABLE, which is not set"),
                messages.toString());
    }

    // --------------------------------------------------------------------------- servlet security constraint instead

    @Test
    void aSecurityConstraintProtectsTheUpgradeWithTheContainersRealm() throws Exception {
        URI uri = URI.create("ws://127.0.0.1:" + securedPort() + SECURED + "/");
        assertEquals(401, refusedStatus(uri));
        assertEquals(401, refusedStatus(uri, "Authorization", basic("carol:wrong")));
        assertEquals(403, refusedStatus(uri, "Authorization", basic("dave:d4ve")), "a user without the wisp role");
        assertEquals(0L, EmbeddedJetty.stat(SECURED, "Sessions"));
        RawResponse raw = rawUpgrade(securedPort(), SECURED + "/", "websocket");
        assertEquals(401, raw.status(), raw.head());
        assertTrue(raw.headers("WWW-Authenticate").get(0).toLowerCase(java.util.Locale.ROOT).startsWith("basic realm=\"wisp\""), raw.head());
        assertEquals(GREETING, greeting(uri, "Authorization", basic("carol:c4rol")));
        assertTrue(filterNames(securedServer, SECURED).stream().noneMatch(ACCESS_FILTER::equals),
                "no wisp.auth.* configured: no access filter");
    }

    // ------------------------------------------------------------------------------------------------------ helpers

    /** Opens a WebSocket with the given request headers and returns the first Wisp packet the server sends. */
    private WispPacket greeting(URI uri, String... headers) throws Exception {
        Recorder recorder = new Recorder();
        Session session = client.connect(recorder, request(uri, headers)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        try {
            ByteBuffer first = recorder.messages.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertNotNull(first, "no message from the endpoint within " + WAIT);
            return WispCodec.decode(first, Role.SERVER);
        } finally {
            session.close();
            awaitNoSessions(uri);
        }
    }

    /** Waits (bounded) until the server has ended every Wisp session of the context that {@code uri} points into. */
    private static void awaitNoSessions(URI uri) throws Exception {
        String context = "/" + uri.getPath().split("/")[1];
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (EmbeddedJetty.stat(context, "Sessions") != 0) {
            if (System.nanoTime() - deadline > 0) {
                fail(context + " still has " + EmbeddedJetty.stat(context, "Sessions") + " sessions after " + WAIT);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    /** The HTTP status of an upgrade the server refuses; the client's handler must never have been opened. */
    private int refusedStatus(URI uri, String... headers) {
        Recorder recorder = new Recorder();
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> client.connect(recorder, request(uri, headers)).get(WAIT.toSeconds(), TimeUnit.SECONDS),
                uri + " was upgraded");
        UpgradeException upgrade = assertInstanceOf(UpgradeException.class, e.getCause());
        assertEquals(0, recorder.opened.get(), "no WebSocket may open");
        assertTrue(recorder.messages.isEmpty(), "no message may arrive");
        return upgrade.getResponseStatusCode();
    }

    private static ClientUpgradeRequest request(URI uri, String... headers) {
        ClientUpgradeRequest request = new ClientUpgradeRequest(uri);
        for (int i = 0; i < headers.length; i += 2) {
            request.setHeader(headers[i], headers[i + 1]);
        }
        return request;
    }

    private URI wsproxyUri(String path) {
        return URI.create("ws://127.0.0.1:" + jetty.port() + path + "/127.0.0.1:9");
    }

    private static String basic(String userAndPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8));
    }

    private List<String> filterNames(String path) {
        return Arrays.stream(jetty.context(path).getServletHandler().getFilterMappings())
                .map(FilterMapping::getFilterName).toList();
    }

    private static List<String> filterNames(Server server, String path) {
        WebAppContext ctx = (WebAppContext) server.getHandler();
        assertEquals(path, ctx.getContextPath());
        return Arrays.stream(ctx.getServletHandler().getFilterMappings()).map(FilterMapping::getFilterName).toList();
    }

    private static Path tempFile(String prefix, String content) throws IOException {
        Path file = Files.createTempFile(prefix, ".txt");
        file.toFile().deleteOnExit();
        Files.writeString(file, content);
        return file;
    }

    /**
     * The WAR at {@link #SECURED}, with an override descriptor adding what an operator would put in web.xml: a
     * security constraint on every path, BASIC login and the role {@code wisp}. Jetty's realm is a HashLoginService
     * (carol has the role, dave does not); on Tomcat it would be a Realm such as tomcat-users.xml.
     */
    private static Server startSecured() throws Exception {
        Path descriptor = tempFile("wisp-secured-", """
                <?xml version="1.0" encoding="UTF-8"?>
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                  <security-constraint>
                    <web-resource-collection>
                      <web-resource-name>wisp</web-resource-name>
                      <url-pattern>/*</url-pattern>
                    </web-resource-collection>
                    <auth-constraint><role-name>wisp</role-name></auth-constraint>
                  </security-constraint>
                  <login-config><auth-method>BASIC</auth-method><realm-name>wisp</realm-name></login-config>
                  <security-role><role-name>wisp</role-name></security-role>
                </web-app>
                """);
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        WebAppContext ctx = new WebAppContext();
        ctx.setContextPath(SECURED);
        ctx.setWar(EmbeddedJetty.WAR.toString());
        ctx.setThrowUnavailableOnStartupException(false);
        ctx.addOverrideDescriptor(descriptor.toString());
        UserStore users = new UserStore();
        users.addUser("carol", new Password("c4rol"), new String[] {"wisp"});
        users.addUser("dave", new Password("d4ve"), new String[] {"other"});
        HashLoginService realm = new HashLoginService("wisp");
        realm.setUserStore(users);
        ctx.getSecurityHandler().setLoginService(realm);
        server.setHandler(ctx);
        server.start();
        assertTrue(ctx.isAvailable(), SECURED + " did not deploy: " + ctx.getUnavailableException());
        return server;
    }

    private int securedPort() {
        return ((ServerConnector) securedServer.getConnectors()[0]).getLocalPort();
    }

    /** The status line and headers of the answer to a hand-written upgrade request (to see WWW-Authenticate). */
    record RawResponse(int status, String head) {
        List<String> headers(String name) {
            List<String> values = new ArrayList<>();
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
                    values.add(line.substring(colon + 1).strip());
                }
            }
            return values;
        }
    }

    private RawResponse rawUpgrade(String path, String... headers) throws IOException {
        return rawUpgrade(jetty.port(), path, "websocket", headers);
    }

    private static RawResponse rawUpgrade(int port, String path, String upgrade, String... headers)
            throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), (int) WAIT.toMillis());
            s.setSoTimeout((int) WAIT.toMillis());
            StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\n"
                    + "Host: 127.0.0.1:" + port + "\r\n"
                    + "Upgrade: " + upgrade + "\r\n"
                    + "Connection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(new byte[16]) + "\r\n"
                    + "Sec-WebSocket-Version: 13\r\n");
            for (int i = 0; i < headers.length; i += 2) {
                request.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
            }
            OutputStream out = s.getOutputStream();
            out.write(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();   // bounded by the socket timeout
                if (b < 0) {
                    throw new IOException("connection closed inside the response head: " + head);
                }
                head.append((char) b);
            }
            String text = head.toString();
            return new RawResponse(Integer.parseInt(text.substring(9, 12)), text);
        }
    }

    /** Records the WebSocket's opening and its binary messages. */
    public static final class Recorder implements Session.Listener.AutoDemanding {
        final AtomicInteger opened = new AtomicInteger();
        final BlockingQueue<ByteBuffer> messages = new LinkedBlockingQueue<>();

        @Override
        public void onWebSocketOpen(Session session) {
            opened.incrementAndGet();
        }

        @Override
        public void onWebSocketBinary(ByteBuffer message, Callback callback) {
            ByteBuffer copy = ByteBuffer.allocate(message.remaining());
            copy.put(message).flip();
            messages.add(copy);
            callback.succeed();
        }
    }
}
