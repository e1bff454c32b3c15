package org.wispwar.wisp.protocol;

/**
 * CONTINUE (0x03), server to client: flow-control credit, a count of DATA packets (u32) that replaces the client's
 * counter for the stream. On stream 0 it is the initial credit of every stream (wisp-protocol.md §5).
 */
public record Continue(int streamId, long bufferRemaining) implements WispPacket {
    public static final long MAX_BUFFER_REMAINING = 0xFFFF_FFFFL;

    public Continue {
        if (bufferRemaining < 0 || bufferRemaining > MAX_BUFFER_REMAINING) {
            throw new IllegalArgumentException("buffer remaining " + bufferRemaining + " is not a u32");
        }
    }
}
