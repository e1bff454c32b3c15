package org.wispwar.wisp.endpoint;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.websocket.Session;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.Test;

/**
 * The portable fallback of {@link ReadControls}: what any container without a known read pause gets. The Tomcat and
 * Jetty controls are proven on the real containers (the held-back checks of the end-to-end ITs and the standalone
 * smoke test, which fail with this fallback).
 */
class ReadControlsTest {
    @Test
    void anUnknownContainerGetsTheBlockingFallback() {
        Session unknown = (Session) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Session.class},
                (proxy, method, args) -> method.getName().equals("getId") ? "x" : null);
        assertInstanceOf(ReadControls.Blocking.class, ReadControls.of(unknown));
    }

    @Test
    void theFallbackHoldsTheReceiveThreadWhilePausedAndLetsItGoOnResume() throws Exception {
        ReadControls.Blocking b = new ReadControls.Blocking();
        b.partDone();   // not paused: returns at once
        b.pause();
        Thread receiver = Thread.ofVirtual().start(b::partDone);
        receiver.join(200);
        assertTrue(receiver.isAlive(), "held while paused");
        b.resume();
        receiver.join(5_000);
        assertFalse(receiver.isAlive(), "released by the resume");
    }
}
