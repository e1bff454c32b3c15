package org.wispwar.wisp.protocol;

/**
 * A message that breaks the protocol's syntax or a connection-level rule. It ends the whole WebSocket (close code 1002),
 * after every stream of the connection has been released. The message is precise and stable: tests assert it.
 */
public final class WispProtocolException extends Exception {
    public WispProtocolException(String message) {
        super(message);
    }
}
