package org.wispwar.wisp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee11.servlet.FilterMapping;
import org.eclipse.jetty.ee11.servlet.ServletHandler;
import org.eclipse.jetty.ee11.webapp.WebAppContext;
import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.UserStore;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.security.Password;
import org.junit.jupiter.api.Test;

/**
 * The access-control checks ({@link AccessChecks}) on the built WAR in embedded Jetty 12 (ee11). Jetty's own parts:
 * its filter chain is read and reordered through the context's {@code ServletHandler} (Jetty puts its
 * {@code WebSocketUpgradeFilter} at the head of the chain, which is why Wisp's filter is registered in front of it
 * programmatically); the secured context runs on its own server with the security constraint in an override
 * descriptor (the WAR unchanged) and a {@code HashLoginService} as the realm. The same checks run on Tomcat in
 * {@code AccessTomcatIT}.
 */
class AccessJettyIT extends AccessChecks {
    static final String JETTY_UPGRADE_FILTER = "org.eclipse.jetty.ee11.websocket.servlet.WebSocketUpgradeFilter";
    /** Installed on every deployment, after the access filter (listener order), also ahead of Jetty's. */
    static final String DRAIN_FILTER = "wisp-drain";

    EmbeddedJetty jetty;
    Server securedServer;

    @Override
    WarContainer start(Map<String, Map<String, String>> contexts) throws Exception {
        jetty = EmbeddedJetty.start(contexts);
        return jetty;
    }

    @Override
    String upgradeFilterName() {
        return JETTY_UPGRADE_FILTER;
    }

    @Override
    List<String> filterNames(String path) {
        WebAppContext ctx = path.equals(SECURED) ? (WebAppContext) securedServer.getHandler() : jetty.context(path);
        assertEquals(path, ctx.getContextPath());
        return Arrays.stream(ctx.getServletHandler().getFilterMappings()).map(FilterMapping::getFilterName).toList();
    }

    @Override
    void moveAccessFilterLast(String path) {
        ServletHandler handler = jetty.context(path).getServletHandler();
        List<FilterMapping> mappings = new ArrayList<>(Arrays.asList(handler.getFilterMappings()));
        FilterMapping ours = mappings.remove(0);
        assertEquals(ACCESS_FILTER, ours.getFilterName());
        mappings.add(ours);
        handler.setFilterMappings(mappings.toArray(FilterMapping[]::new));
    }

    /** Jetty's head of the chain, exactly: Wisp's two filters (access, then drain), then Jetty's upgrade filter. */
    @Test
    void jettysUpgradeFilterComesRightAfterTheAccessFilter() {
        for (String path : List.of(ORIGIN, BASIC, BEARER, HEADER, COOKIE, ANY_OF, ALL_OF)) {
            assertEquals(List.of(ACCESS_FILTER, DRAIN_FILTER, JETTY_UPGRADE_FILTER), filterNames(path).subList(0, 3),
                    path);
        }
    }

    /**
     * The WAR at {@link #SECURED} on its own server, with an override descriptor adding {@link #SECURITY_CONSTRAINT}
     * as an operator would on Jetty without touching the WAR, and a HashLoginService named {@code wisp}.
     */
    @Override
    URI startSecured() throws Exception {
        Path descriptor = tempFile("wisp-secured-", """
                <?xml version="1.0" encoding="UTF-8"?>
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                """ + SECURITY_CONSTRAINT + "</web-app>\n");
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
        securedServer = server;
        server.start();
        assertTrue(ctx.isAvailable(), SECURED + " did not deploy: " + ctx.getUnavailableException());
        return URI.create("ws://127.0.0.1:" + connector.getLocalPort() + SECURED + "/");
    }

    @Override
    void stopSecured() throws Exception {
        if (securedServer != null) {
            securedServer.stop();
        }
    }
}
