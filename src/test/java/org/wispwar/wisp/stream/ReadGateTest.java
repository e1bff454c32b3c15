package org.wispwar.wisp.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.wispwar.wisp.limits.ByteBudget;
import org.wispwar.wisp.metrics.WispMetrics;
import org.wispwar.wisp.testing.RecordingReadControl;

/** When reading pauses and resumes, which budget is blamed, and that pause and resume always alternate. */
class ReadGateTest {
    final ByteBudget server = new ByteBudget("wisp.serverByteBudget", 1000, null);
    final ByteBudget connection = server.child("wisp.connectionByteBudget", 400);
    final ByteBudget stream = connection.child("wisp.streamByteBudget", 100);
    final RecordingReadControl control = new RecordingReadControl();
    final WispMetrics metrics = new WispMetrics();
    final ReadGate gate = new ReadGate(control, connection, metrics);

    @Test
    void aFullStreamPausesUntilItHasDrainedToHalf() {
        stream.charge(100);
        gate.afterPart(stream);
        assertTrue(control.paused());
        assertEquals(1, metrics.readsPaused());
        assertEquals(Map.of("wisp.streamByteBudget", 1L), metrics.readPauses());
        gate.afterPart(stream);
        assertEquals(1, control.pauses(), "paused once");
        stream.release(49);
        assertTrue(control.paused(), "51 of 100 held");
        stream.release(1);
        assertFalse(control.paused(), "resumed at half");
        assertEquals(0, metrics.readsPaused());
        assertEquals(0, control.misuses());
    }

    @Test
    void aStreamThatDrainedStillWaitsForAFullConnection() {
        ByteBudget other = connection.child("wisp.streamByteBudget", 1000);
        other.charge(350);
        stream.charge(100);
        gate.afterPart(stream);
        stream.release(50);
        assertTrue(control.paused(), "the stream is at half, but the connection holds 400 of 400");
        other.release(351);
        assertFalse(control.paused(), "the connection drained to half (49 of 400)");
    }

    @Test
    void aStreamThatDrainedResumesWhenItsReleaseAlsoEmptiedTheConnection() {
        ByteBudget other = connection.child("wisp.streamByteBudget", 1000);
        other.charge(300);
        stream.charge(100);
        gate.afterPart(stream);
        stream.release(100);
        assertFalse(control.paused(), "after the release the connection holds 300 of 400: not full");
    }

    @Test
    void aFullServerPausesEveryConnectionThatReadsUntilItDrains() {
        ByteBudget elsewhere = server.child("wisp.connectionByteBudget", 1000);
        elsewhere.charge(1000);
        gate.afterPart(null);
        assertTrue(control.paused());
        assertEquals(Map.of("wisp.serverByteBudget", 1L), metrics.readPauses());
        elsewhere.release(499);
        assertTrue(control.paused(), "501 of 1000");
        elsewhere.release(1);
        assertFalse(control.paused());
    }

    @Test
    void nothingFullNothingPaused() {
        stream.charge(99);
        gate.afterPart(stream);
        assertFalse(control.paused());
        assertEquals(0, control.pauses());
    }

    @Test
    void closingLetsAPausedReaderGoAndPausesNoMore() {
        stream.charge(100);
        gate.afterPart(stream);
        gate.close();
        assertFalse(control.paused());
        assertEquals(0, metrics.readsPaused());
        gate.afterPart(stream);
        assertFalse(control.paused(), "a closed gate never pauses");
        stream.release(100);
        assertEquals(0, control.misuses());
    }
}
