package org.wispwar.wisp.session;

import org.wispwar.wisp.protocol.CloseReason;

/** A failure that ends one stream with a known reason (sent as CLOSE) and leaves the connection running. */
public final class WispStreamException extends Exception {
    private final int streamId;
    private final CloseReason reason;

    public WispStreamException(int streamId, CloseReason reason, String detail) {
        super(detail);
        this.streamId = streamId;
        this.reason = reason;
    }

    public int streamId() {
        return streamId;
    }

    public CloseReason reason() {
        return reason;
    }
}
