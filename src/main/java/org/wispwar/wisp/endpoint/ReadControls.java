package org.wispwar.wisp.endpoint;

import jakarta.websocket.Session;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.wispwar.wisp.stream.ReadControl;

/**
 * Picks, per WebSocket, the container's own way to stop reading it (see {@link ReadControl}), and sizes the message
 * parts the way each container needs for partial delivery. None of the containers' classes is linked: they are reached
 * through the session object, so the WAR loads on every container. Stateless; thread-safe.
 *
 * <ul>
 *   <li><b>Tomcat</b> ({@link TomcatReads}): {@code WsSession.suspend()} and {@code resume()}, public methods that stop
 *       and restart reading one connection without holding a thread.</li>
 *   <li><b>Jetty 12</b> ({@link JettyReads}): Jetty reads the next frame only on demand, but its Jakarta layer demands
 *       by itself as soon as the handler returns. The WebSocket's binary message sink is swapped, once in
 *       {@code @OnOpen} before anything is read, for the same sink class built without that automatic demand (Jetty's
 *       own constructor argument; the field is private, so this is checked against the Jetty versions the tests run,
 *       and it falls back to {@link Blocking} if it ever does not fit). Then each binary part is demanded by us: at the
 *       end of its handler unless paused, else on resume.</li>
 *   <li>Anything else, or when the above cannot be set up: {@link Blocking}, which holds the receive thread while
 *       paused. A warning says so once.</li>
 * </ul>
 */
final class ReadControls {
    private static final System.Logger LOG = System.getLogger(ReadControls.class.getName());
    private static final String TOMCAT_SESSION = "org.apache.tomcat.websocket.WsSession";
    /**
     * Tomcat hands a partial handler parts of exactly its per-connection binary buffer, which it keeps for the
     * connection's life: 32 KiB is 4 times fewer handler calls than its 8 KiB default, at 32 KiB per connection.
     */
    static final int TOMCAT_PART_BYTES = 32 * 1024;
    private static final AtomicBoolean FALLBACK_REPORTED = new AtomicBoolean();

    private ReadControls() {
    }

    /** The read control for {@code ws}: the container's own where there is one, else {@link Blocking}. */
    static ReadControl of(Session ws) {
        String type = ws.getClass().getName();
        try {
            if (type.equals(TOMCAT_SESSION)) {
                return new TomcatReads(ws);
            }
            if (type.startsWith("org.eclipse.jetty.") && type.endsWith(".JakartaWebSocketSession")) {
                return JettyReads.install(ws);
            }
            fallback(type, "no known way to pause reading");
        } catch (ReflectiveOperationException | RuntimeException e) {
            fallback(type, e.toString());
        }
        return new Blocking();
    }

