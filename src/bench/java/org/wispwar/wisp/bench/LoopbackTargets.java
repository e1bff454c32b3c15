package org.wispwar.wisp.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The TCP destinations of the benchmark, on 127.0.0.1 at fixed ports from a base (so a no-op server can tell them apart
 * by port): echo (base), source (base+1: writes 64 KiB chunks as fast as the reader takes them), sink (base+2: reads
 * and discards), hello (base+3: writes one byte on accept, then holds the connection idle until the peer closes),
 * upload sink (base+4: reads {@link #uploadBytes} at {@link #uploadRate} bytes/s at most, checking each byte against
 * {@link #pattern}, then answers one byte, {@code K} or {@code X} for a mismatch, and waits for EOF).
 * One virtual thread per connection; {@link #close()} closes every listener and connection.
 */
final class LoopbackTargets implements AutoCloseable {
    static final int ECHO = 0;
    static final int SOURCE = 1;
    static final int SINK = 2;
    static final int HELLO = 3;
    static final int UPLOAD_SINK = 4;
    private static final int CHUNK = 64 * 1024;

    final int base;
    final LongAdder sinkBytes = new LongAdder();
    /** What each upload sink connection expects, and how fast it reads (bytes per second). */
    volatile long uploadBytes = 64L * 1024 * 1024;
    volatile long uploadRate = 1024 * 1024;
    final LongAdder uploadVerified = new LongAdder();
    final LongAdder uploadMismatches = new LongAdder();
    final LongAdder uploadsComplete = new LongAdder();
    final LongAdder accepted = new LongAdder();
    private final List<ServerSocketChannel> listeners = new ArrayList<>();
    private final ConcurrentHashMap<SocketChannel, Boolean> open = new ConcurrentHashMap<>();
    private volatile boolean closed;

    LoopbackTargets(int base) throws IOException {
        this.base = base;
        for (int kind = ECHO; kind <= UPLOAD_SINK; kind++) {
            ServerSocketChannel l = ServerSocketChannel.open();
            l.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            l.bind(new InetSocketAddress("127.0.0.1", base + kind), 16384);
            listeners.add(l);
            int k = kind;
            Thread.ofVirtual().name("target-accept-" + kind).start(() -> acceptLoop(l, k));
        }
    }

    int port(int kind) {
        return base + kind;
    }

    int openConnections() {
        return open.size();
    }

    private void acceptLoop(ServerSocketChannel l, int kind) {
        while (!closed) {
            SocketChannel c;
            try {
                c = l.accept();
            } catch (IOException e) {
                return;   // closed
            }
            accepted.increment();
            open.put(c, Boolean.TRUE);
            Thread.ofVirtual().start(() -> {
                try (c) {
                    c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    switch (kind) {
                        case ECHO -> echo(c);
                        case SOURCE -> source(c);
                        case SINK -> sink(c);
                        case UPLOAD_SINK -> uploadSink(c);
                        default -> hello(c);
                    }
                } catch (IOException e) {
                    // the peer went away: normal at the end of every scenario
                } finally {
                    open.remove(c);
                }
            });
        }
    }

    private static void echo(SocketChannel c) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(CHUNK);
        while (c.read(b) >= 0) {
            b.flip();
            while (b.hasRemaining()) {
                c.write(b);
            }
            b.clear();
        }
    }

    private static void source(SocketChannel c) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(CHUNK);
        while (true) {
            b.clear();
            while (b.hasRemaining()) {
                c.write(b);
            }
        }
    }

    private void sink(SocketChannel c) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(CHUNK);
        int n;
        while ((n = c.read(b)) >= 0) {
            sinkBytes.add(n);
            b.clear();
        }
    }

    /** The byte at {@code offset} of every upload: differs from block to block, so a gap or a reordering shows. */
    static byte pattern(long offset) {
        return (byte) (offset ^ (offset >>> 8) ^ (offset >>> 16) ^ (offset >>> 24) ^ 0x5a);
    }

    private void uploadSink(SocketChannel c) throws IOException {
        long expected = uploadBytes;
        long rate = uploadRate;
        ByteBuffer b = ByteBuffer.allocate(16 * 1024);
        long got = 0;
        boolean ok = true;
        long start = System.nanoTime();
        while (got < expected) {
            long due = start + (long) (got * 1e9 / rate);   // a steady rate: never ahead of it
            long wait = due - System.nanoTime();
            if (wait > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(wait);
            }
            b.clear().limit((int) Math.min(b.capacity(), expected - got));
            int n = c.read(b);
            if (n < 0) {
                break;
            }
            byte[] a = b.array();
            for (int i = 0; i < n && ok; i++) {
                ok = a[i] == pattern(got + i);
            }
            got += n;
            uploadVerified.add(n);
        }
        if (!ok || got < expected) {
            uploadMismatches.increment();
        }
        c.write(ByteBuffer.wrap(new byte[] {(byte) (ok && got == expected ? 'K' : 'X')}));
        if (ok && got == expected) {
            uploadsComplete.increment();
        }
        b.clear();
        while (c.read(b) >= 0) {
            b.clear();
        }
    }

    private static void hello(SocketChannel c) throws IOException {
        c.write(ByteBuffer.wrap(new byte[] {'!'}));
        ByteBuffer b = ByteBuffer.allocate(64);
        while (c.read(b) >= 0) {
            b.clear();
        }
    }

    @Override
    public void close() {
        closed = true;
        for (ServerSocketChannel l : listeners) {
            try {
                l.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        for (SocketChannel c : open.keySet()) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }
}
