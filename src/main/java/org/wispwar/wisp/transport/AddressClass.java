package org.wispwar.wisp.transport;

/**
 * The special-purpose address blocks of RFC 6890 (and successors) a Wisp server must not reach by default, plus
 * {@link #PUBLIC} for everything else. Immutable; thread-safe.
 */
public enum AddressClass {
    PUBLIC,
    /** 0.0.0.0/8 and ::/128. */
    UNSPECIFIED,
    /** 127.0.0.0/8 and ::1. */
    LOOPBACK,
    /** 10/8, 172.16/12, 192.168/16. */
    PRIVATE,
    /** 100.64.0.0/10 (carrier-grade NAT). */
    SHARED_ADDRESS_SPACE,
    /** 169.254/16 (cloud metadata lives here) and fe80::/10. */
    LINK_LOCAL,
    /** fc00::/7. */
    UNIQUE_LOCAL,
    /** fec0::/10, deprecated but still routed by some stacks. */
    SITE_LOCAL,
    /** 224.0.0.0/4 and ff00::/8. */
    MULTICAST,
    /** 255.255.255.255. */
    BROADCAST,
    /** 240.0.0.0/4, IETF protocol assignments, documentation, benchmarking, discard and other non-global blocks. */
    RESERVED
}
