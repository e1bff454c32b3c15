package org.wispwar.wisp.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import org.opentest4j.AssertionFailedError;

/**
 * A loopback port whose connects hang: a listener with backlog 1 that never accepts, with its accept queue filled by
 * plain client sockets. Once the queue is full the kernel drops further SYNs, so a connect gets no answer and times
 * out. Shared by the unit tests and the ITs. Construction proves this (a filler connect timed out) or fails. Not thread-safe; one per test.
 */
public final class UnansweredPort implements AutoCloseable {
    private static final int MAX_FILLERS = 16;
    private static final int FILLER_TIMEOUT_MILLIS = 200;

    private final ServerSocket server;
    private final List<Socket> fillers = new ArrayList<>();

    public UnansweredPort() throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        for (int i = 0; i < MAX_FILLERS; i++) {
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()),
                        FILLER_TIMEOUT_MILLIS);
                fillers.add(s);
            } catch (SocketTimeoutException e) {
                s.close();
                return;   // the accept queue is full: connects now hang
            }
        }
        close();
        throw new AssertionFailedError("after " + MAX_FILLERS + " connects to a backlog-1 listener that never accepts,"
                + " connects still succeed: this kernel does not let a test make a loopback connect hang");
    }

    public int port() {
        return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        for (Socket s : fillers) {
            s.close();
        }
        server.close();
    }
}
