package org.wispwar.wisp.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.testing.Exposition;

/**
 * The Prometheus rendering of {@link WispMetrics}: every metric with the values the counters hold, the histograms'
 * buckets, the formats chosen by the Accept header, and one registry per deployment.
 */
class PrometheusMetricsTest {
    /** What Prometheus 2.42 sends (without native histograms enabled). */
    static final String PROMETHEUS_ACCEPT = "application/openmetrics-text;version=1.0.0,"
            + "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    static final String PROTOBUF_ACCEPT = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
            + "encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3";

    private record Memory(long bufferedBytes, long bufferedBytesPeak, long serverByteBudget, long connectionByteBudget,
            long streamByteBudget, long pooledBytes) implements PrometheusMetrics.Memory {
    }

    private static final Memory MEMORY = new Memory(65_000, 70_000, 1L << 30, 1 << 24, 1 << 22, 4096);

    static String render(PrometheusMetrics p, String accept) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.write(accept, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    static Map<String, Double> samples(String text) {
        return Exposition.samples(text);
    }

    private static void assertSample(Map<String, Double> samples, String series, double expected) {
        assertTrue(samples.containsKey(series), series + " missing from " + samples.keySet());
        assertEquals(expected, samples.get(series), series);
    }

    @Test
    void everyCounterAndGaugeShowsWhatWispMetricsHolds() throws IOException {
        WispMetrics m = new WispMetrics();
        PrometheusMetrics p = new PrometheusMetrics(m, () -> MEMORY, "1.2.3");
        long v1 = m.sessionOpened(WispMetrics.ConnectionKind.WISP_V1);
        m.sessionOpened(WispMetrics.ConnectionKind.WISP_V1);
        m.sessionOpened(WispMetrics.ConnectionKind.WISP_V2);
        m.sessionOpened(WispMetrics.ConnectionKind.WSPROXY);
        m.sessionClosed(WispMetrics.ConnectionKind.WISP_V1, v1);
        for (int i = 0; i < 3; i++) {
            m.streamOpened(WispMetrics.StreamKind.TCP);
        }
        m.streamOpened(WispMetrics.StreamKind.UDP);
        m.streamOpened(WispMetrics.StreamKind.WSPROXY);
        m.streamOpened(WispMetrics.StreamKind.OTHER);
        m.streamClosed(WispMetrics.StreamKind.TCP);
        m.streamClosed(WispMetrics.StreamKind.OTHER);
        m.streamEnded(CloseReason.VOLUNTARY);
        m.streamEnded(CloseReason.VOLUNTARY);
        m.streamEnded(CloseReason.SERVER_STREAM_INVALID_INFO);
        m.limitTripped("wisp.maxStreamsPerConnection");
        m.limitTripped("wisp.maxStreamsPerConnection");
        m.limitTripped("wisp.packetRateLimit");
        m.upgradeRefused(401);
        m.upgradeRefused(401);
        m.upgradeRefused(403);
        m.upgradeRefused(1013);
        m.fromClient(1000);
        m.fromClient(234);
        m.toClient(2500);
        m.udpDatagramDropped();
        m.threadStarted();
        m.threadStarted();
        m.socketOpened();
        m.readPaused("wisp.streamByteBudget");
        m.readPaused("wisp.connectionByteBudget");
        m.readResumed();

        Map<String, Double> s = samples(render(p, null));

        assertSample(s, "wisp_build_info{version=\"1.2.3\"}", 1);
        assertSample(s, "wisp_sessions{kind=\"wisp_v1\"}", 1);
        assertSample(s, "wisp_sessions{kind=\"wisp_v2\"}", 1);
        assertSample(s, "wisp_sessions{kind=\"wsproxy\"}", 1);
        assertSample(s, "wisp_sessions_opened_total{kind=\"wisp_v1\"}", 2);
        assertSample(s, "wisp_sessions_opened_total{kind=\"wisp_v2\"}", 1);
        assertSample(s, "wisp_sessions_opened_total{kind=\"wsproxy\"}", 1);
        assertSample(s, "wisp_streams{type=\"tcp\"}", 2);
        assertSample(s, "wisp_streams{type=\"udp\"}", 1);
        assertSample(s, "wisp_streams{type=\"wsproxy\"}", 1);
        assertSample(s, "wisp_streams{type=\"other\"}", 0);
        assertSample(s, "wisp_streams_opened_total{type=\"tcp\"}", 3);
        assertSample(s, "wisp_streams_opened_total{type=\"udp\"}", 1);
        assertSample(s, "wisp_streams_opened_total{type=\"wsproxy\"}", 1);
        assertSample(s, "wisp_streams_opened_total{type=\"other\"}", 1);
        assertSample(s, "wisp_stream_closes_total{reason=\"VOLUNTARY\"}", 2);
        assertSample(s, "wisp_stream_closes_total{reason=\"SERVER_STREAM_INVALID_INFO\"}", 1);
        for (CloseReason r : CloseReason.values()) {   // every reason listed, so rate() works before the first one
            assertTrue(s.containsKey("wisp_stream_closes_total{reason=\"" + r.name() + "\"}"), r.name());
        }
        assertSample(s, "wisp_stream_closes_total{reason=\"SERVER_STREAM_THROTTLED\"}", 0);
        assertSample(s, "wisp_limits_tripped_total{param=\"wisp.maxStreamsPerConnection\"}", 2);
        assertSample(s, "wisp_limits_tripped_total{param=\"wisp.packetRateLimit\"}", 1);
        assertSample(s, "wisp_upgrades_refused_total{status=\"401\"}", 2);
        assertSample(s, "wisp_upgrades_refused_total{status=\"403\"}", 1);
        assertSample(s, "wisp_upgrades_refused_total{status=\"1013\"}", 1);
        assertSample(s, "wisp_upgrades_refused_total{status=\"503\"}", 0);
        assertSample(s, "wisp_from_clients_bytes_total", 1234);
        assertSample(s, "wisp_to_clients_bytes_total", 2500);
        assertSample(s, "wisp_udp_datagrams_dropped_total", 1);
        assertSample(s, "wisp_threads", 2);
        assertSample(s, "wisp_sockets", 1);
        assertSample(s, "wisp_buffered_bytes", 65_000);
        assertSample(s, "wisp_buffered_peak_bytes", 70_000);
        assertSample(s, "wisp_byte_budget_bytes{param=\"wisp.serverByteBudget\"}", 1L << 30);
        assertSample(s, "wisp_byte_budget_bytes{param=\"wisp.connectionByteBudget\"}", 1 << 24);
        assertSample(s, "wisp_byte_budget_bytes{param=\"wisp.streamByteBudget\"}", 1 << 22);
        assertSample(s, "wisp_pooled_bytes", 4096);
        assertSample(s, "wisp_reads_paused", 1);
        assertSample(s, "wisp_read_pauses_total{param=\"wisp.streamByteBudget\"}", 1);
        assertSample(s, "wisp_read_pauses_total{param=\"wisp.connectionByteBudget\"}", 1);
        assertSample(s, "wisp_session_duration_seconds_count{kind=\"wisp_v1\"}", 1);
        assertTrue(s.get("wisp_session_duration_seconds_sum{kind=\"wisp_v1\"}") > 0, "a real duration");
        assertSample(s, "wisp_session_duration_seconds_count{kind=\"wisp_v2\"}", 0);
    }

    @Test
    void countersReadTheAtomicsAtEachScrape() throws IOException {
        WispMetrics m = new WispMetrics();
        PrometheusMetrics p = new PrometheusMetrics(m, () -> MEMORY, "1.2.3");
        assertSample(samples(render(p, null)), "wisp_from_clients_bytes_total", 0);
        m.fromClient(77);
        assertSample(samples(render(p, null)), "wisp_from_clients_bytes_total", 77);
        assertEquals(77, m.bytesFromClients(), "WispMetrics stays the source of truth");
    }

    @Test
    void budgetGaugesReadZeroBeforeTheDeploymentIsConfigured() throws IOException {
        Map<String, Double> s = samples(render(new PrometheusMetrics(new WispMetrics(), () -> null, "x"), null));
        assertSample(s, "wisp_buffered_bytes", 0);
        assertSample(s, "wisp_byte_budget_bytes{param=\"wisp.serverByteBudget\"}", 0);
    }

    @Test
    void durationsLandInTheirDocumentedBuckets() throws IOException {
        WispMetrics m = new WispMetrics();
        PrometheusMetrics p = new PrometheusMetrics(m, () -> MEMORY, "1.2.3");
        m.streamOpenTook(3_000_000, true);           // 3 ms
        m.streamOpenTook(400_000, true);             // 0.4 ms
        m.streamOpenTook(2_000_000_000L, false);     // 2 s
        m.dnsLookupTook(700_000);                    // 0.7 ms
        p.sessionEnded(WispMetrics.ConnectionKind.WSPROXY, 90_000_000_000L);   // 90 s

        Map<String, Double> s = samples(render(p, null));

        assertSample(s, "wisp_stream_open_seconds_bucket{outcome=\"ok\",le=\"0.001\"}", 1);
        assertSample(s, "wisp_stream_open_seconds_bucket{outcome=\"ok\",le=\"0.0025\"}", 1);
        assertSample(s, "wisp_stream_open_seconds_bucket{outcome=\"ok\",le=\"0.005\"}", 2);
        assertSample(s, "wisp_stream_open_seconds_bucket{outcome=\"ok\",le=\"+Inf\"}", 2);
        assertSample(s, "wisp_stream_open_seconds_count{outcome=\"ok\"}", 2);
        assertEquals(0.0034, s.get("wisp_stream_open_seconds_sum{outcome=\"ok\"}"), 1e-12);
        assertSample(s, "wisp_stream_open_seconds_bucket{outcome=\"error\",le=\"1.0\"}", 0);
        assertSample(s, "wisp_stream_open_seconds_bucket{outcome=\"error\",le=\"2.5\"}", 1);
        assertSample(s, "wisp_stream_open_seconds_count{outcome=\"error\"}", 1);
        assertSample(s, "wisp_dns_lookup_seconds_bucket{le=\"5.0E-4\"}", 0);
        assertSample(s, "wisp_dns_lookup_seconds_bucket{le=\"0.001\"}", 1);
        assertSample(s, "wisp_dns_lookup_seconds_count", 1);
        assertSample(s, "wisp_dns_lookup_seconds_sum", 0.0007);
        assertSample(s, "wisp_session_duration_seconds_bucket{kind=\"wsproxy\",le=\"60.0\"}", 0);
        assertSample(s, "wisp_session_duration_seconds_bucket{kind=\"wsproxy\",le=\"300.0\"}", 1);
        assertSample(s, "wisp_session_duration_seconds_count{kind=\"wsproxy\"}", 1);
        assertSample(s, "wisp_session_duration_seconds_sum{kind=\"wsproxy\"}", 90);

        List<String> bounds = s.keySet().stream().filter(k -> k.startsWith("wisp_session_duration_seconds_bucket{kind=\"wisp_v1\""))
                .map(k -> k.substring(k.indexOf("le=\"") + 4, k.length() - 2)).toList();
        assertEquals(List.of("0.1", "1.0", "10.0", "60.0", "300.0", "900.0", "1800.0", "3600.0", "7200.0", "21600.0",
                "86400.0", "+Inf"), bounds, "the session buckets the README lists");
    }

    @Test
    void acceptHeaderChoosesOpenMetricsOrTheTextFormat() throws IOException {
        PrometheusMetrics p = new PrometheusMetrics(new WispMetrics(), () -> MEMORY, "1.2.3");

        assertEquals("text/plain; version=0.0.4; charset=utf-8", p.contentType(null));
        String text = render(p, null);
        assertTrue(text.contains("# TYPE wisp_from_clients_bytes_total counter\n"), text);
        assertFalse(text.contains("# EOF"), text);

        assertEquals("application/openmetrics-text; version=1.0.0; charset=utf-8", p.contentType(PROMETHEUS_ACCEPT));
        String open = render(p, PROMETHEUS_ACCEPT);
        assertTrue(open.contains("# TYPE wisp_from_clients_bytes counter\n# UNIT wisp_from_clients_bytes bytes\n"), open);
        assertTrue(open.contains("\nwisp_build_info{version=\"1.2.3\"} 1\n"), open);
        assertTrue(open.endsWith("# EOF\n"), open);

        // the protobuf format needs a runtime this WAR does not ship: the text format instead
        assertEquals("text/plain; version=0.0.4; charset=utf-8", p.contentType(PROTOBUF_ACCEPT));
        assertEquals(text, render(p, PROTOBUF_ACCEPT));
    }

    @Test
    void eachDeploymentHasItsOwnRegistryAndTheDefaultRegistryStaysEmpty() throws IOException {
        WispMetrics a = new WispMetrics();
        WispMetrics b = new WispMetrics();
        PrometheusMetrics pa = new PrometheusMetrics(a, () -> MEMORY, "1");
        PrometheusMetrics pb = new PrometheusMetrics(b, () -> MEMORY, "1");   // same names: no clash
        a.fromClient(5);
        a.streamOpenTook(1_000_000, true);

        assertSample(samples(render(pa, null)), "wisp_from_clients_bytes_total", 5);
        assertSample(samples(render(pb, null)), "wisp_from_clients_bytes_total", 0);
        assertSample(samples(render(pb, null)), "wisp_stream_open_seconds_count{outcome=\"ok\"}", 0);
        assertEquals(0, PrometheusRegistry.defaultRegistry.scrape().size(), "nothing in the static default registry");
        assertTrue(pa.registry() != pb.registry());
    }

    @Test
    void everyMetricIsDocumentedInTheReadmeAndEveryDocumentedOneExists() throws IOException {
        WispMetrics m = new WispMetrics();
        m.limitTripped("wisp.packetRateLimit");   // the per-param families are written once they have a param
        m.readPaused("wisp.streamByteBudget");
        m.sharedStateUp(true);   // the shared-state series are written once a shared state is configured
        java.util.Set<String> written = new java.util.TreeSet<>();
        for (String line : render(new PrometheusMetrics(m, () -> MEMORY, "1"), null).split("\n")) {
            if (line.startsWith("# TYPE ")) {
                written.add(line.split(" ")[2]);
            }
        }
        java.util.Set<String> documented = new java.util.TreeSet<>();
        java.util.regex.Pattern name = java.util.regex.Pattern.compile("`(wisp_[a-z_]+)`");
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("README.md"))) {
            if (line.startsWith("| `wisp_")) {
                java.util.regex.Matcher names = name.matcher(line.substring(0, line.indexOf('|', 1)));
                while (names.find()) {
                    documented.add(names.group(1));
                }
            }
        }
        assertEquals(written, documented, "README \"Metrics (Prometheus)\" table vs the exposition");
    }

    @Test
    void theLibraryStartsNoThread() throws IOException {
        WispMetrics m = new WispMetrics();
        PrometheusMetrics p = new PrometheusMetrics(m, () -> MEMORY, "1");
        m.streamOpenTook(1, true);
        m.dnsLookupTook(1);
        p.sessionEnded(WispMetrics.ConnectionKind.WISP_V1, 1);
        render(p, PROMETHEUS_ACCEPT);
        // its scheduler (native-histogram resets, exemplar sampling) would hold the WAR's class loader after undeploy
        List<String> library = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(n -> n.startsWith("prometheus-")).toList();
        assertEquals(List.of(), library);
    }
}
