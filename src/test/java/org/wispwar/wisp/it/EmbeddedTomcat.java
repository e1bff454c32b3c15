package org.wispwar.wisp.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.apache.catalina.Host;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.servlets.DefaultServlet;
import org.apache.catalina.startup.Constants;
import org.apache.catalina.startup.ContextConfig;
import org.apache.catalina.startup.Tomcat;
import org.apache.catalina.util.ServerInfo;
import org.apache.tomcat.util.descriptor.web.ApplicationParameter;
import org.apache.tomcat.util.scan.StandardJarScanner;

/**
 * Embedded Tomcat (11, or 10.1 in the tomcat10-it execution) on 127.0.0.1, port 0, serving the exploded WAR at one or
 * more context paths. Each context gets its params as a plain {@code <Parameter name=".." value=".."/>} would give them
 * in {@code conf/Catalina/localhost/wisp.xml} (the WAR's web.xml sets none, so nothing shadows them).
 *
 * <p>As in java-stack.md §8: no default web.xml (it would want Jasper), so each context gets Tomcat's MIME mappings and
 * a DefaultServlet at {@code /} by hand; without a servlet mapping a URL, Tomcat never runs WsFilter for it and a
 * wsproxy upgrade to {@code /wisp/host:port} gets 404. Contexts are added to the running host one by one, as Tomcat's
 * deployer does, so a context that fails to start fails alone (at server start Tomcat would fail the whole host). The
 * container's warnings are kept, which is how tests see Tomcat's class-loader leak warnings.
 */
public final class EmbeddedTomcat implements WarContainer {
    /** Loggers whose records are kept: the contexts' container logs, the class loaders' leak warnings. */
    private static final String CATALINA = "org.apache.catalina";

    private final Tomcat tomcat = new Tomcat();
    private final Map<String, StandardContext> contexts = new ConcurrentHashMap<>();
    private final Map<String, Throwable> failures = new ConcurrentHashMap<>();
    private final List<LogRecord> log = new CopyOnWriteArrayList<>();
    private final Handler recorder = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                log.add(r);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    /** Held so the JUL logger (and the handler on it) is not garbage collected. */
    private final Logger catalinaLogger = Logger.getLogger(CATALINA);

    private EmbeddedTomcat(Map<String, Map<String, String>> contextParams, int maxThreads) throws Exception {
        if (!Files.isDirectory(WAR.resolve("WEB-INF"))) {
            throw new IllegalStateException(WAR.toAbsolutePath() + " is missing: run the ITs through mvn verify");
        }
        catalinaLogger.addHandler(recorder);
        Path base = Files.createTempDirectory("wisp-tomcat-");
        tomcat.setBaseDir(base.toString());
        Connector connector = tomcat.getConnector();   // created only when asked for
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        if (maxThreads > 0) {
            connector.setProperty("maxThreads", Integer.toString(maxThreads));
        }
        tomcat.setAddDefaultWebXmlToWebapp(false);
        tomcat.getHost();   // created before start, so that it starts with the server
        tomcat.start();
        // Deployed one by one into the running host, as Tomcat's deployer does: a context that fails to start is
        // then only that context's failure (at server start, Tomcat would fail the whole host).
        for (Map.Entry<String, Map<String, String>> e : contextParams.entrySet()) {
            add(e.getKey(), WAR, e.getValue());
        }
    }

    /** Starts Tomcat with one webapp per entry: context path → context params. */
    public static EmbeddedTomcat start(Map<String, Map<String, String>> contextParams) throws Exception {
        return new EmbeddedTomcat(contextParams, 0);
    }

    /** With at most {@code maxThreads} request threads on the connector (0: Tomcat's default, 200). */
    public static EmbeddedTomcat start(Map<String, Map<String, String>> contextParams, int maxThreads)
            throws Exception {
        return new EmbeddedTomcat(contextParams, maxThreads);
    }

    /** Adds a context to the running host, which starts it. */
    private StandardContext add(String path, Path dir, Map<String, String> params) {
        return add(path, dir, params, ctx -> { });
    }

    private StandardContext add(String path, Path dir, Map<String, String> params,
            java.util.function.Consumer<StandardContext> customize) {
        String tomcatPath = path.equals("/") ? "" : path;
        StandardContext ctx = new StandardContext();
        ctx.setName(tomcatPath);
        ctx.setPath(tomcatPath);
        ctx.setDocBase(dir.toAbsolutePath().toString());
        ctx.setDefaultWebXml(Constants.NoDefaultWebXml);
        ctx.addLifecycleListener(new ContextConfig());
        ((StandardJarScanner) ctx.getJarScanner()).setScanClassPath(false);
        for (Map.Entry<String, String> p : params.entrySet()) {
            ApplicationParameter param = new ApplicationParameter();
            param.setName(p.getKey());
            param.setValue(p.getValue());
            // a plain <Parameter> (override="true", Tomcat's default): it works because the WAR's web.xml sets none
            ctx.addApplicationParameter(param);
        }
        Tomcat.addDefaultMimeTypeMappings(ctx);
        Wrapper defaultServlet = ctx.createWrapper();
        defaultServlet.setName("default");
        defaultServlet.setServletClass(DefaultServlet.class.getName());
        defaultServlet.setLoadOnStartup(1);
        ctx.addChild(defaultServlet);
        ctx.addServletMappingDecoded("/", "default");
        customize.accept(ctx);
        contexts.put(path, ctx);
        try {
            tomcat.getHost().addChild(ctx);
        } catch (IllegalStateException e) {
            failures.put(path, e);   // logged by Tomcat too; the context stays, unavailable
        }
        return ctx;
    }

