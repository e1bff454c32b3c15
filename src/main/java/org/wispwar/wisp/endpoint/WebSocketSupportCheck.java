package org.wispwar.wisp.endpoint;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

/**
 * Declared in web.xml so it runs even where no annotation scanning or container initializer does: a container without
 * Jakarta WebSocket support (e.g. a Jetty base lacking {@code eeNN-websocket-jakarta}) would otherwise report the WAR as
 * started while every upgrade gets a plain 200/404. This fails the deployment loudly instead. It also sets the
 * container's per-connection buffer defaults ({@link ReadControls#containerDefaults}), which only affect this WAR's
 * endpoints.
 */
public final class WebSocketSupportCheck implements ServletContextListener {
    static final String SERVER_CONTAINER = "jakarta.websocket.server.ServerContainer";

    @Override
    public void contextInitialized(ServletContextEvent event) {
        if (event.getServletContext().getAttribute(SERVER_CONTAINER) == null) {
            throw new IllegalStateException("Wisp needs Jakarta WebSocket support: the container set no "
                    + SERVER_CONTAINER + " (on Jetty, enable the eeNN-websocket-jakarta module)");
        }
        if (event.getServletContext().getAttribute(SERVER_CONTAINER) instanceof jakarta.websocket.WebSocketContainer c) {
            ReadControls.containerDefaults(c);
        }
    }
}
