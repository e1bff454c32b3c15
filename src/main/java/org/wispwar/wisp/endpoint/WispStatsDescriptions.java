package org.wispwar.wisp.endpoint;

import java.util.Map;

/**
 * What a JMX console shows for the deployment's MBean ({@link WispStatsMBean}) and each of its attributes and
 * operations, keyed by attribute or operation name. A new attribute or operation needs a row here:
 * {@code WispStatsDescriptionsTest} fails for any that shows the JDK's generic text. Immutable.
 */
final class WispStatsDescriptions {
    static final String BEAN = "A Wisp deployment: its live counters (the numbers of GET /<context>/stats) and the"
            + " drain switch for its readiness (GET /<context>/health/ready), and the open connections to list or close";

    static final Map<String, String> BY_NAME = Map.ofEntries(
            Map.entry("Version", "The WAR's version (its MANIFEST's Implementation-Version)"),
            Map.entry("Sessions", "Open connections now: Wisp WebSockets plus wsproxy WebSockets"),
            Map.entry("Streams", "Streams open now, of every type"),
            Map.entry("Threads", "Stream threads alive now (0 when nothing is connected)"),
            Map.entry("Sockets", "Destination sockets open now (0 when nothing is connected)"),
            Map.entry("StreamsOpened", "Streams opened since deploy; a CONNECT refused at the stream cap never opens"),
            Map.entry("BytesFromClients", "Payload bytes received from clients since deploy (DATA payloads, wsproxy"
                    + " messages)"),
            Map.entry("BytesToClients", "Payload bytes sent to clients since deploy"),
            Map.entry("UdpDatagramsDropped", "Datagrams dropped since deploy because their UDP stream's queue was full"),
            Map.entry("StreamsByType", "Streams open now by type: tcp, udp, wsproxy, other (unknown CONNECT types)"),
            Map.entry("StreamsOpenedByType", "Streams opened since deploy by type: tcp, udp, wsproxy, other"),
            Map.entry("ClosesByReason", "Streams ended since deploy by the CLOSE reason sent (or that would have been"
                    + " sent), refusals included"),
            Map.entry("LimitsTripped", "Times each limit refused or throttled something since deploy, by param name"),
            Map.entry("BufferedBytes", "Bytes accepted from clients and not yet written to their destinations, now"),
            Map.entry("BufferedBytesPeak", "The most BufferedBytes has been since deploy"),
            Map.entry("ServerByteBudget", "wisp.serverByteBudget: the cap on BufferedBytes, in bytes"),
            Map.entry("ConnectionByteBudget", "wisp.connectionByteBudget: bytes one WebSocket's streams may hold"),
            Map.entry("StreamByteBudget", "wisp.streamByteBudget: bytes one stream may hold"),
            Map.entry("PooledBytes", "Free buffers kept for reuse, held for no one (not counted in the budgets)"),
            Map.entry("ReadsPaused", "WebSockets not being read now because a byte budget is full"),
            Map.entry("ReadPauses", "Times reading paused since deploy, by the budget that was full (its param name)"),
            Map.entry("Draining", "true while draining: readiness is DOWN and new WebSocket upgrades get 503, while"
                    + " open connections go on"),
            Map.entry("drain", "Stop taking new connections: /health/ready answers 503 DOWN and new WebSocket upgrades"
                    + " (Wisp and wsproxy) get 503 with Retry-After; open connections go on and may open new streams."
                    + " Idempotent"),
            Map.entry("resume", "Take new connections again after drain: readiness UP, upgrades accepted. Idempotent"),
            Map.entry("listConnections", "The open connections (Wisp and wsproxy), oldest first: id (as in the log),"
                    + " client IP, kind (v1, v2, wsproxy), opened at (UTC), streams open, bytes up and down"),
            Map.entry("closeConnection", "Close one connection by its id: each stream gets CLOSE 0x02, then the"
                    + " WebSocket closes with 1008 'closed by the operator'. Returns whether it was open"),
            Map.entry("closeConnection.p0", "The connection id, as listConnections and the log show it (e.g. 3.1f)"));

    private WispStatsDescriptions() {
    }
}
