package org.wispwar.wisp.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.wispwar.wisp.testing.Trees;

/**
 * A Jetty base for the benchmarks: this repository's {@code jetty-base/} modules and logging, and {@code target/wisp.war}
 * deployed at /wisp by a context XML with an override descriptor holding the given context params. Stateless.
 */
final class WarJettyBase {
    private WarJettyBase() {
    }

    /** The jetty-home to run (the bench profile unpacks 12.1.12), checked together with the built WAR. */
    static Path jettyHome(Map<String, String> args, Path basedir) {
        Path jettyHome = Path.of(args.getOrDefault("jetty-home", basedir.resolve("target/jetty-home-12.1.12")
                .toString()));
        if (!Files.isRegularFile(jettyHome.resolve("start.jar")) || !Files.isRegularFile(war(basedir))) {
            throw new IllegalStateException("need " + jettyHome + "/start.jar and " + war(basedir)
                    + ": run mvn -Pbench package");
        }
        return jettyHome;
    }

    static Path war(Path basedir) {
        return basedir.resolve("target/wisp.war");
    }

    /** Writes the base at {@code base}; {@code writer} names who wrote the override descriptor and why. */
    static Path write(Path basedir, Path base, Map<String, String> params, String writer) throws IOException {
        Trees.copy(basedir.resolve("jetty-base/start.d"), base.resolve("start.d"));
        Trees.copy(basedir.resolve("jetty-base/resources"), base.resolve("resources"));
        Files.createDirectories(base.resolve("webapps"));
        Files.createDirectories(base.resolve("etc"));
        StringBuilder override = new StringBuilder("""
                <?xml version="1.0" encoding="UTF-8"?>
                <!-- Written by %s -->
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                """.formatted(writer));
        params.forEach((k, v) -> override.append("  <context-param><param-name>").append(k)
                .append("</param-name><param-value>").append(v).append("</param-value></context-param>\n"));
        override.append("</web-app>\n");
        Files.writeString(base.resolve("etc/wisp-override.xml"), override);
        Files.writeString(base.resolve("webapps/wisp.properties"), "environment: ee11\n");
        Files.writeString(base.resolve("webapps/wisp.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <!DOCTYPE Configure PUBLIC "-//Jetty//Configure//EN" "https://jetty.org/configure_10_0.dtd">
                <Configure id="wac" class="org.eclipse.jetty.ee11.webapp.WebAppContext">
                  <Set name="contextPath">/wisp</Set>
                  <Set name="war">%s</Set>
                  <Set name="overrideDescriptor"><Property name="jetty.base"/>/etc/wisp-override.xml</Set>
                </Configure>
                """.formatted(war(basedir)));
        return base;
    }
}
