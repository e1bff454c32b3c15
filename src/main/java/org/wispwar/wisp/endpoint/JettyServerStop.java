package org.wispwar.wisp.endpoint;

import jakarta.servlet.ServletContext;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Makes a Jetty server stop as graceful for Wisp clients as an undeploy. Jetty stops a server by closing its connectors
 * first and its webapps after that, so by the time the registry's {@code @PreDestroy} runs no CLOSE can reach a client.
 * {@code WEB-INF/jetty-web.xml} calls {@link #install} with the webapp's context; it adds a lifecycle listener to the
 * {@code Server} whose {@code lifeCycleStopping} (called before the connectors close, whatever the server's
 * {@code stopTimeout}) runs the hook the registry published as the context attribute {@link #ON_SERVER_STOP}. The
 * listener removes itself when the webapp starts stopping, so an undeployed webapp is never held by the server.
 *
 * <p>Jetty's classes are hidden from webapps, so the listener is a {@link Proxy} of Jetty's
 * {@code LifeCycle.Listener} made in the server's class loader and called by reflection; the WAR needs no Jetty
 * classes to load on Tomcat, which ignores jetty-web.xml. Thread-safe.
 */
public final class JettyServerStop implements InvocationHandler {
    /** The context attribute holding the {@link Runnable} to run when the server starts stopping. */
    public static final String ON_SERVER_STOP = "org.wispwar.wisp.onServerStop";
    private static final String LISTENER = "org.eclipse.jetty.util.component.LifeCycle$Listener";
    private static final System.Logger LOG = System.getLogger(JettyServerStop.class.getName());

    private final Object server;
    private final Object webapp;
    private final ServletContext context;
    private volatile Object self;

    private JettyServerStop(Object server, Object webapp, ServletContext context) {
        this.server = server;
        this.webapp = webapp;
        this.context = context;
    }

    /** Called from jetty-web.xml with the {@code WebAppContext} being configured. */
    public static void install(Object webapp) throws ReflectiveOperationException {
        Object server = webapp.getClass().getMethod("getServer").invoke(webapp);
        ServletContext context = (ServletContext) webapp.getClass().getMethod("getServletContext").invoke(webapp);
        if (server == null) {
            LOG.log(System.Logger.Level.WARNING, "Wisp: no Jetty Server yet; a server stop will not send CLOSEs");
            return;
        }
        Class<?> listenerType = Class.forName(LISTENER, false, server.getClass().getClassLoader());
        JettyServerStop handler = new JettyServerStop(server, webapp, context);
        Object listener = Proxy.newProxyInstance(listenerType.getClassLoader(), new Class<?>[] {listenerType}, handler);
        handler.self = listener;
        addEventListener(server, listener);
        addEventListener(webapp, listener);
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        switch (method.getName()) {
            case "equals" -> {
                return proxy == args[0];
            }
            case "hashCode" -> {
                return System.identityHashCode(proxy);
            }
            case "toString" -> {
                return "Wisp server-stop listener for " + context.getContextPath();
            }
            case "lifeCycleStopping" -> {
                if (args[0] == server && context.getAttribute(ON_SERVER_STOP) instanceof Runnable hook) {
                    hook.run();
                } else if (args[0] == webapp) {
                    // now, not once it has stopped: a stopping webapp drops the listeners added while it started, so
                    // "stopped" never comes here, and the server would hold this webapp (and its class loader)
                    removeEventListener(server, self);
                    removeEventListener(webapp, self);
                }
            }
            default -> {
                // the other lifecycle events are of no interest
            }
        }
        return null;
    }

    private static void addEventListener(Object target, Object listener) throws ReflectiveOperationException {
        eventListenerMethod(target, "addEventListener").invoke(target, listener);
    }

    private static void removeEventListener(Object target, Object listener) throws ReflectiveOperationException {
        eventListenerMethod(target, "removeEventListener").invoke(target, listener);
    }

    private static Method eventListenerMethod(Object target, String name) throws NoSuchMethodException {
        return target.getClass().getMethod(name, java.util.EventListener.class);
    }
}
