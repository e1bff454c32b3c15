package org.wispwar.wisp.protocol;

/** Who sent a packet. Extension payloads in INFO mean different things for each side (wisp-protocol.md §9). */
public enum Role {
    CLIENT,
    SERVER
}
