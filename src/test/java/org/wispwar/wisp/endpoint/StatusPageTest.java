package org.wispwar.wisp.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.wispwar.wisp.metrics.ThroughputHistory;
import org.wispwar.wisp.metrics.WispMetrics;

/**
 * The status page's pieces that need no container: the history field of the statistics JSON, the page's files as
 * packaged (no inline code, nothing from another origin, so the strict CSP holds), and the index page's escaping.
 * The page itself runs in Chromium in StatusPageChecks.
 */
class StatusPageTest {
    private static final MemoryStats NO_MEMORY = new MemoryStats(null, null, null);

    @Test
    void historyIsAppendedAfterEveryCounterFieldAsParallelArrays() {
        WispMetrics m = new WispMetrics();
        ThroughputHistory h = new ThroughputHistory(3, Duration.ofSeconds(5), 0, 0);
        String empty = StatsJson.render(m, NO_MEMORY, h.snapshot());
        String counters = StatsJson.render(m, NO_MEMORY);
        assertEquals(counters.substring(0, counters.length() - 1) + ",\"history\":{\"intervalMillis\":5000,"
                + "\"capacity\":3,\"time\":[],\"bytesFromClients\":[],\"bytesToClients\":[],\"sessions\":[],"
                + "\"streams\":[]}}", empty, "the existing fields unchanged, then history");
        m.sessionOpened(WispMetrics.ConnectionKind.WISP_V1);
        m.streamOpened(WispMetrics.StreamKind.UDP);
        m.fromClient(12);
        m.toClient(34);
        h.sample(1_000, m);
        m.fromClient(1);
        h.sample(6_000, m);
        assertTrue(StatsJson.render(m, NO_MEMORY, h.snapshot()).endsWith(",\"history\":{\"intervalMillis\":5000,"
                + "\"capacity\":3,\"time\":[1000,6000],\"bytesFromClients\":[12,1],\"bytesToClients\":[34,0],"
                + "\"sessions\":[1,1],\"streams\":[1,1]}}"));
    }

    @Test
    void everyPageFileIsPackagedAndServedWithItsType() throws Exception {
        assertEquals(List.of("/status", "/status.css", "/status.js"),
                StatusServlet.RESOURCES.keySet().stream().sorted().toList());
        for (StatusServlet.Resource r : StatusServlet.RESOURCES.values()) {
            assertTrue(StatusServlet.read(r.file()).length > 100, r.file());
            assertTrue(r.contentType().endsWith(";charset=UTF-8"), r.contentType());
        }
    }

    @Test
    void cspAllowsOnlyTheOwnOriginAndNoInlineCode() {
        for (String directive : List.of("default-src 'none'", "script-src 'self'", "style-src 'self'",
                "connect-src 'self'", "img-src 'self' data:", "frame-ancestors 'none'", "base-uri 'none'")) {
            assertTrue(StatusServlet.CSP.contains(directive), directive);
        }
        assertFalse(StatusServlet.CSP.contains("unsafe"), StatusServlet.CSP);
    }

    /** What the CSP would block must not be in the page: inline scripts, style attributes or elements, handlers. */
    @Test
    void pageHasNoInlineCodeAndLoadsOnlyItsOwnFiles() throws Exception {
        String html = new String(StatusServlet.read("status.html"), StandardCharsets.UTF_8);
        Matcher scripts = Pattern.compile("<script([^>]*)>").matcher(html);
        int count = 0;
        while (scripts.find()) {
            assertEquals(" src=\"status.js\" defer", scripts.group(1), "only the page's own script file");
            count++;
        }
        assertEquals(1, count);
        assertFalse(Pattern.compile("<style|\\sstyle=|\\son[a-z]+=", Pattern.CASE_INSENSITIVE).matcher(html).find(),
                "no inline style or event handler");
        Matcher urls = Pattern.compile("(?:src|href)=\"([^\"]*)\"").matcher(html);
        while (urls.find()) {
            assertTrue(List.of("status.js", "status.css", "data:,").contains(urls.group(1)), urls.group(1));
        }
        String js = new String(StatusServlet.read("status.js"), StandardCharsets.UTF_8);
        assertFalse(Pattern.compile("innerHTML|outerHTML|eval\\(|new Function|setAttribute\\(\"style|https?://(?!www"
                + "\\.w3\\.org/2000/svg)").matcher(js).find(), "text only through textContent, nothing remote");
        assertTrue(js.contains("fetch(\"stats\""), "the page reads the statistics of its own deployment");
    }

    @Test
    void indexVersionIsEscapedForHtml() {
        assertEquals("1.0 &lt;b&gt; &amp; &quot;x&quot; &#39;y&#39;", IndexServlet.escapeHtml("1.0 <b> & \"x\" 'y'"));
        assertEquals("0.1.0-SNAPSHOT", IndexServlet.escapeHtml("0.1.0-SNAPSHOT"));
    }
}
