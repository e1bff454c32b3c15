package org.wispwar.wisp.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Builds the "webapp already there" of {@code src/test/other-webapp}: an exploded webapp with its own servlet, its own
 * CDI beans and its own Weld, compiled now with the JDK's compiler so that its classes exist only inside it (never on
 * the test classpath, where every webapp could see them).
 */
final class OtherWebapp {
    static final Path SOURCES = Path.of("src", "test", "other-webapp");
    /** A class only the other webapp has. */
    static final String GREETER = "org.example.other.Greeter";

    private OtherWebapp() {
    }

    /** Compiles and lays out the webapp in a new temporary directory. */
    static Path build() throws IOException {
        Path dir = Files.createTempDirectory("other-webapp-");
        copyTree(SOURCES.resolve("WEB-INF"), dir.resolve("WEB-INF"));
        Path lib = Files.createDirectories(dir.resolve("WEB-INF/lib"));
        Path weld = weldJar();
        Files.copy(weld, lib.resolve(weld.getFileName()));
        Path classes = Files.createDirectories(dir.resolve("WEB-INF/classes"));
        List<String> args = new ArrayList<>(List.of("--release", "21", "-proc:none", "-d", classes.toString(),
                "-classpath", servletApi() + java.io.File.pathSeparator + weld));
        try (Stream<Path> sources = Files.walk(SOURCES.resolve("src"))) {
            sources.filter(p -> p.toString().endsWith(".java")).forEach(p -> args.add(p.toString()));
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new IllegalStateException("the tests need a JDK (javax.tools), not a JRE");
        }
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        if (javac.run(null, errors, errors, args.toArray(String[]::new)) != 0) {
            throw new IllegalStateException("compiling " + SOURCES + " failed: " + errors);
        }
        return dir;
    }

    /** The WAR's own Weld (the CDI API is inside it): the other webapp ships the same jar in its WEB-INF/lib. */
    private static Path weldJar() throws IOException {
        try (Stream<Path> jars = Files.list(WarContainer.WAR.resolve("WEB-INF/lib"))) {
            return jars.filter(p -> p.getFileName().toString().startsWith("weld-servlet")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no Weld jar in " + WarContainer.WAR));
        }
    }

    /** Whatever jar gives this container its Servlet API: jakarta.servlet-api on Jetty, tomcat-embed-core on Tomcat. */
    private static Path servletApi() {
        try {
            return Path.of(jakarta.servlet.http.HttpServlet.class.getProtectionDomain().getCodeSource().getLocation()
                    .toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            walk.forEach(p -> {
                try {
                    Path target = to.resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(p, target);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
