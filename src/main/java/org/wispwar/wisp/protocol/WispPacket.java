package org.wispwar.wisp.protocol;

/**
 * One Wisp packet: exactly one WebSocket binary message (wisp-protocol.md §1). Stream ids are opaque unsigned 32-bit
 * values held in an {@code int}; print them with {@link Integer#toUnsignedString(int)}. Records are immutable, except
 * that {@link Data} shares its payload buffer (see there).
 */
public sealed interface WispPacket permits Connect, Data, Continue, Close, Info {
    int streamId();
}
