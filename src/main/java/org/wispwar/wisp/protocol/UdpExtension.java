package org.wispwar.wisp.protocol;

/** Extension 0x01: the sender supports UDP streams. Empty payload both ways. */
public record UdpExtension() implements Extension {
    @Override
    public int id() {
        return UDP;
    }
}
