package org.wispwar.wisp.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import org.wispwar.wisp.testing.Trees;

/**
 * A Tomcat base for the benchmarks and the soak, beside the unpacked distribution (CATALINA_HOME stays untouched): the
 * distribution's {@code conf/} with {@code server.xml} patched (connector on 127.0.0.1 and the given port, no shutdown
 * port), {@code target/wisp.war} copied to {@code webapps/}, and {@code conf/Catalina/localhost/wisp.xml} with one
 * {@code <Parameter ... override="false"/>} per context param. Stateless.
 */
final class WarTomcatBase {
    private WarTomcatBase() {
    }

    /** The Tomcat to run ({@code --tomcat-home}; the bench profile unpacks 11.0.24 under target/standalone). */
    /**
     * The connector's accept queue, as README "Tomcat" recommends: Tomcat's default of 100 overflowed under a burst of
     * 200 upgrades, and each dropped SYN cost its client a 1 s retransmit.
     */
    static final int ACCEPT_COUNT = 1024;

    static Path tomcatHome(Map<String, String> args, Path basedir) {
        Path home = Path.of(args.getOrDefault("tomcat-home", basedir.resolve("target/standalone/apache-tomcat-11.0.24")
                .toString()));
        if (!Files.isRegularFile(home.resolve("bin/catalina.sh"))) {
            throw new IllegalStateException("no Tomcat at " + home + ": run mvn -Pbench package");
        }
        if (!Files.isRegularFile(WarJettyBase.war(basedir))) {
            throw new IllegalStateException("no " + WarJettyBase.war(basedir) + ": run mvn -Pbench package");
        }
        return home;
    }

    /**
     * Writes the base at {@code base} (which must not hold an older base: the caller starts from an empty directory);
     * {@code writer} names who wrote the context descriptor and why.
     */
    static Path write(Path home, Path basedir, Path base, int port, Map<String, String> params, String writer)
            throws IOException {
        Trees.copy(home.resolve("conf"), base.resolve("conf"));
        for (String dir : List.of("logs", "temp", "work", "webapps")) {
            Files.createDirectories(base.resolve(dir));
        }
        Files.copy(WarJettyBase.war(basedir), base.resolve("webapps/wisp.war"), StandardCopyOption.REPLACE_EXISTING);
        Path serverXml = base.resolve("conf/server.xml");
        String xml = Files.readString(serverXml);
        String patched = xml.replace("<Server port=\"8005\"", "<Server port=\"-1\"")
                .replace("<Connector port=\"8080\"", "<Connector address=\"127.0.0.1\" port=\"" + port + "\""
                        + " acceptCount=\"" + ACCEPT_COUNT + "\"");
        if (patched.contains("port=\"8005\"") || !patched.contains("port=\"" + port + "\"")) {
            throw new IllegalStateException(serverXml + " does not have the expected shutdown port and connector");
        }
        Files.writeString(serverXml, patched);
        Files.createDirectories(base.resolve("conf/Catalina/localhost"));
        StringBuilder context = new StringBuilder("""
                <?xml version="1.0" encoding="UTF-8"?>
                <!-- Written by %s -->
                <Context>
                """.formatted(writer));
        params.forEach((k, v) -> context.append("  <Parameter name=\"").append(xmlEscape(k)).append("\" value=\"")
                .append(xmlEscape(v)).append("\" override=\"false\"/>\n"));
        context.append("</Context>\n");
        Files.writeString(base.resolve("conf/Catalina/localhost/wisp.xml"), context);
        return base;
    }

    /**
     * {@code sh catalina.sh run}: catalina.sh execs java in the foreground, so the process under it (or under
     * {@code timeout}) is the server JVM itself, which gets the signals (SIGTERM: a clean shutdown, JFR dumps on exit).
     */
    static List<String> command(Path home) {
        for (Path script : List.of(home.resolve("bin/catalina.sh"), home.resolve("bin/setclasspath.sh"))) {
            script.toFile().setExecutable(true);   // the zip from Maven Central keeps no file modes
        }
        return List.of("sh", home.resolve("bin/catalina.sh").toString(), "run");
    }

    /** The environment for {@link #command}: CATALINA_HOME/BASE and JAVA_HOME (the same JDK as the caller's). */
    static Map<String, String> environment(Path home, Path base, String javaHome) {
        return Map.of("CATALINA_HOME", home.toString(), "CATALINA_BASE", base.toString(), "JAVA_HOME", javaHome);
    }

    private static String xmlEscape(String s) {
        return s.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