    private static void fallback(String type, String why) {
        if (FALLBACK_REPORTED.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.WARNING, "Wisp: {0}: {1}; a paused WebSocket holds its receive thread", type,
                    why);
        }
    }

    /**
     * Sets the message limits for partial binary delivery. {@code wisp.maxMessageSize} is enforced by the session as the
     * parts arrive, so the container's binary buffer only sizes the parts: on Tomcat that buffer is the part size and
     * is held per connection; Jetty's partial delivery ignores it (its parts follow its 64 KiB input buffer). Text
     * messages are taken whole, up to {@code maxText} bytes (larger: 1009 from the container).
     */
    static void limitMessages(Session ws, int maxText) {
        ws.setMaxTextMessageBufferSize(maxText);
        if (ws.getClass().getName().equals(TOMCAT_SESSION)) {
            ws.setMaxBinaryMessageBufferSize(TOMCAT_PART_BYTES);
        }
    }

    /**
     * The buffer sizes a new connection starts with, on Tomcat: it allocates a connection's message buffers from the
     * container's defaults before {@code @OnOpen} runs, so without this each connection kept a 16 KiB text buffer
     * (8,192 chars) it never needs, and dropped an 8 KiB binary buffer for a {@value #TOMCAT_PART_BYTES}-byte one at
     * its first message. Jetty sizes its buffers otherwise, so it is left alone.
     */
    static void containerDefaults(jakarta.websocket.WebSocketContainer container) {
        if (container.getClass().getName().startsWith("org.apache.tomcat.")) {
            container.setDefaultMaxTextMessageBufferSize(WispEndpoint.TEXT_BUFFER_BYTES);
            container.setDefaultMaxBinaryMessageBufferSize(TOMCAT_PART_BYTES);
        }
    }

    /**
     * Tomcat: {@code WsSession.suspend()} / {@code resume()}. Tomcat may still deliver the rest of its current input
     * buffer after a suspend (under one part). A resume that lands while the receive thread is still leaving the pass
     * that suspended could leave buffered frames unread until more bytes arrive, so resume runs on a fresh virtual
     * thread, well after that pass; the keepalive ping's pong would clear such a stall anyway. Thread-safe.
     */
    static final class TomcatReads implements ReadControl {
        private static final MethodType VOID = MethodType.methodType(void.class);
        private final Session ws;
        private final MethodHandle suspend;
        private final MethodHandle resume;

        TomcatReads(Session ws) throws ReflectiveOperationException {
            this.ws = ws;
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            this.suspend = lookup.findVirtual(ws.getClass(), "suspend", VOID);
            this.resume = lookup.findVirtual(ws.getClass(), "resume", VOID);
        }

        @Override
        public void pause() {
            call(suspend, "suspend");
        }

        @Override
        public void resume() {
            Thread.ofVirtual().name("wisp-resume").start(() -> call(resume, "resume"));
        }

        private void call(MethodHandle h, String what) {
            try {
                h.invoke(ws);
            } catch (Throwable e) {
                LOG.log(System.Logger.Level.DEBUG, "[{0}] {1} failed: {2}", ws.getId(), what, e.toString());
            }
        }
    }

    /**
     * Jetty 12: the binary sink without automatic demand, and one {@code CoreSession.demand()} per part: at the end of
     * the handler unless paused, else on resume. Never two demands for one part (Jetty would refuse the second), never
     * none (the connection would stop for good). Thread-safe: {@code lock} orders the three calls.
     */
    static final class JettyReads implements ReadControl {
        private final Session ws;
        private final Object coreSession;
        private final MethodHandle demand;
        private final ReentrantLock lock = new ReentrantLock();
        /** Guarded by lock. */
        private boolean paused;
        /** Guarded by lock. A part's handler ended while paused: its demand is owed to the resume. */
        private boolean owed;
        /** Where a text handler waits while paused. */
        private final Blocking textWait = new Blocking();

        private JettyReads(Session ws, Object coreSession, MethodHandle demand) {
            this.ws = ws;
            this.coreSession = coreSession;
            this.demand = demand;
        }

        /**
         * Swaps the session's binary message sink for one without automatic demand; must run in {@code @OnOpen}, before
         * Jetty reads the first frame.
         */
        static JettyReads install(Session ws) throws ReflectiveOperationException {
            Object frameHandler = ws.getClass().getMethod("getFrameHandler").invoke(ws);
            Object coreSession = ws.getClass().getMethod("getCoreSession").invoke(ws);
            Field field = frameHandler.getClass().getDeclaredField("binarySink");
            field.setAccessible(true);
            Object sink = field.get(frameHandler);
            if (sink == null) {
                throw new NoSuchFieldException("binarySink is not set");
            }
            Object manual = withoutAutoDemand(sink, coreSession);
            MethodHandle demand = publicNoArgMethod(coreSession.getClass(), "demand");
            field.set(frameHandler, manual);
            return new JettyReads(ws, coreSession, demand);
        }

        /**
         * {@code name()} of a public type that {@code type} extends or implements: the session Jetty hands out is an
         * instance of a private subclass, which a public lookup cannot see, of the public {@code CoreSession}.
         */
        private static MethodHandle publicNoArgMethod(Class<?> type, String name) throws ReflectiveOperationException {
            java.util.ArrayDeque<Class<?>> todo = new java.util.ArrayDeque<>();
            todo.add(type);
            while (!todo.isEmpty()) {
                Class<?> t = todo.poll();
                if (java.lang.reflect.Modifier.isPublic(t.getModifiers())) {
                    try {
                        return MethodHandles.publicLookup().findVirtual(t, name, MethodType.methodType(void.class));
                    } catch (NoSuchMethodException | IllegalAccessException e) {
                        // not declared here, or not accessible: look further up
                    }
                }
                if (t.getSuperclass() != null) {
                    todo.add(t.getSuperclass());
                }
                todo.addAll(java.util.List.of(t.getInterfaces()));
            }
            throw new NoSuchMethodException(type.getName() + "." + name + "() in a public type");
        }

        /** The same sink class, for the same method, built with {@code autoDemand = false}. */
        private static Object withoutAutoDemand(Object sink, Object coreSession) throws ReflectiveOperationException {
            Object methodHolder = sink.getClass().getMethod("getMethodHolder").invoke(sink);
            for (Constructor<?> c : sink.getClass().getConstructors()) {
                Class<?>[] p = c.getParameterTypes();
                if (p.length == 3 && p[2] == boolean.class && p[0].isInstance(coreSession)
                        && p[1].isInstance(methodHolder)) {
                    return c.newInstance(coreSession, methodHolder, false);
                }
            }
            throw new NoSuchMethodException(sink.getClass().getName() + "(CoreSession, MethodHolder, boolean)");
        }

        @Override
        public void pause() {
            lock.lock();
            try {
                paused = true;
            } finally {
                lock.unlock();
            }
            textWait.pause();
        }

        @Override
        public void resume() {
            textWait.resume();
            lock.lock();
            try {
                paused = false;
                if (owed) {
                    owed = false;
                    demand();   // Jetty reads on from its own pool
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void partDone() {
            lock.lock();
            try {
                if (paused) {
                    owed = true;
                } else {
                    demand();
                }
            } finally {
                lock.unlock();
            }
        }

        /**
         * Jetty's Jakarta text sink is not ours to swap (it wraps its own auto-demanding sink), and it demands the next
         * frame when this returns: so while paused, the text handler waits here, as {@link Blocking} does. Only a
         * wsproxy client sending text over its budget ever waits here; Wisp refuses text.
         */
        @Override
        public void textDone() {
            textWait.partDone();
        }

        private void demand() {
            try {
                demand.invoke(coreSession);
            } catch (Throwable e) {
                LOG.log(System.Logger.Level.DEBUG, "[{0}] demand failed: {1}", ws.getId(), e.toString());
            }
        }
    }

    /**
     * The portable fallback: the receive thread blocks at the end of the handler while paused. It holds a container
     * thread per paused connection, so it is used only where the container offers nothing better. Thread-safe.
     */
    static final class Blocking implements ReadControl {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition resumed = lock.newCondition();
        /** Guarded by lock. */
        private boolean paused;

        @Override
        public void pause() {
            lock.lock();
            try {
                paused = true;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void resume() {
            lock.lock();
            try {
                paused = false;
                resumed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void partDone() {
            lock.lock();
            try {
                while (paused) {
                    resumed.await();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                LOG.log(System.Logger.Level.DEBUG, "interrupted while reading was paused");
            } finally {
                lock.unlock();
            }
        }
    }
}
