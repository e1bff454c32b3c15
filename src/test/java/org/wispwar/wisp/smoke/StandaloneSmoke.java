package org.wispwar.wisp.smoke;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.wispwar.wisp.testing.Trees;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.wispwar.wisp.protocol.Close;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.Continue;
import org.wispwar.wisp.protocol.Data;
import org.wispwar.wisp.protocol.Role;
import org.wispwar.wisp.protocol.StreamType;
import org.wispwar.wisp.protocol.WispCodec;
import org.wispwar.wisp.protocol.WispPacket;
import org.wispwar.wisp.testing.RawWebSocket;

/**
 * The smoke test of the standalone distributions from Maven Central, as a user installs them: the built
 * {@code wisp.war} dropped into Tomcat's {@code webapps/} (beside Tomcat's own ROOT webapp), into a Jetty base with the
 * modules of this repository's {@code jetty-base/} (what {@code mvn -Prun package} serves), and into one made with the
 * {@code ee11-cdi} module. For each container it
 * <ol>
 *   <li>configures the WAR the container's way, without touching it: Tomcat {@code conf/Catalina/localhost/wisp.xml}
 *       with plain {@code <Parameter>}s, Jetty a context XML with an override descriptor; the stats token
 *       comes from an environment variable ({@code env:WISP_STATS_TOKEN});</li>
 *   <li>starts the container on 127.0.0.1 with this JVM's JDK (the build's 21+ toolchain), waits for {@code /wisp/};</li>
 *   <li>drives one Wisp round trip and one wsproxy round trip against an echo server in this JVM, checks
 *       {@code /wisp/stats} (401 without the token, JSON with it) and, on Tomcat, that ROOT still answers;</li>
 *   <li>ends the deployment while the Wisp stream is open (Tomcat: SIGTERM, which stops the webapps before the
 *       connector; Jetty with ee11-cdi: SIGTERM, where the WAR's listener acts before Jetty closes its connectors;
 *       the other Jetty bases: a hot undeploy, removing the context XML): the stream must get CLOSE 0x02 and the
 *       WebSocket 1001; then the container must exit on SIGTERM;</li>
 *   <li>with {@code +held} in the container spec, holds back {@value #HELD_BACK} WebSockets behind destinations that
 *       never read and checks that a new client is still served within 2 s ({@link #heldBack});</li>
 *   <li>fails on error lines in the container's log: failed deployments, leak warnings, class-version errors.</li>
 * </ol>
 * Every wait is bounded. Usage (the pom's {@code standalone-smoke} execution does this):
 * {@code java -Dwisp.jettyBase=<repo>/jetty-base -cp <test classpath> org.wispwar.wisp.smoke.StandaloneSmoke <work dir>
 * <wisp.war> tomcat+held:<CATALINA_HOME> jetty-run+held:<JETTY_HOME> jetty-cdi:<JETTY_HOME>} (also {@code jetty:}, a
 * base made with {@code --add-modules}).
 */
public final class StandaloneSmoke {
    static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    static final Duration WAIT = Duration.ofSeconds(30);
    static final String TOKEN = "smoke-token-" + Long.toHexString(System.nanoTime());
    /** What a container's log must never say. */
    static final List<String> BAD_LOG_LINES = List.of("SEVERE", ":ERROR:", "appears to have started a thread",
            "memory leak", "UnsupportedClassVersionError", "Failed startup", "Unable to locate CDIProvider");

