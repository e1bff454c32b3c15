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
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
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
 * Handshake access control through the built WAR in a real container: a refused upgrade gets 403 (Origin) or 401
 * (credentials) and never reaches an endpoint; an accepted one gets the Wisp v1 greeting (CONTINUE on stream 0), which
 * only a running endpoint sends. Also: secrets from a file and from the environment, any-of and all-of, the filter
 * order and the fail-closed guard when it is wrong, a missing secret failing the deployment, and a servlet security
 * constraint with the container's own realm instead of Wisp's checks. Each container's IT ({@code AccessJettyIT},
 * {@code AccessTomcatIT}) says how to start the container, how to read and reorder its filter chain and how to deploy
 * the secured context with its realm; the checks are the same. Not thread-safe: JUnit runs the tests one by one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class AccessChecks {
    static final Duration WAIT = Duration.ofSeconds(20);
    static final String ORIGIN = "/origin";
    static final String BASIC = "/basic";
    static final String BEARER = "/bearer";
    static final String HEADER = "/header";
    static final String COOKIE = "/cookie";
    static final String ANY_OF = "/anyof";
    static final String ALL_OF = "/allof";
    /** Bearer auth with the container's upgrade filter moved in front of ours by the test: the Configurator must refuse. */
    static final String MISORDERED = "/misordered";
    /** Names an environment variable that is not set: must not deploy. */
    static final String BAD = "/badaccess";
    /** Protected by a web.xml security constraint and the container's realm, no wisp.auth.* at all. */
    static final String SECURED = "/secured";

    static final String ACCESS_FILTER = "wisp-access";
    static final String TOKEN_FROM_FILE = "t0ken-from-file";
    static final String COOKIE_FROM_FILE = "c00kie-from-file";
    /** A variable every test JVM has, so env: is shown end to end without configuring the build's environment. */
    static final String ENV_VARIABLE = "PATH";
    /** The Wisp v1 greeting with the default wisp.bufferSize: the endpoint ran. */
    static final Continue GREETING = new Continue(0, 128);
    /**
     * README "Servlet security constraints instead", as an operator adds it to web.xml: every path needs the role
     * {@code wisp}, BASIC login in realm {@code wisp}. The realm's users: carol has the role, dave does not.
     */
    static final String SECURITY_CONSTRAINT = """
              <security-constraint>
                <web-resource-collection><web-resource-name>wisp</web-resource-name><url-pattern>/*</url-pattern></web-resource-collection>
                <auth-constraint><role-name>wisp</role-name></auth-constraint>
              </security-constraint>
              <login-config><auth-method>BASIC</auth-method><realm-name>wisp</realm-name></login-config>
              <security-role><role-name>wisp</role-name></security-role>
            """;

    WarContainer server;
    URI securedUri;
    WebSocketClient client;

    /** Starts the container with one WAR context per entry: context path → context params. */
    abstract WarContainer start(Map<String, Map<String, String>> contexts) throws Exception;

    /**
     * Deploys the WAR at {@link #SECURED} with {@link #SECURITY_CONSTRAINT} and a realm where carol (password c4rol)
     * has the role {@code wisp} and dave (d4ve) has another; returns its Wisp endpoint URI.
     */
    abstract URI startSecured() throws Exception;

    /** Stops what {@link #startSecured} started beyond the main container, if anything. */
    abstract void stopSecured() throws Exception;

    /** The names of the filter mappings of a context, in the order the container runs them. */
    abstract List<String> filterNames(String path);

    /** The name of the container's own filter that performs the WebSocket upgrade. */
    abstract String upgradeFilterName();

    /** Moves the {@link #ACCESS_FILTER} mapping of a context behind every other one, as a misconfiguration would. */
    abstract void moveAccessFilterLast(String path);

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
        server = start(contexts);
        for (String path : List.of(ORIGIN, BASIC, BEARER, HEADER, COOKIE, ANY_OF, ALL_OF, MISORDERED)) {
            assertTrue(server.isAvailable(path), path + " did not deploy: " + server.startupFailure(path));
        }
        securedUri = startSecured();
        client = new WebSocketClient();
        client.start();
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (client != null) {
                client.stop();
            }
        } finally {
            try {
                stopSecured();
            } finally {
                if (server != null) {
                    server.close();
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------ Origin

    @Test
    void allowedOriginsAndNonBrowsersConnect() throws Exception {
        assertEquals(GREETING, greeting(server.wispUri(ORIGIN), "Origin", "https://app.example"));
        assertEquals(GREETING, greeting(server.wispUri(ORIGIN), "Origin", "https://a.example.org"));
        assertEquals(GREETING, greeting(server.wispUri(ORIGIN)), "no Origin header: not a browser");
    }

    @Test
    void aForeignOriginGets403AndNeverReachesTheEndpoint() throws Exception {
        assertEquals(403, refusedStatus(server.wispUri(ORIGIN), "Origin", "https://evil.example"));
        assertEquals(403, refusedStatus(server.wispUri(ORIGIN), "Origin", "https://example.org"), "*. is subdomains only");
        assertEquals(403, refusedStatus(wsproxyUri(ORIGIN), "Origin", "https://evil.example"), "wsproxy too");
        assertEquals(0L, sessions(ORIGIN));
    }

    // ------------------------------------------------------------------------------------------------------- basic

    @Test
    void basicAcceptsPasswordsInlineAndFromAFile() throws Exception {
        assertEquals(GREETING, greeting(server.wispUri(BASIC), "Authorization", basic("alice:wonderland")));
        assertEquals(GREETING, greeting(server.wispUri(BASIC), "Authorization", basic("bob:b0b")));
    }

    @Test
    void basicRefusesMissingAndWrongPasswordsWith401AndAChallenge() throws Exception {
        assertEquals(401, refusedStatus(server.wispUri(BASIC)));
        assertEquals(401, refusedStatus(server.wispUri(BASIC), "Authorization", basic("alice:b0b")));
        assertEquals(401, refusedStatus(wsproxyUri(BASIC)), "wsproxy too");
        assertEquals(0L, sessions(BASIC));
        RawResponse raw = rawUpgrade(BASIC + "/");
        assertEquals(401, raw.status(), raw.head());
        assertEquals(List.of("Basic realm=\"wisp\""), raw.headers("WWW-Authenticate"));
    }

    @Test
    void plainHttpRequestsAreNotChecked() throws Exception {
        for (HttpClient.Version version : HttpClient.Version.values()) {   // HTTP_2 tries an h2c upgrade on cleartext
            try (HttpClient http = HttpClient.newBuilder().version(version).build()) {
                HttpResponse<String> page = http.send(HttpRequest.newBuilder(server.httpUri(BASIC)).timeout(WAIT).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, page.statusCode(), version + ": the index page needs no credentials");
            }
        }
    }

    @Test
    void theUpgradeHeaderIsRecognisedInAnyCase() throws Exception {
        RawResponse raw = rawUpgrade(server.port(), BASIC + "/", "WebSocket");
        assertEquals(401, raw.status(), raw.head());
    }

    // ------------------------------------------------------------------------------------------------------ bearer

    @Test
    void bearerAcceptsTokensFromAFileAndInline() throws Exception {
        assertEquals(GREETING, greeting(server.wispUri(BEARER), "Authorization", "Bearer " + TOKEN_FROM_FILE));
        assertEquals(GREETING, greeting(server.wispUri(BEARER), "Authorization", "Bearer inline-token"));
    }

    @Test
    void bearerRefusesMissingAndWrongTokensWith401AndAChallenge() throws Exception {
        assertEquals(401, refusedStatus(server.wispUri(BEARER)));
        assertEquals(401, refusedStatus(server.wispUri(BEARER), "Authorization", "Bearer inline-tokem"));
        assertEquals(401, refusedStatus(server.wispUri(BEARER), "Authorization", "Bearer file:" + TOKEN_FROM_FILE));
        assertEquals(0L, sessions(BEARER));
        RawResponse raw = rawUpgrade(BEARER + "/", "Authorization", "Bearer nope");
        assertEquals(401, raw.status(), raw.head());
        assertEquals(List.of("Bearer realm=\"wisp\""), raw.headers("WWW-Authenticate"));
    }

    // ------------------------------------------------------------------------------------------------------ header

    @Test
    void headerAcceptsTheValueFromTheEnvironment() throws Exception {
        assertEquals(GREETING, greeting(server.wispUri(HEADER), "X-Wisp-Key", System.getenv(ENV_VARIABLE)));
    }

    @Test
    void headerRefusesMissingAndWrongValuesWith401() throws Exception {
        assertEquals(401, refusedStatus(server.wispUri(HEADER)));
        assertEquals(401, refusedStatus(server.wispUri(HEADER), "X-Wisp-Key", "env:" + ENV_VARIABLE));
        assertEquals(401, refusedStatus(server.wispUri(HEADER), "X-Other-Key", System.getenv(ENV_VARIABLE)));
        assertEquals(0L, sessions(HEADER));
        RawResponse raw = rawUpgrade(HEADER + "/");
        assertEquals(401, raw.status(), raw.head());
        assertEquals(List.of(), raw.headers("WWW-Authenticate"), "no standard challenge for a custom header");
    }

    // ------------------------------------------------------------------------------------------------------ cookie

    @Test
    void cookieAcceptsTheValueFromAFile() throws Exception {
        assertEquals(GREETING, greeting(server.wispUri(COOKIE), "Cookie", "theme=dark; wisp_session=" + COOKIE_FROM_FILE));
    }

    @Test
    void cookieRefusesMissingAndWrongValuesWith401() throws Exception {
        assertEquals(401, refusedStatus(server.wispUri(COOKIE)));
        assertEquals(401, refusedStatus(server.wispUri(COOKIE), "Cookie", "wisp_session=c00kie"));
        assertEquals(401, refusedStatus(server.wispUri(COOKIE), "Cookie", "other=" + COOKIE_FROM_FILE));
        assertEquals(0L, sessions(COOKIE));
    }

    // ---------------------------------------------------------------------------------------------- any-of, all-of

    @Test
    void anyOfAcceptsEitherMethodAndChallengesForBoth() throws Exception {
        assertEquals(GREETING, greeting(server.wispUri(ANY_OF), "Authorization", basic("bob:b0b")));
        assertEquals(GREETING, greeting(server.wispUri(ANY_OF), "Authorization", "Bearer inline-token"));
        assertEquals(401, refusedStatus(server.wispUri(ANY_OF), "Authorization", "Bearer b0b"));
        RawResponse raw = rawUpgrade(ANY_OF + "/");
        assertEquals(401, raw.status(), raw.head());
        assertEquals(List.of("Basic realm=\"wisp\"", "Bearer realm=\"wisp\""), raw.headers("WWW-Authenticate"));
    }

    @Test
    void allOfNeedsEveryMethod() throws Exception {
        assertEquals(GREETING, greeting(server.wispUri(ALL_OF), "Authorization", "Bearer inline-token",
                "Cookie", "wisp_session=c"));
        assertEquals(401, refusedStatus(server.wispUri(ALL_OF), "Authorization", "Bearer inline-token"));
        assertEquals(401, refusedStatus(server.wispUri(ALL_OF), "Cookie", "wisp_session=c"));
        assertEquals(0L, sessions(ALL_OF));
    }

    // ------------------------------------------------------------------------------------ filter order, fail-closed

    @Test
    void theAccessFilterRunsBeforeTheContainersUpgradeFilter() {
        for (String path : List.of(ORIGIN, BASIC, BEARER, HEADER, COOKIE, ANY_OF, ALL_OF)) {
            List<String> names = filterNames(path);
            assertEquals(ACCESS_FILTER, names.get(0), path + ": " + names);
            assertTrue(names.indexOf(upgradeFilterName()) > 0, path + ": " + names);
        }
    }

    @Test
    void withTheUpgradeFilterFirstTheConfiguratorRefusesEveryHandshake() throws Exception {
        assertEquals(GREETING, greeting(server.wispUri(MISORDERED), "Authorization", "Bearer inline-token"),
                "in the right order, the token opens the endpoint");
        moveAccessFilterLast(MISORDERED);
        List<String> names = filterNames(MISORDERED);
        assertTrue(names.indexOf(upgradeFilterName()) < names.indexOf(ACCESS_FILTER), names.toString());

        assertEquals(403, refusedStatus(server.wispUri(MISORDERED)), "no credentials: 403 from checkOrigin, not 101");
        assertEquals(403, refusedStatus(server.wispUri(MISORDERED), "Authorization", "Bearer inline-token"),
                "the filter never saw it, so even a good token is refused");
        assertEquals(0L, sessions(MISORDERED));
    }

    @Test
    void aMissingSecretFailsTheDeploymentNamingTheParam() {
        assertFalse(server.isAvailable(BAD), BAD + " must not be available");
        Throwable t = server.startupFailure(BAD);
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
        assertEquals(401, refusedStatus(securedUri));
        assertEquals(401, refusedStatus(securedUri, "Authorization", basic("carol:wrong")));
        assertEquals(403, refusedStatus(securedUri, "Authorization", basic("dave:d4ve")), "a user without the wisp role");
        assertEquals(0L, sessions(SECURED));
        RawResponse raw = rawUpgrade(securedUri.getPort(), SECURED + "/", "websocket");
        assertEquals(401, raw.status(), raw.head());
        assertTrue(raw.headers("WWW-Authenticate").get(0).toLowerCase(Locale.ROOT).startsWith("basic realm=\"wisp\""),
                raw.head());
        assertEquals(GREETING, greeting(securedUri, "Authorization", basic("carol:c4rol")));
        assertTrue(filterNames(SECURED).stream().noneMatch(ACCESS_FILTER::equals),
                "no wisp.auth.* configured: no access filter");
    }

    // ------------------------------------------------------------------------------------------------------ helpers

    static long sessions(String context) throws Exception {
        return (Long) WarContainer.stat(context, "Sessions");
    }

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
        while (sessions(context) != 0) {
            if (System.nanoTime() - deadline > 0) {
                fail(context + " still has " + sessions(context) + " sessions after " + WAIT);
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
        return URI.create("ws://127.0.0.1:" + server.port() + path + "/127.0.0.1:9");
    }

    static String basic(String userAndPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8));
    }

    static Path tempFile(String prefix, String content) throws IOException {
        Path file = Files.createTempFile(prefix, ".txt");
        file.toFile().deleteOnExit();
        Files.writeString(file, content);
        return file;
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
        return rawUpgrade(server.port(), path, "websocket", headers);
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
