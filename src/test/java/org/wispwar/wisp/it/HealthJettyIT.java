package org.wispwar.wisp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee11.servlet.FilterMapping;
import org.junit.jupiter.api.Test;
import org.wispwar.wisp.testing.RawWebSocket;

/**
 * The health and drain checks ({@link HealthChecks}) on the built WAR in embedded Jetty 12 (ee11), plus what only
 * Jetty shows: readiness during a server stop, which Jetty begins while its connectors still serve requests.
 */
class HealthJettyIT extends HealthChecks {
    static final String DRAIN_FILTER = "wisp-drain";
    static final String JETTY_UPGRADE_FILTER = "org.eclipse.jetty.ee11.websocket.servlet.WebSocketUpgradeFilter";
    static final String STOPPING = "/stopping";

    EmbeddedJetty jetty;

    @Override
    WarContainer start(Map<String, Map<String, String>> contexts) throws Exception {
        jetty = EmbeddedJetty.start(contexts);
        return jetty;
    }

    /** Jetty prepends its upgrade filter; the drain filter, mapped programmatically before the rest, is ahead of it. */
    @Test
    void theDrainFilterRunsBeforeJettysUpgradeFilterWithoutAccessControl() {
        List<String> names = Arrays.stream(jetty.context(STEADY).getServletHandler().getFilterMappings())
                .map(FilterMapping::getFilterName).toList();
        assertEquals(List.of(DRAIN_FILTER, JETTY_UPGRADE_FILTER), names.subList(0, 2), names.toString());
    }

    /**
     * A server stop runs the WAR's hook (JettyServerStop) before the connectors close, and the hook first marks the
     * deployment undeploying, then closes every connection. A client that stops reading while a destination floods its
     * stream holds that closing back (up to the registry's 5 s grace), so readiness is polled meanwhile: it must answer
     * 503 DOWN with {@code undeploying=true}, and a new upgrade 503 with Retry-After. Then the client reads again, which
     * lets the stop finish at once, and still gets its 1001.
     */
    @Test
    void readinessIsDownAndUpgradesAreRefusedWhileAServerStopIsHeldBack() throws Exception {
        EmbeddedJetty own = EmbeddedJetty.start(Map.of(STOPPING, Map.of("wisp.allowPrivateAddresses", "true")));
        CompletableFuture<Void> stop = null;
        try (Targets source = Targets.source(); WispClient c = WispClient.connect(own.wispUri(STOPPING))) {
            URI ready = URI.create("http://127.0.0.1:" + own.port() + STOPPING + "/health/ready");
            c.awaitInitialCredit();
            assertEquals(200, send(ready).statusCode());
            c.pauseReading();
            c.connectTcp(1, "127.0.0.1", source.port());
            awaitSendsBlocked(STOPPING);

            stop = CompletableFuture.runAsync(() -> {
                try {
                    own.close();
                } catch (Exception e) {
                    throw new IllegalStateException("the server did not stop", e);
                }
            });
            List<String> seen = new ArrayList<>();
            String down = null;
            RawWebSocket.Upgrade upgrade = null;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (down == null && !stop.isDone() && System.nanoTime() - deadline < 0) {
                HttpResponse<String> answer;
                try {
                    answer = send(ready);
                } catch (java.io.IOException e) {
                    seen.add("no answer: " + e);   // the connectors closed: the stop went on without a DOWN; fails below
                    break;
                }
                String line = answer.statusCode() + " " + answer.body();
                if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(line)) {
                    seen.add(line);
                }
                if (answer.statusCode() == 503 && answer.body().contains("\"undeploying\":true")) {
                    down = answer.body();
                    upgrade = RawWebSocket.upgrade(own.port(), STOPPING + "/");
                }
            }
            c.resumeReading();
            stop.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(down != null, "readiness seen while the server stopped: " + seen);
            assertEquals("{\"status\":\"DOWN\",\"checks\":[{\"name\":\"new-connections\",\"status\":\"DOWN\","
                    + "\"data\":{\"live\":true,\"draining\":false,\"undeploying\":true,\"sessions\":1}}]}", down);
            assertTrue(upgrade.head().startsWith("HTTP/1.1 503"), upgrade.head());
            assertEquals(List.of(RETRY_AFTER), header(upgrade.head(), "Retry-After"), upgrade.head());
            assertEquals(1001, c.awaitWebSocketClose(), "the held connection still gets its going-away close");
        } finally {
            if (stop == null) {
                own.close();
            }
        }
    }

    private HttpResponse<String> send(URI uri) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
    }
}
