package org.wispwar.wisp.it;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import javax.management.ObjectName;

/**
 * An embedded servlet container on 127.0.0.1 (port 0) serving the exploded WAR that {@code mvn package} built
 * ({@code target/wisp}) at one or more context paths, each with its own context params, set the way an operator would
 * without rebuilding the WAR (Jetty: an override descriptor; Tomcat: a {@code <Parameter override="false">}). The
 * end-to-end checks in {@link WispEndToEndChecks} run against this, so they are the same on every container.
 */
public interface WarContainer extends AutoCloseable {
    Path WAR = Path.of("target", "wisp");

    /** For reports: product and version, e.g. "Apache Tomcat/11.0.24". */
    String name();

    int port();

    /** The Wisp endpoint of a context: {@code ws://127.0.0.1:port/<path>/} (trailing slash). */
    default URI wispUri(String path) {
        return URI.create("ws://127.0.0.1:" + port() + path + "/");
    }

    /** {@code http://127.0.0.1:port/<path>/}; for the root context {@code "/"}, {@code http://127.0.0.1:port/}. */
    default URI httpUri(String path) {
        return URI.create("http://127.0.0.1:" + port() + (path.equals("/") ? "" : path) + "/");
    }

    /** Whether the context deployed and serves requests. */
    boolean isAvailable(String path);

    /**
     * Why the context failed to deploy, with the container's exception and its causes (the messages the operator sees
     * in the log), or null when it deployed.
     */
    Throwable startupFailure(String path);

    /** Deploys the WAR at {@code path} with these context params while the server runs. */
    void deploy(String path, Map<String, String> params) throws Exception;

    /**
     * Deploys the WAR with the container's Jakarta WebSocket initializer turned off for this context, as on a Jetty base
     * without {@code eeNN-websocket-jakarta}: the deployment must fail, not start without endpoints.
     */
    void deployWithoutWebSocket(String path) throws Exception;

    /** Deploys another exploded webapp (not ours) at {@code path}; {@code "/"} is the root context. */
    void deployWebapp(String path, Path dir) throws Exception;

    /** Stops the context (undeploy) and removes it from the server, which keeps running. */
    void undeploy(String path) throws Exception;

    /** The context's web application class loader while it is deployed. */
    ClassLoader classLoader(String path);

    /** HTTP sessions the context has created so far. */
    long sessionsCreated(String path);

    /**
     * What the container itself reports about leaks of undeployed webapps (Tomcat: its class loader's warnings about
     * threads and ThreadLocals left behind, and "find leaks"); empty when it has nothing to say.
     */
    default java.util.List<String> leakReports() {
        return java.util.List.of();
    }

    /** A live counter from a deployment's MBean: Sessions, Streams, Threads, Sockets, StreamsOpened, ... */
    static Object stat(String contextPath, String attribute) throws Exception {
        ObjectName name = new ObjectName("org.wispwar.wisp:type=Wisp,context=" + ObjectName.quote(contextPath));
        return ManagementFactory.getPlatformMBeanServer().getAttribute(name, attribute);
    }

    /** Whether a deployment's MBean is registered. */
    static boolean statsRegistered(String contextPath) throws Exception {
        ObjectName name = new ObjectName("org.wispwar.wisp:type=Wisp,context=" + ObjectName.quote(contextPath));
        return ManagementFactory.getPlatformMBeanServer().isRegistered(name);
    }
}
