package org.wispwar.wisp.endpoint;

import jakarta.servlet.ServletRequestEvent;
import jakarta.servlet.ServletRequestListener;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Jakarta WebSocket gives an endpoint no portable way to learn the client's address. Both Jetty and Tomcat run the
 * upgrade (and so {@link EndpointConfigurator#modifyHandshake}) on the thread that serves the HTTP request, so this
 * listener, declared in web.xml, hands the peer address over in a thread-local for the length of the request.
 */
public final class ClientAddressListener implements ServletRequestListener {
    static final ThreadLocal<String> PEER = new ThreadLocal<>();

    @Override
    public void requestInitialized(ServletRequestEvent event) {
        if (event.getServletRequest() instanceof HttpServletRequest r && r.getHeader("Upgrade") != null) {
            PEER.set(r.getRemoteAddr());
        }
    }

    @Override
    public void requestDestroyed(ServletRequestEvent event) {
        PEER.remove();
    }
}
