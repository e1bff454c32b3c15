package org.wispwar.wisp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package rules of design.md §1, read from the main sources' import statements (Maven runs tests in the project
 * directory). Dependencies point one way: {@code endpoint → session, wsproxy → stream → limits, metrics, transport →
 * protocol}, {@code config} used by all, and only {@code endpoint} and {@code config} touch Jakarta APIs. Wisp
 * ({@code session}) and wsproxy share the stream core and never each other.
 */
class ArchitectureTest {
    private static final Path ROOT = Path.of("src/main/java/org/wispwar/wisp");
    private static final String BASE = "org.wispwar.wisp.";
    private static final Pattern IMPORT = Pattern.compile("^\\s*import\\s+(?:static\\s+)?([\\w.]+(?:\\.\\*)?)\\s*;");

    /** One import statement: the file's package (relative to wisp/, "" for the root) and what it imports. */
    private record Import(String pkg, Path file, int line, String name) {
        @Override
        public String toString() {
            return ROOT.relativize(file) + ":" + line + " imports " + name;
        }
    }

    private static List<Path> files;
    private static List<Import> imports;

    @BeforeAll
    static void scan() throws IOException {
        assertTrue(Files.isDirectory(ROOT), "main sources at " + ROOT.toAbsolutePath());
        try (Stream<Path> walk = Files.walk(ROOT)) {
            files = walk.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
        imports = new ArrayList<>();
        for (Path f : files) {
            imports.addAll(importsOf(f));
        }
    }

    private static List<Import> importsOf(Path file) {
        Path dir = ROOT.relativize(file).getParent();
        String pkg = dir == null ? "" : dir.toString().replace(file.getFileSystem().getSeparator(), ".");
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Import> result = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = IMPORT.matcher(lines.get(i));
            if (m.find()) {
                result.add(new Import(pkg, file, i + 1, m.group(1)));
            }
        }
        return result;
    }

    private static void assertNone(String rule, Predicate<Import> violates) {
        List<String> offending = imports.stream().filter(violates).map(Import::toString).toList();
        assertEquals(List.of(), offending, rule);
    }

    private static boolean inPackage(Import i, String... packages) {
        return Set.of(packages).contains(i.pkg()) || Stream.of(packages).anyMatch(p -> i.pkg().startsWith(p + "."));
    }

    private static boolean isJakarta(Import i) {
        return i.name().startsWith("jakarta.");
    }

    @Test
    void scanFindsEveryPackageAndItsImports() {
        Set<String> packages = files.stream()
                .map(f -> ROOT.relativize(f).getParent())
                .filter(p -> p != null)
                .map(Path::toString)
                .collect(Collectors.toSet());
        assertTrue(packages.containsAll(Set.of("protocol", "session", "transport", "endpoint", "config", "stream",
                "wsproxy", "limits", "metrics")), "packages found: " + packages);
        // the scanner sees real imports, so the rules below cannot pass on an empty list
        assertTrue(imports.stream().anyMatch(i -> i.pkg().equals("endpoint") && i.name().startsWith("jakarta.websocket.")),
                "endpoint's jakarta.websocket imports are seen");
        assertTrue(imports.stream().anyMatch(i -> i.pkg().equals("session") && i.name().startsWith(BASE + "protocol.")),
                "session's protocol imports are seen");
    }

    @Test
    void protocolImportsOnlyJava() {
        assertNone("protocol/ may import java.* only",
                i -> inPackage(i, "protocol") && !i.name().startsWith("java."));
    }

    @Test
    void sessionAndTransportImportNoJakarta() {
        assertNone("session/ and transport/ may not import jakarta.*",
                i -> inPackage(i, "session", "transport") && isJakarta(i));
    }

    @Test
    void transportImportsNothingFromSessionOrEndpoint() {
        assertNone("transport/ may not depend on session/ or endpoint/",
                i -> inPackage(i, "transport")
                        && (i.name().startsWith(BASE + "session.") || i.name().startsWith(BASE + "endpoint.")));
    }

    @Test
    void onlyEndpointAndConfigImportJakarta() {
        assertNone("only endpoint/ and config/ may import jakarta.*",
                i -> !inPackage(i, "endpoint", "config") && isJakarta(i));
    }

    @Test
    void noPackageButEndpointImportsEndpoint() {
        assertNone("nothing depends on endpoint/ (it is the top of endpoint → session → transport → protocol)",
                i -> !inPackage(i, "endpoint") && i.name().startsWith(BASE + "endpoint."));
    }

    private static boolean importsPackage(Import i, String... packages) {
        return Stream.of(packages).anyMatch(p -> i.name().startsWith(BASE + p + "."));
    }

    @Test
    void theStreamCoreKnowsNeitherWispSessionsNorWsproxyNorTheContainer() {
        assertNone("stream/ is below session/, wsproxy/ and endpoint/",
                i -> inPackage(i, "stream") && importsPackage(i, "session", "wsproxy", "endpoint"));
    }

    @Test
    void wispAndWsproxyShareTheCoreButNotEachOther() {
        assertNone("session/ and wsproxy/ do not import each other",
                i -> (inPackage(i, "session") && importsPackage(i, "wsproxy"))
                        || (inPackage(i, "wsproxy") && importsPackage(i, "session")));
    }

    @Test
    void limitsAndMetricsAreLeaves() {
        assertNone("limits/ and metrics/ import no stream, session, wsproxy, transport or endpoint code",
                i -> inPackage(i, "limits", "metrics")
                        && importsPackage(i, "stream", "session", "wsproxy", "transport", "endpoint"));
    }

    @Test
    void importPatternReadsPlainStaticAndWildcardImports() {
        assertFalse(IMPORT.matcher("// import jakarta.websocket.Session;").find(), "a commented-out import");
        Matcher plain = IMPORT.matcher("import jakarta.websocket.Session;");
        assertTrue(plain.find());
        assertEquals("jakarta.websocket.Session", plain.group(1));
        Matcher wildcard = IMPORT.matcher("import jakarta.websocket.*;");
        assertTrue(wildcard.find());
        assertEquals("jakarta.websocket.*", wildcard.group(1));
        Matcher stat = IMPORT.matcher("import static org.wispwar.wisp.session.CloseReasons.from;");
        assertTrue(stat.find());
        assertEquals("org.wispwar.wisp.session.CloseReasons.from", stat.group(1));
    }
}
