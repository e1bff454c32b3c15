package org.wispwar.wisp.metrics;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.wispwar.wisp.protocol.CloseReason;

/**
 * One deployment's Prometheus metrics: its own {@link PrometheusRegistry} (never the library's static default
 * registry, so two deployments in one JVM and a redeploy neither clash nor keep each other alive), holding
 * <ul>
 *   <li>callbacks that read {@link WispMetrics} and the byte budgets at scrape time: the atomics stay the one source of
 *       truth that the statistics endpoint and the MBean read too, and nothing is counted twice;</li>
 *   <li>three classic histograms fed through {@link Timings}: stream open time, DNS lookup time, session duration.
 *       Classic only and without exemplars, so the library starts no scheduler thread (its native-histogram reset and
 *       exemplar sampling run on a static daemon thread that would outlive an undeploy).</li>
 * </ul>
 * Every metric, label and bucket bound is listed in the README ("Metrics (Prometheus)"). Thread-safe: the histograms
 * take concurrent observations, and {@link #write} may run for several scrapes at once.
 */
public final class PrometheusMetrics implements Timings {
    /** What a connection holds for destinations now and what it may hold, read at each scrape. */
    public interface Memory {
        /** Bytes accepted from clients and not yet written to their destinations. */
        long bufferedBytes();

        /** The most held at once since deploy. */
        long bufferedBytesPeak();

        long serverByteBudget();

        long connectionByteBudget();

        long streamByteBudget();

        /** Free buffers kept for reuse. */
        long pooledBytes();
    }

