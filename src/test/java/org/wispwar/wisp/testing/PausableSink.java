package org.wispwar.wisp.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A destination that reads (checking each byte against {@link #pattern}) until told to pause, and counts what it
 * got. Thread-safe.
 */
public final class PausableSink {
    private final AtomicLong received = new AtomicLong();
    private final Gate paused = new Gate();   // closed: wait before the next read
    private volatile String mismatch;

    public static byte expected(long position) {
        return (byte) (position * 31 + position / 1_000_003);   // position-dependent: a gap or reordering shows
    }

    public static byte[] pattern(int packet, int size) {
        byte[] b = new byte[size];
        long base = (long) packet * size;
        for (int i = 0; i < size; i++) {
            b[i] = expected(base + i);
        }
        return b;
    }

    public void serve(Socket socket) throws IOException, InterruptedException {
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[64 * 1024];
        long position = 0;
        while (true) {
            if (!paused.awaitOpen(20, TimeUnit.SECONDS)) {
                mismatch = "paused for more than 20 s";
                return;
            }
            int n = in.read(buffer);
            if (n < 0) {
                return;
            }
            for (int i = 0; i < n && mismatch == null; i++) {
                if (buffer[i] != expected(position + i)) {
                    mismatch = "byte " + (position + i) + " differs";
                }
            }
            position += n;
            received.addAndGet(n);
        }
    }

    public void pause() {
        paused.close();
    }

    public void resume() {
        paused.open();
    }

    public long received() {
        return received.get();
    }

    public String mismatch() {
        return mismatch;
    }
}
