package org.wispwar.wisp.endpoint;

import jakarta.enterprise.inject.spi.CDI;
import jakarta.websocket.Extension;
import jakarta.websocket.server.ServerEndpointConfig;
import java.util.List;

/**
 * Builds endpoints with the CDI-managed {@link WispRegistry} (plain {@code @Inject} into a {@code @ServerEndpoint} is
 * null on Tomcat), echoes whatever subprotocol a client offers first (Wisp v2 clients send arbitrary values and abort
 * without an echo), and refuses permessage-deflate (Wisp payloads are opaque or encrypted: compression costs CPU for
 * nothing). Thread-safe: the registry is looked up once and published through a volatile field.
 */
public final class EndpointConfigurator extends ServerEndpointConfig.Configurator {
    private volatile WispRegistry registry;

    @Override
    public <T> T getEndpointInstance(Class<T> type) throws InstantiationException {
        WispRegistry r = registry;
        if (r == null) {
            registry = r = CDI.current().select(WispRegistry.class).get();   // a client proxy: nothing to destroy
        }
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
