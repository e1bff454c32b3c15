package org.wispwar.wisp.testing;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.wispwar.wisp.transport.HostResolver;

/**
 * A resolver that never touches the network: IP literals are parsed (InetAddress parses literals without a lookup),
 * names under {@code .invalid} (RFC 6761) do not resolve, and {@value #SLOW_NAME} resolves to 127.0.0.1 only once
 * {@link #release()} is called, so a test can act while a stream is still connecting. Thread-safe.
 */
public final class TestResolver implements HostResolver {
    public static final String SLOW_NAME = "slow.test";
    private static final Pattern IPV4_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);

    @Override
    public List<InetAddress> resolve(String host) throws UnknownHostException {
        if (host.equals(SLOW_NAME)) {
            entered.countDown();
            try {
                if (!released.await(RecordingPacketSender.WAIT_SECONDS, TimeUnit.SECONDS)) {
                    throw new UnknownHostException(SLOW_NAME + ": the test never released the resolver");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UnknownHostException(SLOW_NAME + ": interrupted");
            }
            return List.of(InetAddress.getByName("127.0.0.1"));
        }
        if (IPV4_LITERAL.matcher(host).matches() || host.indexOf(':') >= 0) {
            return List.of(InetAddress.getByName(host));   // a literal: parsed, no lookup
        }
        throw new UnknownHostException(host + ": the test resolver knows only IP literals and " + SLOW_NAME);
    }

    /** Waits until a stream is blocked resolving {@value #SLOW_NAME}. */
    public void awaitResolving() throws InterruptedException {
        if (!entered.await(RecordingPacketSender.WAIT_SECONDS, TimeUnit.SECONDS)) {
            throw new AssertionError("no stream started resolving " + SLOW_NAME + " within "
                    + RecordingPacketSender.WAIT_SECONDS + " s");
        }
    }

    public void release() {
        released.countDown();
    }
}