    private final Path work;
    private final Path war;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private StandaloneSmoke(Path work, Path war) {
        this.work = work;
        this.war = war;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            throw new IllegalArgumentException("usage: StandaloneSmoke <work dir> <wisp.war> tomcat:<home>|jetty:<home>"
                    + "|jetty-cdi:<home>...");
        }
        StandaloneSmoke smoke = new StandaloneSmoke(Path.of(args[0]).toAbsolutePath(), Path.of(args[1]).toAbsolutePath());
        List<String> results = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            String spec = args[i].substring(0, args[i].indexOf(':'));
            Path home = Path.of(args[i].substring(spec.length() + 1)).toAbsolutePath();
            Load load = Load.of(spec);
            String kind = spec.substring(0, spec.length() - load.suffix.length());
            long start = System.nanoTime();
            switch (kind) {
                case "tomcat" -> smoke.tomcat(home, load);
                case "tomcat-redeploy" -> smoke.tomcatRedeploy(home);
                case "jetty" -> smoke.jetty(home, false, false, load);
                case "jetty-cdi" -> smoke.jetty(home, true, false, load);
                case "jetty-run" -> smoke.jetty(home, false, true, load);
                default -> throw new IllegalArgumentException("unknown container kind " + kind);
            }
            results.add(String.format("%s %s: ok in %d ms", kind, home.getFileName(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)));
        }
        results.forEach(r -> System.out.println("[standalone smoke] " + r));
    }

    // ------------------------------------------------------------------------------------------------ containers

    private void tomcat(Path home, Load load) throws Exception {
        Path base = fresh("tomcat-" + home.getFileName());
        int port = tomcatBase(home, base);
        Files.copy(war, base.resolve("webapps/wisp.war"));
        Files.writeString(base.resolve("conf/Catalina/localhost/wisp.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <!-- Context params for /wisp, set the Tomcat way: plain <Parameter>s (the WAR's web.xml sets none) -->
                <Context>
                  <Parameter name="wisp.allowPrivateAddresses" value="true"/>
                  <Parameter name="wisp.stats.enabled" value="true"/>
                  <Parameter name="wisp.stats.token" value="env:WISP_STATS_TOKEN"/>
                %s</Context>
                """.formatted(load.destinationTimeout.isEmpty() ? "" : "  <Parameter name=\"wisp.destinationTimeout\" value=\""
                        + load.destinationTimeout + "\"/>\n"));
        ProcessBuilder pb = catalinaRun(home, base);
        if (load.heap != null) {
            pb.environment().put("CATALINA_OPTS", load.heap);
        }
        // SIGTERM: Tomcat stops its webapps before its connector
        run(pb, base, port, true, load, server -> server.destroy());
    }

    /** A CATALINA_BASE on a free loopback port, with Tomcat's own ROOT webapp; returns the port. */
    private static int tomcatBase(Path home, Path base) throws IOException {
        Trees.copy(home.resolve("conf"), base.resolve("conf"));
        for (String dir : List.of("logs", "temp", "work", "webapps")) {
            Files.createDirectories(base.resolve(dir));
        }
        Trees.copy(home.resolve("webapps/ROOT"), base.resolve("webapps/ROOT"));   // the webapp already there
        int port = freePort();
        Path serverXml = base.resolve("conf/server.xml");
        String xml = Files.readString(serverXml);
        String patched = xml.replace("<Server port=\"8005\"", "<Server port=\"-1\"")
                .replace("<Connector port=\"8080\"", "<Connector address=\"127.0.0.1\" port=\"" + port + "\"");
        check(!patched.contains("port=\"8005\"") && patched.contains("port=\"" + port + "\""),
                "conf/server.xml of " + home + " has the expected shutdown port and connector");
        Files.writeString(serverXml, patched);
        Files.createDirectories(base.resolve("conf/Catalina/localhost"));
        for (Path script : List.of(home.resolve("bin/catalina.sh"), home.resolve("bin/setclasspath.sh"))) {
            script.toFile().setExecutable(true);   // the zip from Maven Central keeps no file modes
        }
        return port;
    }

    private static ProcessBuilder catalinaRun(Path home, Path base) {
        ProcessBuilder pb = new ProcessBuilder("sh", home.resolve("bin/catalina.sh").toString(), "run")
                .directory(base.toFile());
        pb.environment().putAll(Map.of("CATALINA_HOME", home.toString(), "CATALINA_BASE", base.toString(),
                "JAVA_HOME", javaHome(), "WISP_STATS_TOKEN", TOKEN));
        pb.environment().remove("JAVA_OPTS");
        pb.environment().remove("CATALINA_OPTS");
        return pb;
    }

    /**
     * README's Tomcat layout that survives redeploys: the WAR outside {@code appBase} ({@code wars/wisp.war}) and the
     * descriptor {@code conf/Catalina/localhost/wisp.xml} pointing at it with {@code docBase}, its params plain
     * {@code <Parameter>}s. Replacing the WAR reloads it with the same params; deleting it undeploys it, and the
     * descriptor stays, so the next copy of the WAR runs with them again (once the descriptor is touched). Then the layout the README warns against: the
     * WAR in {@code webapps/} beside a descriptor, where deleting the WAR makes Tomcat delete the descriptor too.
     * Tomcat's auto-deployer looks every 10 s, so each step waits up to {@link #REDEPLOY_WAIT}.
     */
    private void tomcatRedeploy(Path home) throws Exception {
        Path base = fresh("tomcat-redeploy-" + home.getFileName());
        int port = tomcatBase(home, base);
        Path wars = Files.createDirectories(base.resolve("wars"));
        Path external = wars.resolve("wisp.war");
        Files.copy(war, external);
        Path descriptor = base.resolve("conf/Catalina/localhost/wisp.xml");
        String context = """
                <?xml version="1.0" encoding="UTF-8"?>
                <Context docBase="%s">
                  <Parameter name="wisp.stats.enabled" value="true"/>
                  <Parameter name="wisp.stats.token" value="env:WISP_STATS_TOKEN"/>
                  <Parameter name="wisp.bufferSize" value="64"/>
                </Context>
                """.formatted(external.toAbsolutePath());
        Files.writeString(descriptor, context);
        Path log = base.resolve("console.log");
        Process server = catalinaRun(home, base).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        URI page = URI.create("http://127.0.0.1:" + port + "/wisp/");
        URI stats = URI.create(page + "stats");
        try {
            awaitPage(server, page, log);
            checkParamsApplied(port, stats, "first deploy");

            Path next = wars.resolve("wisp.war.next");   // a new build of the WAR, moved into place as a deploy tool would
            Files.copy(war, next);
            Files.setLastModifiedTime(next, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()
                    + 2000));
            Files.move(next, external, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            awaitLog(log, "Reloading Context with name [/wisp] is completed", 1);
            check(Files.readString(descriptor).equals(context), "the descriptor is untouched by the redeploy");
            checkParamsApplied(port, stats, "after replacing the WAR");

            Files.delete(external);   // undeploy the Tomcat way
            awaitLog(log, "Undeploying context [/wisp]", 1);
            awaitStatus(stats, 404, "after deleting the WAR");
            check(Files.readString(descriptor).equals(context), "the descriptor survives the WAR's deletion");
            Files.copy(war, external);
            // Tomcat does not look for a deleted docBase coming back: touching the descriptor deploys it again
            Files.setLastModifiedTime(descriptor, java.nio.file.attribute.FileTime.fromMillis(
                    System.currentTimeMillis() + 2000));
            checkParamsApplied(port, stats, "after copying the WAR back and touching the descriptor");

            // The layout the README warns against: the WAR in appBase, its params in a descriptor without docBase.
            Files.delete(external);
            awaitLog(log, "Undeploying context [/wisp]", 2);
            Files.writeString(descriptor, """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <Context>
                      <Parameter name="wisp.stats.enabled" value="true"/>
                    </Context>
                    """);
            Files.copy(war, base.resolve("webapps/wisp.war"));
            awaitStatus(stats, 200, "with the WAR in webapps/ (no token in this descriptor)");
            Files.delete(base.resolve("webapps/wisp.war"));
            awaitStatus(stats, 404, "after deleting the WAR in webapps/");
            long gone = System.nanoTime() + REDEPLOY_WAIT.toNanos();
            while (Files.exists(descriptor) && System.nanoTime() < gone) {
                Thread.sleep(250);   // polling Tomcat's auto-deployer with a deadline
            }
            check(!Files.exists(descriptor), "with the WAR in webapps/, deleting it deletes the descriptor too (which"
                    + " is why the README keeps the WAR outside appBase)");
            server.destroy();
            check(server.waitFor(60, TimeUnit.SECONDS), "Tomcat exits within 60 s of SIGTERM");
        } finally {
            if (server.isAlive()) {
                server.destroyForcibly();
                server.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** How long Tomcat's auto-deployer (a look every 10 s) may take to act on a change. */
    static final Duration REDEPLOY_WAIT = Duration.ofSeconds(60);

    /** The descriptor's params hold: stats on behind the token, and wisp.bufferSize 64 as the first CONTINUE. */
    private void checkParamsApplied(int port, URI stats, String when) throws Exception {
        awaitStatus(stats, 401, when);
        check(get(stats, TOKEN).statusCode() == 200, "/wisp/stats with the token " + when);
        try (Client c = Client.connect(URI.create("ws://127.0.0.1:" + port + "/wisp/"))) {
            WispPacket first = c.next();
            check(first.equals(new Continue(0, 64)), "wisp.bufferSize=64 from the descriptor " + when + ": " + first);
        }
    }

    private void awaitStatus(URI uri, int status, String when) throws Exception {
        long deadline = System.nanoTime() + REDEPLOY_WAIT.toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            try {
                last = get(uri, null).statusCode();
            } catch (IOException e) {
                last = -1;   // between undeploy and deploy
            }
            if (last == status) {
                return;
            }
            Thread.sleep(250);   // polling Tomcat's auto-deployer with a deadline
        }
        check(false, uri + " answers " + status + " " + when + " within " + REDEPLOY_WAIT + ", last " + last);
    }

    /** Waits until the log holds {@code line} at least {@code times} times. */
    private static void awaitLog(Path log, String line, int times) throws Exception {
        long deadline = System.nanoTime() + REDEPLOY_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            long n = Files.readAllLines(log, StandardCharsets.ISO_8859_1).stream().filter(l -> l.contains(line)).count();
            if (n >= times) {
                return;
            }
            Thread.sleep(250);   // polling Tomcat's auto-deployer with a deadline
        }
        check(false, "\"" + line + "\" " + times + " time(s) in the log within " + REDEPLOY_WAIT + ": " + tail(log));
    }

    /**
     * A Jetty base: made with {@code --add-modules} (with or without {@code ee11-cdi}), or with {@code runBase} the
     * modules and logging of this repository's {@code jetty-base/}, which {@code mvn -Prun package} serves.
     */
    private void jetty(Path home, boolean cdi, boolean runBase, Load load) throws Exception {
        Path base = fresh("jetty-" + (cdi ? "cdi-" : runBase ? "run-" : "") + home.getFileName());
        if (runBase) {
            Path repoBase = Path.of(System.getProperty("wisp.jettyBase", "jetty-base")).toAbsolutePath();
            check(Files.isDirectory(repoBase.resolve("start.d")), "the repository's jetty-base at " + repoBase);
            Trees.copy(repoBase.resolve("start.d"), base.resolve("start.d"));
            Trees.copy(repoBase.resolve("resources"), base.resolve("resources"));
            Files.createDirectories(base.resolve("webapps"));
        } else {
            String modules = "http,ee11-deploy,ee11-websocket-jakarta" + (cdi ? ",ee11-cdi" : "");
            Process add = new ProcessBuilder(java(), "-jar", home.resolve("start.jar").toString(),
                    "--add-modules=" + modules, "jetty.home=" + home, "jetty.base=" + base).directory(base.toFile())
                    .redirectErrorStream(true).redirectOutput(base.resolve("add-modules.log").toFile()).start();
            check(add.waitFor(60, TimeUnit.SECONDS) && add.exitValue() == 0,
                    "--add-modules=" + modules + " succeeds: " + tail(base.resolve("add-modules.log")));
        }
        Files.createDirectories(base.resolve("wars"));
        Files.createDirectories(base.resolve("etc"));
        Files.copy(war, base.resolve("wars/wisp.war"));
        Files.writeString(base.resolve("etc/wisp-override.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <!-- Context params for /wisp, set the Jetty way: an override descriptor wins over the WAR's web.xml -->
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                  <context-param><param-name>wisp.allowPrivateAddresses</param-name><param-value>true</param-value></context-param>
                  <context-param><param-name>wisp.stats.enabled</param-name><param-value>true</param-value></context-param>
                  <context-param><param-name>wisp.stats.token</param-name><param-value>env:WISP_STATS_TOKEN</param-value></context-param>
                %s</web-app>
                """.formatted(load.destinationTimeout.isEmpty() ? "" : "  <context-param><param-name>wisp.destinationTimeout"
                        + "</param-name><param-value>" + load.destinationTimeout + "</param-value></context-param>\n"));
        Files.writeString(base.resolve("webapps/wisp.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <!DOCTYPE Configure PUBLIC "-//Jetty//Configure//EN" "https://jetty.org/configure_10_0.dtd">
                <Configure id="wac" class="org.eclipse.jetty.ee11.webapp.WebAppContext">
                  <Set name="contextPath">/wisp</Set>
                  <Set name="war"><Property name="jetty.base"/>/wars/wisp.war</Set>
                  <Set name="overrideDescriptor"><Property name="jetty.base"/>/etc/wisp-override.xml</Set>
                </Configure>
                """);
        // no webapps/wisp.properties: the only environment here is ee11, and a hot undeploy must remove one file only
        int port = freePort();
        List<String> jvm = load.heap != null ? List.of(java(), load.heap) : List.of(java());
        ProcessBuilder pb = new ProcessBuilder(java.util.stream.Stream.concat(jvm.stream(), Stream.of("-jar",
                home.resolve("start.jar").toString(),
                "jetty.home=" + home, "jetty.base=" + base, "jetty.http.host=127.0.0.1", "jetty.http.port=" + port,
                "jetty.deploy.scanInterval=1")).toList())
                .directory(base.toFile());
        pb.environment().put("WISP_STATS_TOKEN", TOKEN);
        // The graceful sequence two ways: a hot undeploy (the context XML goes away), and with ee11-cdi a server stop
        // by SIGTERM, where Jetty closes its connectors before its webapps and the WAR's JettyServerStop listener
        // sends the CLOSEs first.
        Undeploy end = cdi ? Process::destroy : server -> Files.delete(base.resolve("webapps/wisp.xml"));
        run(pb, base, port, false, load, end);
    }

    // ------------------------------------------------------------------------------------------------ the checks

    /** How a test ends the deployment while a stream is open. */
    @FunctionalInterface
    private interface Undeploy {
        void undeploy(Process server) throws IOException;
    }

    private void run(ProcessBuilder pb, Path base, int port, boolean tomcat, Load load, Undeploy undeploy)
            throws Exception {
        Path log = base.resolve("console.log");
        Process server = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try (ServerSocket echo = echoServer()) {
            URI page = URI.create("http://127.0.0.1:" + port + "/wisp/");
            awaitPage(server, page, log);
            check(get(URI.create(page + "stats"), null).statusCode() == 401, "/wisp/stats without the token: 401");
            HttpResponse<String> stats = get(URI.create(page + "stats"), TOKEN);
            check(stats.statusCode() == 200 && stats.body().startsWith("{\"version\":\"") && stats.body().contains(",\"sessions\":"), "/wisp/stats: " + stats.body());
            if (tomcat) {
                check(get(URI.create("http://127.0.0.1:" + port + "/"), null).statusCode() == 200,
                        "Tomcat's own ROOT webapp still answers beside /wisp");
            }
            wsproxyRoundTrip(URI.create("ws://127.0.0.1:" + port + "/wisp/127.0.0.1:" + echo.getLocalPort()));
            if (load == Load.HELD) {
                heldBack(port, echo.getLocalPort());
            } else if (load == Load.ATTACK) {
                attack(port, echo.getLocalPort(), server);
            }
            try (Client c = Client.connect(URI.create("ws://127.0.0.1:" + port + "/wisp/"))) {
                WispPacket first = c.next();
                check(first.equals(new Continue(0, 128)), "Wisp v1 starts with CONTINUE(0, 128): " + first);
                c.send(new Connect(1, StreamType.TCP, echo.getLocalPort(), "127.0.0.1"));
                byte[] hello = "hello through the standalone container".getBytes(StandardCharsets.UTF_8);
                c.send(Data.of(1, hello));
                ByteArrayOutputStream back = new ByteArrayOutputStream();
                while (back.size() < hello.length) {
                    WispPacket p = c.next();
                    check(p instanceof Data d && d.streamId() == 1, "DATA on stream 1, got " + p);
                    ByteBuffer payload = ((Data) p).payload().duplicate();
                    byte[] bytes = new byte[payload.remaining()];
                    payload.get(bytes);
                    back.writeBytes(bytes);
                }
                check(new String(back.toByteArray(), StandardCharsets.UTF_8).equals(new String(hello,
                        StandardCharsets.UTF_8)), "the echo came back whole");

                undeploy.undeploy(server);   // with the stream still open
                WispPacket close = c.next();
                check(close.equals(new Close(1, CloseReason.VOLUNTARY)), "the open stream gets CLOSE 0x02 on undeploy: "
                        + close);
                int code = c.awaitClose();
                check(code == 1001, "the WebSocket closes with 1001 on undeploy, got " + code + " " + c.closeReason);
            }
            server.destroy();   // SIGTERM, if the undeploy did not stop it already
            check(server.waitFor(60, TimeUnit.SECONDS), "the container exits within 60 s of SIGTERM");
        } finally {
            if (server.isAlive()) {
                server.destroyForcibly();
                server.waitFor(10, TimeUnit.SECONDS);
            }
        }
        List<String> bad = new ArrayList<>();
        for (Path file : logs(base)) {
            for (String line : Files.readAllLines(file, StandardCharsets.ISO_8859_1)) {
                if (BAD_LOG_LINES.stream().anyMatch(line::contains)) {
                    bad.add(base.relativize(file) + ": " + line);
                }
            }
        }
        check(bad.isEmpty(), "no error lines in the container's log: " + bad);
    }

    /**
     * Issue 11's requirement, on the container as installed (default thread pool: 200): {@value #HELD_BACK} WebSockets
     * are each in the middle of a 64 MiB upload to a destination that accepts and never reads, so the server pauses
     * them all; then a new client connects, opens a stream and moves 1 MiB each way within 2 s. A pause that held a
     * request thread would have used up the pool long before. Then the destinations close, and every held-back
     * connection must end with nothing left open.
     */
    private void heldBack(int port, int echoPort) throws Exception {
        long start = System.nanoTime();
        List<RawWebSocket> held = new ArrayList<>();
        List<Thread> writers = new ArrayList<>();
        List<Socket> destinations = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (ServerSocket stalled = new ServerSocket()) {
            stalled.setReceiveBufferSize(4096);
            stalled.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), HELD_BACK);
            Thread acceptor = Thread.ofVirtual().name("smoke-stalled").start(() -> {
                while (!stalled.isClosed()) {
                    try {
                        destinations.add(stalled.accept());   // accepted, never read
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            try {
                for (int i = 0; i < HELD_BACK; i++) {
                    RawWebSocket ws = RawWebSocket.upgrade(port, "/wisp/", 64 * 1024).socket();
                    check(ws != null, "held-back WebSocket " + i + " opens");
                    held.add(ws);
                    ws.readFrame();   // CONTINUE(0, 128)
                    ws.sendBinary(WispCodec.encode(new Connect(1, StreamType.TCP, stalled.getLocalPort(), "127.0.0.1"))
                            .array());
                    writers.add(Thread.ofVirtual().name("smoke-held-" + i).start(() -> ws.streamData(1, 64L << 20)));
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                long paused;
                while ((paused = statNumber("readsPaused", port)) < HELD_BACK) {
                    check(System.nanoTime() < deadline, "all " + HELD_BACK + " connections paused within 120 s; "
                            + paused + " are: " + stats(port));
                    Thread.sleep(100);   // polling a counter with a deadline
                }
                long setup = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                byte[] payload = new byte[1024 * 1024];
                new java.util.Random(11).nextBytes(payload);
                long t0 = System.nanoTime();
                try (Client c = Client.connect(URI.create("ws://127.0.0.1:" + port + "/wisp/"))) {
                    check(c.next().equals(new Continue(0, 128)), "the new client gets its credit");
                    c.send(new Connect(1, StreamType.TCP, echoPort, "127.0.0.1"));
                    for (int off = 0; off < payload.length; off += 64 * 1024) {   // 16 packets: within the credit
                        c.send(new Data(1, ByteBuffer.wrap(payload, off, 64 * 1024)));
                    }
                    ByteArrayOutputStream back = new ByteArrayOutputStream();
                    while (back.size() < payload.length) {
                        WispPacket p = c.next();
                        check(p instanceof Data d && d.streamId() == 1, "DATA on stream 1, got " + p);
                        ByteBuffer b = ((Data) p).payload().duplicate();
                        byte[] bytes = new byte[b.remaining()];
                        b.get(bytes);
                        back.writeBytes(bytes);
                    }
                    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                    check(java.util.Arrays.equals(back.toByteArray(), payload), "1 MiB echoed intact");
                    System.out.printf("[standalone smoke] held back: %d connections paused (%d bytes held, set up in"
                            + " %d ms); a new client moved 1 MiB each way in %d ms%n", HELD_BACK,
                            statNumber("bufferedBytes", port), setup, millis);
                    check(millis < 2_000, "a new client moved 1 MiB each way within 2 s: " + millis + " ms");
                    c.send(new Close(1, CloseReason.VOLUNTARY));
                }
                check(statNumber("readsPaused", port) == HELD_BACK, "the held-back connections are still paused");
            } finally {
                stalled.close();
                acceptor.join(10_000);
                for (Socket d : destinations) {
                    d.close();   // EOF for the streams: they end and let their connections go
                }
                for (RawWebSocket ws : held) {
                    ws.close();
                }
                for (Thread t : writers) {
                    t.join(30_000);
                }
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (statNumber("sessions", port) != 0 || statNumber("sockets", port) != 0
                || statNumber("bufferedBytes", port) != 0 || statNumber("readsPaused", port) != 0) {
            check(System.nanoTime() < deadline, "every held-back connection ends within 60 s: " + stats(port));
            Thread.sleep(100);
        }
    }

    /** What a container spec asks for besides the basic checks, by its suffix, and the heap it runs with. */
    enum Load {
        NONE("", null, ""),
        /**
         * {@link StandaloneSmoke#heldBack}: the server byte budget (a quarter of the heap) is above what 300
         * connections hold, and their streams are not ended by wisp.destinationTimeout (30 s) before all 300 are set
         * up on a busy machine.
         */
        HELD("+held", "-Xmx6g", "10m"),
        /** {@link StandaloneSmoke#attack}: the heap of the report that found the exhaustion (issue 13), defaults. */
        ATTACK("+attack", "-Xmx1g", "");

        final String suffix;
        final String heap;
        /** wisp.destinationTimeout, or empty for the default. */
        final String destinationTimeout;

        Load(String suffix, String heap, String destinationTimeout) {
            this.suffix = suffix;
            this.heap = heap;
            this.destinationTimeout = destinationTimeout;
        }

        static Load of(String spec) {
            for (Load l : List.of(HELD, ATTACK)) {
                if (spec.endsWith(l.suffix)) {
                    return l;
                }
            }
            return NONE;
        }
    }

    /** Streams the attacker of {@link #attack} opens on its one WebSocket. */
    static final int ATTACK_STREAMS = 300;
    /** DATA packets it sends on each: exactly the credit (128), so it never breaks a rule. */
    static final int ATTACK_PACKETS = 128;
    /** The payload of each: the largest that fits a 64 KiB message with the 5-byte header and more. */
    static final int ATTACK_PAYLOAD = 65_531;

    /**
     * Issue 13's attack, against the defaults on a 1 GiB heap: one WebSocket opens {@value #ATTACK_STREAMS} streams to a
     * destination that accepts and never reads, and sends {@value #ATTACK_PACKETS} DATA of {@value #ATTACK_PAYLOAD}
     * bytes on each, never beyond its credit (2.5 GB offered). Before the byte budgets the heap ran out after about 190
     * streams. Now the server must stop reading that WebSocket with at most its connection budget held, stay below
     * the server budget in heap after a GC, answer /wisp/stats, and serve a bystander's echoes promptly meanwhile;
     * when the attacker goes, everything is released.
     */
    private void attack(int port, int echoPort, Process server) throws Exception {
        byte[] payload = new byte[ATTACK_PAYLOAD];
        try (ServerSocket stalled = new ServerSocket()) {
            stalled.setReceiveBufferSize(4096);
            stalled.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), ATTACK_STREAMS);
            List<Socket> destinations = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread acceptor = Thread.ofVirtual().name("smoke-attack-stalled").start(() -> {
                while (!stalled.isClosed()) {
                    try {
                        destinations.add(stalled.accept());   // accepted, never read
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            RawWebSocket attacker = RawWebSocket.upgrade(port, "/wisp/", 64 * 1024).socket();
            check(attacker != null, "the attacker's WebSocket opens");
            java.util.concurrent.atomic.AtomicLong offered = new java.util.concurrent.atomic.AtomicLong();
            Thread writer;
            try {
                check(attacker.readFrame().opcode() == RawWebSocket.OPCODE_BINARY, "the attacker gets its credit");
                writer = Thread.ofVirtual().name("smoke-attacker").start(() -> {
                    try {
                        for (int id = 1; id <= ATTACK_STREAMS; id++) {
                            attacker.sendBinary(WispCodec.encode(new Connect(id, StreamType.TCP,
                                    stalled.getLocalPort(), "127.0.0.1")).array());
                        }
                        for (int round = 0; round < ATTACK_PACKETS; round++) {
                            for (int id = 1; id <= ATTACK_STREAMS; id++) {
                                attacker.sendBinary(WispCodec.encode(new Data(id, ByteBuffer.wrap(payload))).array());
                                offered.addAndGet(payload.length);
                            }
                        }
                    } catch (IOException e) {
                        // the smoke closes the attacker's socket while this write is blocked: the attack is over
                    }
                });
                // the attacker is held back once its writes stall for 3 s (a server without byte budgets, like the
                // one of the report, takes all 2.5 GB or runs out of heap first)
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                long last = -1;
                long stalledSince = System.nanoTime();
                while (writer.isAlive() && System.nanoTime() - stalledSince < TimeUnit.SECONDS.toNanos(3)) {
                    if (System.nanoTime() > deadline) {
                        check(false, "the attacker is held back within 120 s: " + stats(port));
                    }
                    if (offered.get() != last) {
                        last = offered.get();
                        stalledSince = System.nanoTime();
                    }
                    Thread.sleep(100);   // polling a counter with a deadline
                }
                long serverBudget = (1L << 30) / 4;   // the default: a quarter of the heap (-Xmx1g)
                // 10 s under attack: a bystander echoes 1 KiB every 50 ms; stats and the heap are read meanwhile
                long worstRtt = 0;
                long worstStats = 0;
                long heldMax = 0;
                int roundTrips = 0;
                byte[] ping = new byte[1024];
                try (Client c = Client.connect(URI.create("ws://127.0.0.1:" + port + "/wisp/"))) {
                    check(c.next().equals(new Continue(0, 128)), "the bystander gets its credit");
                    c.send(new Connect(1, StreamType.TCP, echoPort, "127.0.0.1"));
                    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                    while (System.nanoTime() < end) {
                        long t0 = System.nanoTime();
                        c.send(new Data(1, ByteBuffer.wrap(ping)));
                        int back = 0;
                        while (back < ping.length) {
                            WispPacket p = c.next();
                            if (p instanceof Continue) {
                                continue;   // the stream's credit refill
                            }
                            check(p instanceof Data d && d.streamId() == 1, "DATA on stream 1, got " + p);
                            back += ((Data) p).payload().remaining();
                        }
                        worstRtt = Math.max(worstRtt, System.nanoTime() - t0);
                        roundTrips++;
                        long s0 = System.nanoTime();
                        heldMax = Math.max(heldMax, statOr("bufferedBytes", port, -1));
                        worstStats = Math.max(worstStats, System.nanoTime() - s0);
                        Thread.sleep(50);   // pacing the bystander
                    }
                    c.send(new Close(1, CloseReason.VOLUNTARY));
                }
                long heapAfterGc = heapAfterGc(server);
                long connectionBudget = statOr("connectionByteBudget", port, -1);
                System.out.printf("[standalone smoke] attack: %d streams x %d x %d B offered, %d MiB taken before the"
                        + " pause; held at most %d B (connection budget %d); heap after GC %d MiB (server budget %d"
                        + " MiB, -Xmx1g); bystander: %d round trips, worst %d ms; /wisp/stats worst %d ms%n",
                        ATTACK_STREAMS, ATTACK_PACKETS, ATTACK_PAYLOAD, offered.get() >> 20, heldMax,
                        connectionBudget, heapAfterGc >> 20, serverBudget >> 20, roundTrips,
                        TimeUnit.NANOSECONDS.toMillis(worstRtt), TimeUnit.NANOSECONDS.toMillis(worstStats));
                check(heapAfterGc < serverBudget, "heap after GC " + heapAfterGc + " B, below the server budget");
                check(roundTrips >= 100 && worstRtt < TimeUnit.SECONDS.toNanos(1), "the bystander's echoes: "
                        + roundTrips + " round trips, worst " + TimeUnit.NANOSECONDS.toMillis(worstRtt) + " ms");
                check(worstStats < TimeUnit.SECONDS.toNanos(2), "/wisp/stats answers within 2 s under attack");
                check(writer.isAlive(), "the attacker is held back, not served: it offered " + offered.get() + " bytes");
                check(serverBudget == statNumber("serverByteBudget", port), "the server budget is a quarter of 1 GiB");
                check(statNumber("readsPaused", port) == 1, "the attacker is paused");
                // a part in flight may land after the budget filled: one message, at most
                check(heldMax <= connectionBudget + 64 * 1024, "held " + heldMax + " B, within the connection budget");
            } finally {
                attacker.close();
                stalled.close();
                acceptor.join(10_000);
                for (Socket d : destinations) {
                    d.close();
                }
            }
            writer.join(30_000);
            check(!writer.isAlive(), "the attacker's writer ends once its connection is gone");
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (statNumber("sessions", port) != 0 || statNumber("sockets", port) != 0
                || statNumber("bufferedBytes", port) != 0 || statNumber("readsPaused", port) != 0) {
            check(System.nanoTime() < deadline, "the attacker's connection is released within 60 s: " + stats(port));
            Thread.sleep(100);
        }
    }

    /** A number from /wisp/stats, or {@code missing} when the server does not report it. */
    private long statOr(String name, int port, long missing) throws Exception {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + name + "\":(\\d+)").matcher(stats(port));
        return m.find() ? Long.parseLong(m.group(1)) : missing;
    }

    /** The container JVM's heap in use right after a full GC, by jcmd (the JVM is the server process or its child). */
    private static long heapAfterGc(Process server) throws Exception {
        long pid = server.descendants().filter(p -> p.info().command().orElse("").endsWith("/java"))
                .mapToLong(ProcessHandle::pid).max().orElse(server.pid());
        String jcmd = Path.of(javaHome(), "bin", "jcmd").toString();
        check(runJcmd(jcmd, pid, "GC.run").contains(":"), "jcmd GC.run on " + pid);
        String info = runJcmd(jcmd, pid, "GC.heap_info");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("heap .*?used (\\d+)K").matcher(info);
        check(m.find(), "jcmd GC.heap_info gives the heap in use: " + info);
        return Long.parseLong(m.group(1)) * 1024;
    }

    private static String runJcmd(String jcmd, long pid, String command) throws Exception {
        Process p = new ProcessBuilder(jcmd, Long.toString(pid), command).redirectErrorStream(true).start();
        check(p.waitFor(60, TimeUnit.SECONDS), "jcmd " + command + " within 60 s");
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    /** Wisp connections held back at once by {@link #heldBack}. */
    static final int HELD_BACK = 300;

    private String stats(int port) throws Exception {
        return get(URI.create("http://127.0.0.1:" + port + "/wisp/stats"), TOKEN).body();
    }

    private long statNumber(String name, int port) throws Exception {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + name + "\":(\\d+)").matcher(stats(port));
        check(m.find(), name + " in /wisp/stats");
        return Long.parseLong(m.group(1));
    }

    private void wsproxyRoundTrip(URI uri) throws Exception {
        try (Client c = Client.connect(uri)) {
            c.ws.sendBinary(ByteBuffer.wrap("raw".getBytes(StandardCharsets.UTF_8)), true).get(30, TimeUnit.SECONDS);
            ByteArrayOutputStream back = new ByteArrayOutputStream();
            while (back.size() < 3) {
                back.writeBytes(c.nextMessage());
            }
            check(back.toString(StandardCharsets.UTF_8).equals("raw"), "wsproxy echo: " + back);
        }
    }

    private void awaitPage(Process server, URI page, Path log) throws Exception {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            check(server.isAlive(), "the container exited during startup: " + tail(log));
            try {
                HttpResponse<String> r = get(page, null);
                if (r.statusCode() == 200 && r.body().contains("Wisp server")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            check(System.nanoTime() < deadline, "no Wisp page at " + page + " within " + START_TIMEOUT + ": "
                    + tail(log));
            Thread.sleep(200);   // polling startup with a deadline
        }
    }

    private HttpResponse<String> get(URI uri, String token) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10));
        if (token != null) {
            r.header("Authorization", "Bearer " + token);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    // ------------------------------------------------------------------------------------------------- a client

    /** A WebSocket client on the JDK's java.net.http: whole binary messages, in order, with bounded waits. */
    private static final class Client implements WebSocket.Listener, AutoCloseable {
        private final BlockingQueue<byte[]> messages = new LinkedBlockingQueue<>();
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
        private final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private volatile String closeReason;
        private WebSocket ws;

        static Client connect(URI uri) throws Exception {
            Client c = new Client();
            c.ws = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(uri, c).get(30, TimeUnit.SECONDS);
            return c;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            partial.writeBytes(bytes);   // the JDK hands large messages over in parts
            if (last) {
                messages.add(partial.toByteArray());
                partial.reset();
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeReason = reason;
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete(-1);
        }

        byte[] nextMessage() throws InterruptedException {
            byte[] m = messages.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            check(m != null, "no message within " + WAIT);
            return m;
        }

        WispPacket next() throws Exception {
            return WispCodec.decode(ByteBuffer.wrap(nextMessage()), Role.SERVER);
        }

        void send(WispPacket p) throws Exception {
            ws.sendBinary(WispCodec.encode(p), true).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }

        int awaitClose() throws Exception {
            return closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            ws.abort();
        }
    }

    // ---------------------------------------------------------------------------------------------------- helpers

    private static ServerSocket echoServer() throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("smoke-echo").start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread.ofVirtual().start(() -> {
                        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                            in.transferTo(out);
                        } catch (IOException e) {
                            // the container closed the stream's socket
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        return server;
    }

    private Path fresh(String name) throws IOException {
        Path dir = work.resolve(name);
        if (Files.exists(dir)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        return Files.createDirectories(dir);
    }

    private static List<Path> logs(Path base) throws IOException {
        try (Stream<Path> walk = Files.walk(base)) {
            return walk.filter(p -> p.getFileName().toString().endsWith(".log")
                    && !p.getFileName().toString().startsWith("add-modules")).toList();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The JDK running this program: the build's 21+ toolchain, which then runs the containers too. */
    private static String javaHome() {
        return System.getProperty("java.home");
    }

    private static String java() {
        return Path.of(javaHome(), "bin", "java").toString();
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
            return "\n  " + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError("standalone smoke failed: " + what);
        }
    }
}
