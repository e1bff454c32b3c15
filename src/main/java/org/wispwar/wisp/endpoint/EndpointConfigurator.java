package org.wispwar.wisp.endpoint;

import jakarta.enterprise.inject.spi.CDI;
import jakarta.websocket.Extension;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerEndpointConfig;
import java.util.List;
import java.util.Map;

/**
 * Builds endpoints with the CDI-managed {@link WispRegistry} (plain {@code @Inject} into a {@code @ServerEndpoint} is
 * null on Tomcat), echoes whatever subprotocol a client offers first (Wisp v2 clients send arbitrary values and abort
 * without an echo), and refuses permessage-deflate (Wisp payloads are opaque or encrypted: compression costs CPU for
 * nothing). Thread-safe: the registry is looked up once and published through a volatile field.
 */
public final class EndpointConfigurator extends ServerEndpointConfig.Configurator {
    private volatile WispRegistry registry;

    /** The user property holding the client's address (see {@link ClientAddressListener}, {@code ClientIp}). */
    static final String CLIENT_IP = "org.wispwar.wisp.clientIp";
    /** The user property holding the TCP peer (a proxy, when it is not the client); absent when unknown. */
    static final String PEER = "org.wispwar.wisp.peer";
    /** The user property holding the Origin header; absent when there was none. */
    static final String ORIGIN = "org.wispwar.wisp.origin";

    private WispRegistry registry() {
        WispRegistry r = registry;
        if (r == null) {
            registry = r = CDI.current().select(WispRegistry.class).get();   // a client proxy: nothing to destroy
        }
        return r;
    }

    /**
     * Records who the client is in this connection's user properties: the peer address, or what a trusted proxy's
     * forwarding headers say; and the peer and the Origin, for the logs. Forwarding headers from a peer that is not a
     * trusted proxy are ignored, and the first such peer is reported once (see {@link WispRegistry#untrustedForwarding}).
     */
    @Override
    public void modifyHandshake(ServerEndpointConfig sec, HandshakeRequest request, HandshakeResponse response) {
        super.modifyHandshake(sec, request, response);
        Map<String, List<String>> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.putAll(request.getHeaders());
        List<String> realIp = headers.get("X-Real-IP");
        List<String> forwardedFor = headers.get("X-Forwarded-For");
        String peer = ClientAddressListener.PEER.get();
        WispRegistry r = registry();
        if (forwardedFor != null && !forwardedFor.isEmpty() || realIp != null && !realIp.isEmpty()) {
            r.untrustedForwarding(peer);
        }
        Map<String, Object> props = sec.getUserProperties();
        props.put(CLIENT_IP, r.clientIp(peer, forwardedFor, realIp == null || realIp.isEmpty() ? null : realIp.get(0)));
        if (peer != null) {
            props.put(PEER, peer);
        }
        List<String> origin = headers.get("Origin");
        if (origin != null && !origin.isEmpty() && origin.get(0) != null) {
            props.put(ORIGIN, origin.get(0));
        }
    }

    /**
     * Fails closed: with access control configured, a handshake that {@link AccessFilter} did not approve on this
     * thread gets 403 (on Jetty and Tomcat alike), in case a container ever ran its upgrade before our filter. The
     * Origin itself is checked in the filter, which also answers 401.
     */
    @Override
    public boolean checkOrigin(String originHeaderValue) {
        return !registry().config().access().enabled() || AccessFilter.APPROVED.get() != null;
    }

    @Override
    public <T> T getEndpointInstance(Class<T> type) throws InstantiationException {
        WispRegistry r = registry();
        if (type == WispEndpoint.class) {
            return type.cast(new WispEndpoint(r));
        }
        if (type == WsproxyEndpoint.class) {
            return type.cast(new WsproxyEndpoint(r));
        }
        throw new InstantiationException("no endpoint of type " + type.getName());
    }

    @Override
    public String getNegotiatedSubprotocol(List<String> supported, List<String> requested) {
        return requested.isEmpty() ? "" : requested.get(0);
    }

    @Override
    public List<Extension> getNegotiatedExtensions(List<Extension> installed, List<Extension> requested) {
        return List.of();
    }
}
