package org.wispwar.wisp.endpoint;

import java.util.Locale;
import java.util.Map;
import org.wispwar.wisp.config.ServerVersion;
import org.wispwar.wisp.metrics.ThroughputHistory;
import org.wispwar.wisp.metrics.WispMetrics;

/**
 * The statistics as one JSON object, with the MBean's attribute names in lower camel case, so the endpoint and JMX show
 * the same numbers under the same names:
 * <pre>{"version":"0.1.0","sessions":1,"streams":2,"threads":4,"sockets":2,"streamsOpened":9,
 *  "streamsByType":{"tcp":1,"udp":1,"wsproxy":0,"other":0},"streamsOpenedByType":{...},
 *  "bytesFromClients":123,"bytesToClients":456,"udpDatagramsDropped":0,
 *  "closesByReason":{"VOLUNTARY":5,"SERVER_STREAM_BLOCKED_ADDRESS":2},"limitsTripped":{"wisp.maxStreamsPerConnection":1},
 *  "bufferedBytes":0,"bufferedBytesPeak":1114112,"serverByteBudget":1610612736,"connectionByteBudget":16777216,
 *  "streamByteBudget":1048576,"pooledBytes":65536,"readsPaused":0,"readPauses":{"wisp.streamByteBudget":3},
 *  "history":{"intervalMillis":5000,"capacity":180,"time":[1764780000000,1764780005000],
 *   "bytesFromClients":[0,5120],"bytesToClients":[0,70000],"sessions":[1,1],"streams":[2,3]}}</pre>
 * {@code history} is the server's throughput ring ({@link ThroughputHistory}), oldest sample first: parallel arrays of
 * equal length (at most {@code capacity}) with each sample's time (milliseconds since the epoch), the payload bytes
 * each way during the {@code intervalMillis} that ended then, and the connections and streams open then. The
 * {@code /stats} endpoint always includes it; the MBean does not show it.
 * Counters only: nothing here names a destination, a client or a setting's value. Stateless; thread-safe.
 */
final class StatsJson {
    private StatsJson() {
    }

    /** The counters with the throughput ring appended as {@code history}. */
    static String render(WispMetrics m, MemoryStats memory, ThroughputHistory.Snapshot history) {
        String counters = render(m, memory);
        StringBuilder json = new StringBuilder(counters.length() + 64 + history.size() * 48)
                .append(counters, 0, counters.length() - 1).append(',');
        string(json, "history").append(":{");
        field(json, "intervalMillis", history.interval().toMillis());
        field(json, "capacity", history.capacity());
        array(json, "time", history.time());
        array(json, "bytesFromClients", history.bytesFromClients());
        array(json, "bytesToClients", history.bytesToClients());
        array(json, "sessions", history.sessions());
        array(json, "streams", history.streams());
        json.setLength(json.length() - 1);
        return json.append("}}").toString();
    }

    /** The counters alone, every field the MBean has. */
    static String render(WispMetrics m, MemoryStats memory) {
        StringBuilder json = new StringBuilder(512).append('{');
        string(string(json, "version").append(':'), ServerVersion.get()).append(',');
        field(json, "sessions", m.sessions());
        field(json, "streams", m.streams());
        field(json, "threads", m.threads());
        field(json, "sockets", m.sockets());
        field(json, "streamsOpened", m.streamsOpened());
        object(json, "streamsByType", WispStats.byTypeName(m.streamsByType()));
        object(json, "streamsOpenedByType", WispStats.byTypeName(m.streamsOpenedByType()));
        field(json, "bytesFromClients", m.bytesFromClients());
        field(json, "bytesToClients", m.bytesToClients());
        field(json, "udpDatagramsDropped", m.udpDatagramsDropped());
        object(json, "closesByReason", m.closesByReason());
        object(json, "limitsTripped", m.limitsTripped());
        field(json, "bufferedBytes", memory.bufferedBytes());
        field(json, "bufferedBytesPeak", memory.bufferedBytesPeak());
        field(json, "serverByteBudget", memory.serverByteBudget());
        field(json, "connectionByteBudget", memory.connectionByteBudget());
        field(json, "streamByteBudget", memory.streamByteBudget());
        field(json, "pooledBytes", memory.pooledBytes());
        field(json, "readsPaused", m.readsPaused());
        object(json, "readPauses", m.readPauses());
        json.setLength(json.length() - 1);   // the last comma
        return json.append('}').toString();
    }

    private static void field(StringBuilder json, String name, long value) {
        string(json, name).append(':').append(value).append(',');
    }

    private static void array(StringBuilder json, String name, long[] values) {
        string(json, name).append(":[");
        for (long v : values) {
            json.append(v).append(',');
        }
        if (values.length > 0) {
            json.setLength(json.length() - 1);
        }
        json.append("],");
    }

    private static void object(StringBuilder json, String name, Map<String, Long> values) {
        string(json, name).append(":{");
        values.forEach((k, v) -> string(json, k).append(':').append(v).append(','));
        if (!values.isEmpty()) {
            json.setLength(json.length() - 1);
        }
        json.append("},");
    }

    /** A JSON string literal (RFC 8259 §7): quote, backslash and control characters escaped. */
    static StringBuilder string(StringBuilder json, String s) {
        json.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append('"');
    }
}
