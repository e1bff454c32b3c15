package org.wispwar.wisp.transport;

import java.net.SocketTimeoutException;

/** A connect that got no answer within the connect timeout: CLOSE 0x43 (a timeout after connecting is 0x47). */
public final class ConnectTimeoutException extends SocketTimeoutException {
    public ConnectTimeoutException(String message) {
        super(message);
    }
}
