package org.wispwar.wisp.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * web.xml documents every param in comments and sets none (the defaults live in the code, so a container's plain
 * {@code <Parameter>} is never shadowed): its list must name exactly the params the code knows, and the defaults it
 * states must be the code's.
 */
class WebXmlDocsTest {
    private static final Path WEB_XML = Path.of("webapp/WEB-INF/web.xml");
    /** "       wisp.bufferSize (default 128)" or "       wisp.stats.token (not set by default)" */
    private static final Pattern ENTRY = Pattern.compile("(?m)^ {7}(wisp\\.[\\w.]+) \\((?:default (.*)|not set by default)\\)$");

    @Test
    void webXmlSetsNoParam() throws IOException {
        String xml = Files.readString(WEB_XML, StandardCharsets.UTF_8);
        assertFalse(xml.replaceAll("(?s)<!--.*?-->", "").contains("<context-param>"),
                "web.xml must not set a context param: it would shadow the container's <Parameter> on Tomcat");
    }

    @Test
    void webXmlDocumentsEveryParamWithTheCodesDefault() throws IOException {
        String xml = Files.readString(WEB_XML, StandardCharsets.UTF_8);
        Map<String, String> documented = new HashMap<>();
        Matcher m = ENTRY.matcher(xml);
        while (m.find()) {
            documented.put(m.group(1), m.group(2) == null ? "" : m.group(2));
        }
        assertEquals(new TreeSet<>(WispConfig.ALL_NAMES), new TreeSet<>(documented.keySet()),
                "the params web.xml documents");
        assertEquals(WispConfig.defaults(), WispConfig.from(documented), "the defaults web.xml states");
    }
}
