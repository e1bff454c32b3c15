package org.wispwar.wisp.it;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.management.ObjectName;
import org.eclipse.jetty.ee11.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;

/**
 * Jetty 12 (ee11) on 127.0.0.1, port 0, serving the exploded WAR that {@code mvn package} built ({@code target/wisp})
 * at one or more context paths, each with its own context params, set the way an operator would without rebuilding
 * the WAR: a Jetty override descriptor.
 */
public final class EmbeddedJetty implements WarContainer {
    private final Server server;
    private final ServerConnector connector;
    private final ContextHandlerCollection handlers = new ContextHandlerCollection();
    private final Map<String, WebAppContext> contexts = new java.util.concurrent.ConcurrentHashMap<>();

    private EmbeddedJetty(Map<String, Map<String, String>> contextParams, int maxThreads) throws Exception {
        if (!Files.isDirectory(WAR.resolve("WEB-INF"))) {
            throw new IllegalStateException(WAR.toAbsolutePath() + " is missing: run the ITs through mvn verify");
        }
        server = maxThreads > 0 ? new Server(new org.eclipse.jetty.util.thread.QueuedThreadPool(maxThreads))
                : new Server();
        connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        for (Map.Entry<String, Map<String, String>> e : contextParams.entrySet()) {
            handlers.addHandler(warContext(e.getKey(), e.getValue()));
        }
        server.setHandler(handlers);
        server.start();
    }

    private WebAppContext warContext(String path, Map<String, String> params) throws IOException {
        WebAppContext ctx = webappContext(path, WAR);
        if (!params.isEmpty()) {
            ctx.addOverrideDescriptor(overrideDescriptor(params).toString());
        }
        return ctx;
    }

    private WebAppContext webappContext(String path, Path dir) {
        WebAppContext ctx = new WebAppContext();
        ctx.setContextPath(path);
        ctx.setWar(dir.toString());
        ctx.setThrowUnavailableOnStartupException(false);
        contexts.put(path, ctx);
        return ctx;
    }

    @Override
    public String name() {
        return "Jetty " + Server.getVersion() + " (ee11)";
    }

    @Override
    public boolean isAvailable(String path) {
        return contexts.get(path).isAvailable();
    }

    @Override
    public Throwable startupFailure(String path) {
        return contexts.get(path).getUnavailableException();
    }

    @Override
    public void deploy(String path, Map<String, String> params) throws Exception {
        start(warContext(path, params));
    }

    @Override
    public void deployWithoutWebSocket(String path) throws Exception {
        WebAppContext ctx = warContext(path, Map.of());
        // Jetty's own switch for skipping container initializers: here the Jakarta WebSocket one
        ctx.setAttribute("org.eclipse.jetty.containerInitializerExclusionPattern",
                "org\\.eclipse\\.jetty\\.ee11\\.websocket\\..*");
        start(ctx);
    }

    @Override
    public void deployWebapp(String path, Path dir) throws Exception {
        start(webappContext(path, dir));
    }

    private void start(WebAppContext ctx) throws Exception {
        handlers.addHandler(ctx);
        if (!ctx.isStarted()) {
            ctx.start();
        }
    }

    @Override
    public void undeploy(String path) throws Exception {
        WebAppContext ctx = contexts.remove(path);
        ctx.stop();
        handlers.removeHandler(ctx);
    }

    @Override
    public ClassLoader classLoader(String path) {
        return contexts.get(path).getClassLoader();
    }

    @Override
    public long sessionsCreated(String path) {
        return contexts.get(path).getSessionHandler().getSessionsCreated();
    }

    /** Starts Jetty with one webapp per entry: context path → context params. */
    /** With a thread pool of at most {@code maxThreads} (0: Jetty's default, 200). */
    public static EmbeddedJetty start(Map<String, Map<String, String>> contextParams, int maxThreads)
            throws Exception {
        return new EmbeddedJetty(contextParams, maxThreads);
    }

    public static EmbeddedJetty start(Map<String, Map<String, String>> contextParams) throws Exception {
        return new EmbeddedJetty(contextParams, 0);
    }

    public WebAppContext context(String path) {
        return contexts.get(path);
    }

    @Override
    public int port() {
        return connector.getLocalPort();
    }

    /** A live counter from the deployment's MBean: Sessions, Streams, Threads, Sockets, StreamsOpened. */
    public static long stat(String contextPath, String attribute) throws Exception {
        ObjectName name = new ObjectName("org.wispwar.wisp:type=Wisp,context=" + ObjectName.quote(contextPath));
        return (Long) ManagementFactory.getPlatformMBeanServer().getAttribute(name, attribute);
    }

    private static Path overrideDescriptor(Map<String, String> params) throws IOException {
        StringBuilder xml = new StringBuilder("""
                <?xml version="1.0" encoding="UTF-8"?>
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                """);
        params.forEach((k, v) -> xml.append("  <context-param><param-name>").append(k)
                .append("</param-name><param-value>").append(v).append("</param-value></context-param>\n"));
        xml.append("</web-app>\n");
        Path file = Files.createTempFile("wisp-override-", ".xml");
        file.toFile().deleteOnExit();
        Files.writeString(file, xml);
        return file;
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