    /** Stream open time, seconds: loopback and LAN connects, Internet round trips, slow DNS, up to timeouts. */
    static final double[] STREAM_OPEN_BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
        10, 30};
    /** DNS lookup time, seconds: a local cache answers in well under a millisecond, a timeout takes seconds. */
    static final double[] DNS_LOOKUP_BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
        2.5, 5, 10};
    /** Session duration, seconds: refused and probing clients, page visits, long-lived tabs up to a day. */
    static final double[] SESSION_DURATION_BUCKETS = {0.1, 1, 10, 60, 300, 900, 1800, 3600, 7200, 21600, 86400};

    /** The refusals an operator looks for, listed (at 0) before they first happen, so rate() works from the start. */
    static final int[] KNOWN_REFUSALS = {401, 403, 503, 1013};
    /** The budget params, in the order {@link Memory} reads them. */
    static final String SERVER_BUDGET = "wisp.serverByteBudget";
    static final String CONNECTION_BUDGET = "wisp.connectionByteBudget";
    static final String STREAM_BUDGET = "wisp.streamByteBudget";

    private static final double NANOS_PER_SECOND = 1e9;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final ExpositionFormats formats = ExpositionFormats.init();
    /** Label values resolved once, so an observation is a plain array read (no lookup, no allocation). */
    private final DistributionDataPoint streamOpenOk;
    private final DistributionDataPoint streamOpenError;
    private final DistributionDataPoint dnsLookups;
    private final DistributionDataPoint[] sessionDurations;

    /**
     * Registers every metric over {@code metrics} and {@code memory} (asked at each scrape; it may return null before
     * the deployment is configured, when the budget gauges read 0) and makes itself {@code metrics}' {@link Timings}.
     */
    public PrometheusMetrics(WispMetrics metrics, Supplier<? extends Memory> memory, String version) {
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(memory, "memory");
        Info.builder().name("wisp_build_info").help("The Wisp WAR's version; always 1.")
                .labelNames("version").register(registry).setLabelValues(version);

        GaugeWithCallback.builder().name("wisp_sessions").help("WebSocket connections open now, by kind.")
                .labelNames("kind")
                .callback(cb -> metrics.sessionsByKind().forEach((k, n) -> cb.call(n, label(k))))
                .register(registry);
        CounterWithCallback.builder().name("wisp_sessions_opened").help("WebSocket connections admitted, by kind.")
                .labelNames("kind")
                .callback(cb -> metrics.sessionsOpenedByKind().forEach((k, n) -> cb.call(n, label(k))))
                .register(registry);
        GaugeWithCallback.builder().name("wisp_streams").help("Streams open now (connecting or connected), by type.")
                .labelNames("type")
                .callback(cb -> metrics.streamsByType().forEach((k, n) -> cb.call(n, label(k))))
                .register(registry);
        CounterWithCallback.builder().name("wisp_streams_opened").help("Streams accepted, by type.")
                .labelNames("type")
                .callback(cb -> metrics.streamsOpenedByType().forEach((k, n) -> cb.call(n, label(k))))
                .register(registry);
        CounterWithCallback.builder().name("wisp_stream_closes")
                .help("Streams ended, by the Wisp CLOSE reason the server sent or would have sent.")
                .labelNames("reason")
                .callback(cb -> {
                    for (CloseReason r : CloseReason.values()) {
                        cb.call(metrics.closes(r), r.name());
                    }
                })
                .register(registry);
        CounterWithCallback.builder().name("wisp_limits_tripped")
                .help("Times a limit refused or throttled something, by its param.")
                .labelNames("param")
                .callback(cb -> metrics.limitsTripped().forEach((k, n) -> cb.call(n, k)))
                .register(registry);
        CounterWithCallback.builder().name("wisp_upgrades_refused")
                .help("WebSocket upgrades refused, by HTTP status (401, 403, 503) or WebSocket close code (1013).")
                .labelNames("status")
                .callback(cb -> refusals(metrics).forEach((k, n) -> cb.call(n, Integer.toString(k))))
                .register(registry);
        CounterWithCallback.builder().name("wisp_from_clients_bytes").unit(Unit.BYTES)
                .help("Stream payload bytes received from clients.")
                .callback(cb -> cb.call(metrics.bytesFromClients()))
                .register(registry);
        CounterWithCallback.builder().name("wisp_to_clients_bytes").unit(Unit.BYTES)
                .help("Stream payload bytes sent to clients.")
                .callback(cb -> cb.call(metrics.bytesToClients()))
                .register(registry);
        CounterWithCallback.builder().name("wisp_udp_datagrams_dropped")
                .help("Client datagrams dropped because their UDP stream's queue was full.")
                .callback(cb -> cb.call(metrics.udpDatagramsDropped()))
                .register(registry);
        GaugeWithCallback.builder().name("wisp_shared_state_up")
                .help("1 while the shared state (wisp.sharedState) answers, 0 while it does not; absent without one.")
                .callback(cb -> {
                    if (metrics.sharedStateStatus() >= 0) {
                        cb.call(metrics.sharedStateStatus());
                    }
                })
                .register(registry);
        CounterWithCallback.builder().name("wisp_shared_state_failures")
                .help("Calls to the shared state that failed or timed out; absent without one.")
                .callback(cb -> {
                    if (metrics.sharedStateStatus() >= 0) {
                        cb.call(metrics.sharedStateFailures());
                    }
                })
                .register(registry);
        GaugeWithCallback.builder().name("wisp_threads").help("Stream threads running now.")
                .callback(cb -> cb.call(metrics.threads()))
                .register(registry);
        GaugeWithCallback.builder().name("wisp_sockets").help("Destination sockets open now.")
                .callback(cb -> cb.call(metrics.sockets()))
                .register(registry);
        GaugeWithCallback.builder().name("wisp_buffered_bytes").unit(Unit.BYTES)
                .help("Bytes accepted from clients and not yet written to their destinations.")
                .callback(cb -> cb.call(read(memory, Memory::bufferedBytes)))
                .register(registry);
        GaugeWithCallback.builder().name("wisp_buffered_peak_bytes").unit(Unit.BYTES)
                .help("The most bytes buffered at once since deploy.")
                .callback(cb -> cb.call(read(memory, Memory::bufferedBytesPeak)))
                .register(registry);
        GaugeWithCallback.builder().name("wisp_byte_budget_bytes").unit(Unit.BYTES)
                .help("The byte budgets, by param: the server's total, each connection's, each stream's.")
                .labelNames("param")
                .callback(cb -> {
                    cb.call(read(memory, Memory::serverByteBudget), SERVER_BUDGET);
                    cb.call(read(memory, Memory::connectionByteBudget), CONNECTION_BUDGET);
                    cb.call(read(memory, Memory::streamByteBudget), STREAM_BUDGET);
                })
                .register(registry);
        GaugeWithCallback.builder().name("wisp_pooled_bytes").unit(Unit.BYTES)
                .help("Free buffers kept for reuse (not counted in the budgets).")
                .callback(cb -> cb.call(read(memory, Memory::pooledBytes)))
                .register(registry);
        GaugeWithCallback.builder().name("wisp_reads_paused")
                .help("WebSockets not being read now because a byte budget is full.")
                .callback(cb -> cb.call(metrics.readsPaused()))
                .register(registry);
        CounterWithCallback.builder().name("wisp_read_pauses")
                .help("Times reading a WebSocket paused, by the budget param that was full.")
                .labelNames("param")
                .callback(cb -> metrics.readPauses().forEach((k, n) -> cb.call(n, k)))
                .register(registry);

        Histogram streamOpen = histogram("wisp_stream_open_seconds",
                "CONNECT received to destination connected (outcome ok) or refused, failed or given up (error).",
                STREAM_OPEN_BUCKETS, "outcome");
        streamOpenOk = streamOpen.labelValues("ok");
        streamOpenError = streamOpen.labelValues("error");
        dnsLookups = histogram("wisp_dns_lookup_seconds",
                "DNS lookups that went to the resolver (cache hits are not timed), answered, failed or timed out.",
                DNS_LOOKUP_BUCKETS);
        Histogram sessions = histogram("wisp_session_duration_seconds",
                "WebSocket connection admitted to ended, by kind.", SESSION_DURATION_BUCKETS, "kind");
        WispMetrics.ConnectionKind[] kinds = WispMetrics.ConnectionKind.values();
        sessionDurations = new DistributionDataPoint[kinds.length];
        for (WispMetrics.ConnectionKind k : kinds) {
            sessionDurations[k.ordinal()] = sessions.labelValues(label(k));
        }
        metrics.timings(this);
    }

    private Histogram histogram(String name, String help, double[] buckets, String... labels) {
        return Histogram.builder().name(name).help(help).unit(Unit.SECONDS).labelNames(labels)
                .classicOnly().classicUpperBounds(buckets).withoutExemplars().register(registry);
    }

    /** Label values are the enum names in lower case: wisp_v1, wisp_v2, wsproxy; tcp, udp, wsproxy, other. */
    static String label(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    private static Map<Integer, Long> refusals(WispMetrics metrics) {
        Map<Integer, Long> out = new TreeMap<>();
        for (int status : KNOWN_REFUSALS) {
            out.put(status, 0L);
        }
        out.putAll(metrics.upgradesRefused());
        return out;
    }

    private static double read(Supplier<? extends Memory> memory, java.util.function.ToLongFunction<Memory> what) {
        Memory m = memory.get();
        return m == null ? 0 : what.applyAsLong(m);
    }

    @Override
    public void streamOpened(long nanos, boolean connected) {
        (connected ? streamOpenOk : streamOpenError).observe(nanos / NANOS_PER_SECOND);
    }

    @Override
    public void dnsLookup(long nanos) {
        dnsLookups.observe(nanos / NANOS_PER_SECOND);
    }

    @Override
    public void sessionEnded(WispMetrics.ConnectionKind kind, long nanos) {
        sessionDurations[kind.ordinal()].observe(nanos / NANOS_PER_SECOND);
    }

    /** The registry, for tests. */
    PrometheusRegistry registry() {
        return registry;
    }

    /**
     * The content type of the format chosen for {@code accept} (an HTTP Accept header, may be null): OpenMetrics text
     * when the scraper asks for it (Prometheus does), else the Prometheus text format 0.0.4. Protobuf is never chosen:
     * this WAR does not ship the protobuf runtime.
     */
    public String contentType(String accept) {
        return writer(accept).getContentType();
    }

    /** Scrapes every metric now and writes it to {@code out} in the format {@link #contentType} names. */
    public void write(String accept, OutputStream out) throws IOException {
        writer(accept).write(out, registry.scrape(), EscapingScheme.fromAcceptHeader(accept));
    }

    private ExpositionFormatWriter writer(String accept) {
        ExpositionFormatWriter w = formats.findWriter(accept);
        return w.isAvailable() ? w : formats.getPrometheusTextFormatWriter();
    }
}
