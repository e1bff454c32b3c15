package org.wispwar.wisp.it;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
public final class EmbeddedJetty implements AutoCloseable {
    public static final Path WAR = Path.of("target", "wisp");

    private final Server server;
    private final ServerConnector connector;
    private final Map<String, WebAppContext> contexts = new LinkedHashMap<>();

    private EmbeddedJetty(Map<String, Map<String, String>> contextParams) throws Exception {
        if (!Files.isDirectory(WAR.resolve("WEB-INF"))) {
            throw new IllegalStateException(WAR.toAbsolutePath() + " is missing: run the ITs through mvn verify");
        }
        server = new Server();
        connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ContextHandlerCollection handlers = new ContextHandlerCollection();
        for (Map.Entry<String, Map<String, String>> e : contextParams.entrySet()) {
            WebAppContext ctx = new WebAppContext();
            ctx.setContextPath(e.getKey());
            ctx.setWar(WAR.toString());
            ctx.setThrowUnavailableOnStartupException(false);
            if (!e.getValue().isEmpty()) {
                ctx.addOverrideDescriptor(overrideDescriptor(e.getValue()).toString());
            }
            handlers.addHandler(ctx);
            contexts.put(e.getKey(), ctx);
        }
        server.setHandler(handlers);
        server.start();
    }

    /** Starts Jetty with one webapp per entry: context path → context params. */
    public static EmbeddedJetty start(Map<String, Map<String, String>> contextParams) throws Exception {
        return new EmbeddedJetty(contextParams);
    }

    public WebAppContext context(String path) {
        return contexts.get(path);
    }

    public int port() {
        return connector.getLocalPort();
    }

    /** The Wisp endpoint of a context: {@code ws://127.0.0.1:port/<path>/} (trailing slash). */
    public URI wispUri(String path) {
        return URI.create("ws://127.0.0.1:" + port() + path + "/");
    }

    public URI httpUri(String path) {
        return URI.create("http://127.0.0.1:" + port() + path + "/");
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
