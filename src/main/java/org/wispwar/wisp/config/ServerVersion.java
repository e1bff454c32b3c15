package org.wispwar.wisp.config;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The WAR's version, as Maven built it (the {@code project.version} filtered into {@code wisp-version.properties}; the
 * same value is the MANIFEST's {@code Implementation-Version}). Shown in the ready line, the statistics, the MBean, the
 * metrics and the status page. Thread-safe: read once.
 */
public final class ServerVersion {
    private static final String VERSION = read();

    private ServerVersion() {
    }

    /** For example {@code 0.1.0-SNAPSHOT}; {@code unknown} when the classes were not built by Maven. */
    public static String get() {
        return VERSION;
    }

    private static String read() {
        try (InputStream in = ServerVersion.class.getResourceAsStream("/org/wispwar/wisp/wisp-version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "").strip();
            return v.isEmpty() || v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }
}
