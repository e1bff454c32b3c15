package org.wispwar.wisp.transport;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Turns a destination hostname (or IP literal) into candidate addresses. One interface so that tests and, later, a
 * caching or timed resolver can be plugged in. Implementations are thread-safe.
 */
@FunctionalInterface
public interface HostResolver {
    /** The JDK's resolver (IP literals are parsed without a lookup). */
    HostResolver JDK = host -> List.of(InetAddress.getAllByName(host));

    /**
     * @return at least one address
     * @throws UnknownHostException when the name does not resolve
     */
    List<InetAddress> resolve(String host) throws UnknownHostException;
}
