package org.wispwar.wisp.transport;

import java.net.UnknownHostException;

/** A resolution that took longer than {@code wisp.dnsTimeout}: the destination is unreachable (0x42). */
public final class DnsTimeoutException extends UnknownHostException {
    public DnsTimeoutException(String message) {
        super(message);
    }
}
