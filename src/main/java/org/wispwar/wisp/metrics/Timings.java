package org.wispwar.wisp.metrics;

/**
 * Where {@link WispMetrics} sends the durations it is told about, so that session, stream and transport code records
 * them without knowing what keeps them ({@link PrometheusMetrics}: histograms). Called on stream, DNS and session
 * threads at once, never per packet: implementations must be thread-safe and must not block.
 */
public interface Timings {
    /** Drops every duration (until a deployment sets its own). */
    Timings NONE = new Timings() {
        @Override
        public void streamOpened(long nanos, boolean connected) {
        }

        @Override
        public void dnsLookup(long nanos) {
        }

        @Override
        public void sessionEnded(WispMetrics.ConnectionKind kind, long nanos) {
        }
    };

    /** CONNECT received → destination connected ({@code connected}), or → refused, failed or given up. */
    void streamOpened(long nanos, boolean connected);

    /** One lookup that went to the resolver (cache hits are not timed). */
    void dnsLookup(long nanos);

    /** WebSocket admitted → connection ended. */
    void sessionEnded(WispMetrics.ConnectionKind kind, long nanos);
}