    @Override
    public String name() {
        return ServerInfo.getServerInfo();
    }

    @Override
    public int port() {
        return tomcat.getConnector().getLocalPort();
    }

    @Override
    public boolean isAvailable(String path) {
        return contexts.get(path).getState().isAvailable();
    }

    /** Tomcat logs a failed start and marks the context unavailable; the logged exceptions are the failure. */
    @Override
    public Throwable startupFailure(String path) {
        if (isAvailable(path)) {
            return null;
        }
        if (failures.containsKey(path)) {
            return failures.get(path);
        }
        StringBuilder logged = new StringBuilder("context " + path + " did not start; logged:");
        Throwable first = null;
        String logName = "[" + (path.equals("/") ? "" : path) + "]";
        for (LogRecord r : log) {
            if (r.getLoggerName() != null && r.getLoggerName().endsWith(logName) && r.getThrown() != null) {
                first = first == null ? r.getThrown() : first;
                for (Throwable t = r.getThrown(); t != null; t = t.getCause()) {
                    logged.append(" | ").append(t);
                }
            }
        }
        return new IllegalStateException(logged.toString(), first);
    }

    @Override
    public void deploy(String path, Map<String, String> params) {
        add(path, WAR, params);
    }

    @Override
    public void deployWebapp(String path, Path dir) {
        add(path, dir, Map.of());
    }

    /**
     * Deploys an exploded webapp with the context set up by {@code customize} before it starts (a realm, say), as a
     * context XML would set it up.
     */
    public void deployWebapp(String path, Path dir, java.util.function.Consumer<StandardContext> customize) {
        add(path, dir, Map.of(), customize);
    }

    /** The Tomcat context at {@code path}, for what only Tomcat's API shows (its filter maps). */
    public StandardContext context(String path) {
        return contexts.get(path);
    }

    /** Tomcat's own switch for skipping container initializers: here WsSci, which sets up Jakarta WebSocket. */
    @Override
    public void deployWithoutWebSocket(String path) {
        add(path, WAR, Map.of(), ctx -> ctx.setContainerSciFilter("org\\.apache\\.tomcat\\.websocket\\..*"));
    }

    @Override
    public void undeploy(String path) {
        tomcat.getHost().removeChild(contexts.remove(path));   // stops and destroys the context
    }

    @Override
    public ClassLoader classLoader(String path) {
        return contexts.get(path).getLoader().getClassLoader();
    }

    @Override
    public long sessionsCreated(String path) {
        return contexts.get(path).getManager().getSessionCounter();
    }

    /**
     * The class loader's warnings on undeploy ("appears to have started a thread named [...] but has failed to stop
     * it", ThreadLocal and driver leaks), and the contexts Tomcat's own "find leaks" check names: stopped contexts
     * whose class loader is still reachable after a GC.
     *
     * <p>One warning is left out: Tomcat's own utility thread caught running the context's periodic background work
     * (it runs with the webapp's class loader) at the moment the context stops. That thread belongs to Tomcat and goes
     * on serving other contexts. It was seen once, failing the redeploy check on a fresh-clone CI run.
     */
    @Override
    public List<String> leakReports() {
        List<String> reports = new ArrayList<>();
        for (LogRecord r : log) {
            if (r.getLoggerName() != null && r.getLoggerName().startsWith(CATALINA + ".loader.")) {
                String message = new java.util.logging.SimpleFormatter().formatMessage(r);
                if (!isTomcatBackgroundProcessor(message)) {
                    reports.add(r.getLevel() + " " + message);
                }
            }
        }
        Host host = tomcat.getHost();
        for (String context : ((StandardHost) host).findReloadedContextMemoryLeaks()) {
            reports.add("find leaks: " + context);
        }
        return reports;
    }

    private static boolean isTomcatBackgroundProcessor(String warning) {
        return warning.contains("started a thread named [Catalina-utility-")
                && warning.contains("StandardContext.backgroundProcess(");
    }

    @Override
    public void close() throws Exception {
        try {
            tomcat.stop();
            tomcat.destroy();
        } finally {
            catalinaLogger.removeHandler(recorder);
            deleteQuietly(Path.of(tomcat.getServer().getCatalinaBase().getPath()));
        }
    }

    private static void deleteQuietly(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
