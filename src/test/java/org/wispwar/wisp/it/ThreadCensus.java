package org.wispwar.wisp.it;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every live thread of this JVM by name, virtual threads included. {@code ThreadMXBean} sees platform threads only, so
 * this reads the JDK's JSON thread dump ({@code HotSpotDiagnosticMXBean.dumpThreads}, JDK 21+), which lists the
 * threads of every thread container: our per-connection executors, and (with the default {@code jdk.trackAllThreads})
 * virtual threads started directly. It is independent of the server's own counters.
 */
final class ThreadCensus {
    private static final Pattern NAME = Pattern.compile("\"name\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    /**
     * A connection's thread (design.md §2): wisp-<session>-<stream>-up/-down, wisp-<session>-handshake,
     * wsproxy-<id>-up/-down; ids are <deployment>.<connection>, both base 36. Not the deployment's own wisp-housekeeping.
     */
    private static final Pattern STREAM_THREAD = Pattern.compile("(wisp|wsproxy)-[0-9a-z]+\\.[0-9a-z]+-.+");

    private ThreadCensus() {
    }

    /** Names of all live threads, platform and virtual. */
    static List<String> names() {
        try {
            Path dir = Files.createTempDirectory("threads-");
            Path file = dir.resolve("dump.json");   // must not exist yet
            try {
                ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                        .dumpThreads(file.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
                Matcher m = NAME.matcher(Files.readString(file));
                List<String> names = new ArrayList<>();
                while (m.find()) {
                    names.add(m.group(1));
                }
                return names;
            } finally {
                Files.deleteIfExists(file);
                Files.delete(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Live threads that belong to a Wisp or wsproxy connection or stream. */
    static List<String> streamThreads() {
        return names().stream().filter(n -> STREAM_THREAD.matcher(n).matches()).toList();
    }

    /** Live threads whose name starts with {@code wisp-} or {@code wsproxy-}: every thread the WAR starts. */
    static List<String> wispThreads() {
        return names().stream().filter(n -> n.startsWith("wisp-") || n.startsWith("wsproxy-")).toList();
    }
}
