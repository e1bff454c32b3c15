package org.wispwar.wisp.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.wispwar.wisp.metrics.Timings;
import org.wispwar.wisp.metrics.WispMetrics;

/** The durations a {@link WispMetrics} passed on, kept for assertions. Thread-safe. */
public final class RecordingTimings implements Timings {
    /** One duration: what was timed ("open ok", "open error", "dns", "session wisp_v1", ...) and how long. */
    public record Timing(String what, long nanos) {
    }

    private final List<Timing> timings = new CopyOnWriteArrayList<>();

    @Override
    public void streamOpened(long nanos, boolean connected) {
        timings.add(new Timing(connected ? "open ok" : "open error", nanos));
    }

    @Override
    public void dnsLookup(long nanos) {
        timings.add(new Timing("dns", nanos));
    }

    @Override
    public void sessionEnded(WispMetrics.ConnectionKind kind, long nanos) {
        timings.add(new Timing("session " + kind.name().toLowerCase(java.util.Locale.ROOT), nanos));
    }

    /** What was timed so far, in order. */
    public List<String> whats() {
        return timings.stream().map(Timing::what).toList();
    }

    public List<Timing> all() {
        return List.copyOf(timings);
    }
}
