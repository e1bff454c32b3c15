package org.wispwar.wisp.session;

/**
 * The credit rule of one TCP stream (design.md §5), as plain arithmetic: when {@code -up} may refill the client's
 * credit, and with what value. Used by the stream's {@code -up} thread only; not thread-safe.
 *
 * <p>A grant is a value the client's counter is set to: the initial credit B (stream 0's CONTINUE, granted when the
 * stream opens), the ext 0x05 confirmation, and each refill. A refill is due when
 * <ol>
 *   <li>B/2 packets have been written since the last grant (refills are coalesced), and</li>
 *   <li>at least as many packets as the last grant allowed have <em>arrived</em> since it was granted, and</li>
 *   <li>the free space {@code B - unwritten} is positive; that is the value sent, and</li>
 *   <li>the stream holds less than its byte budget: a client sending large packets waits for the destination instead
 *       of being granted more while its bytes fill memory. Once the stream drains, the refill that was due goes out
 *       (it is withheld, not lost: nothing else of the state changes).</li>
 * </ol>
 *
 * <p>Why rule 2: a CONTINUE replaces the client's counter and is never acknowledged, so a refill sent while older
 * credit may still be unspent lets the client send both; with several such refills unreceived the excess has no bound
 * (the earlier rule, 1 and 3 only, let an honest full-speed client pass 2B and get CLOSE 0x49). With rule 2, by
 * induction over the grants, every packet the client sent before it received grant j had already arrived when grant j
 * was made; so everything that can still arrive is covered by the newest grant, and {@code unwritten} never exceeds B.
 * The ext 0x05 confirmation is granted at connect time without rule 2, which can add the initial credit's packets
 * still in flight: at most B more, so an honest client stays within the hard cap of 2B in every case.
 * {@code CreditWindowTest} checks both bounds over every interleaving for small B.
 *
 * <p>It never stalls an honest client: a client waiting for credit has received the last grant and sent all of it, so
 * rule 2 holds, and once those packets are written rules 1 and 3 hold too. The price is that a client spending credit
 * as fast as it can waits about one round trip per window, as with a TCP window of B packets.
 */
final class CreditWindow {
    private final int window;
    private final int refillAfter;
    /** Packets arrived when the last grant was made; the initial credit is granted at 0. */
    private long grantedAt;
    /** The last grant's value. */
    private int granted;
    /** Packets written since the last grant. */
    private int writtenSince;

    CreditWindow(int window) {
        this.window = window;
        this.refillAfter = Math.max(1, window / 2);
        this.granted = window;
    }

    /** The ext 0x05 confirmation's value (the free space, at least 0), granted unconditionally. */
    int confirm(int unwritten, long arrived) {
        int value = Math.max(0, window - unwritten);
        grant(value, arrived);
        return value;
    }

    /** Counts packets {@code -up} has written; true when a refill may be due (rule 1), so the backlog is worth reading. */
    boolean written(int packets) {
        writtenSince += packets;
        return writtenSince >= refillAfter;
    }

    /** The refill to send now, given the stream's backlog; 0 when none is due. A positive answer is a grant. */
    int refill(int unwritten, long arrived) {
        return refill(unwritten, arrived, false);
    }

    /** As {@link #refill(int, long)}, withheld (0, state unchanged) while {@code overBudget}. */
    int refill(int unwritten, long arrived, boolean overBudget) {
        if (overBudget || writtenSince < refillAfter || arrived - grantedAt < granted) {
            return 0;
        }
        int value = window - unwritten;
        if (value <= 0) {
            return 0;
        }
        grant(value, arrived);
        return value;
    }

    private void grant(int value, long arrived) {
        granted = value;
        grantedAt = arrived;
        writtenSince = 0;
    }

    /** The rule's whole state, for tests that explore it exhaustively. */
    record State(long grantedAt, int granted, int writtenSince) {
    }

    State state() {
        return new State(grantedAt, granted, writtenSince);
    }

    static CreditWindow of(int window, State state) {
        CreditWindow w = new CreditWindow(window);
        w.grantedAt = state.grantedAt();
        w.granted = state.granted();
        w.writtenSince = state.writtenSince();
        return w;
    }
}
