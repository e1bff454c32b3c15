package org.wispwar.wisp.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Captures what one logger (and its children) logs at INFO and above, as {@code System.Logger} hands it to
 * {@code java.util.logging}: installs a handler on the JUL logger of that name and keeps every message, formatted.
 * The embedded containers run in the test JVM, so this sees the WAR's lines too. {@link #close()} removes the handler.
 * Thread-safe: lines are kept in a copy-on-write list.
 */
public final class LogCapture implements AutoCloseable {
    private final Logger logger;   // held: JUL keeps loggers only weakly, and the handler must stay installed
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final List<Level> levels = new CopyOnWriteArrayList<>();
    private final Formatter formatter = new SimpleFormatter();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.INFO.intValue()) {
                lines.add(formatter.formatMessage(record));
                levels.add(record.getLevel());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private LogCapture(String name) {
        logger = Logger.getLogger(name);
        handler.setLevel(Level.ALL);
        logger.addHandler(handler);
    }

    /** Starts capturing {@code name}'s lines and its children's. */
    public static LogCapture of(String name) {
        return new LogCapture(name);
    }

    /** Everything captured so far, in order. */
    public List<String> lines() {
        return new ArrayList<>(lines);
    }

    /** The lines that match. */
    public List<String> lines(Predicate<String> match) {
        return lines.stream().filter(match).toList();
    }

    /** The lines that contain {@code text}. */
    public List<String> containing(String text) {
        return lines(l -> l.contains(text));
    }

    /** The level a line was logged at (the first line equal to it), or null. */
    public Level levelOf(String line) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).equals(line)) {
                return levels.get(i);
            }
        }
        return null;
    }

    /** Waits up to {@code seconds} for a line that matches and returns the first; fails naming {@code what}. */
    public String await(String what, long seconds, Predicate<String> match) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            for (String l : lines) {
                if (match.test(l)) {
                    return l;
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("no log line " + what + " within " + seconds + " s; captured: " + lines);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
    }

    /** As {@link #await(String, long, Predicate)} with {@link Await#TIMEOUT_SECONDS}. */
    public String await(String what, Predicate<String> match) {
        return await(what, Await.TIMEOUT_SECONDS, match);
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
    }
}
