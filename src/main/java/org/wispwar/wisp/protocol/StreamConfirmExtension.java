package org.wispwar.wisp.protocol;

/** Extension 0x05 (draft 6): the server sends CONTINUE on a new stream once its socket is connected. Empty payload. */
public record StreamConfirmExtension() implements Extension {
    @Override
    public int id() {
        return STREAM_CONFIRM;
    }
}
