package org.wispwar.wisp.endpoint;

/** The JMX view of a deployment's live counters (see {@link org.wispwar.wisp.session.WispMetrics}). */
public interface WispStatsMBean {
    long getSessions();

    long getStreams();

    long getThreads();

    long getSockets();

    long getStreamsOpened();

    long getBytesFromClients();

    long getBytesToClients();

    long getUdpDatagramsDropped();
}
