package io.plank.web.socket.fanout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** A table's latency figures: the sliding window, and the cumulative counts behind the metrics' histogram. */
class TableStatsTest {

    @Test
    void theCumulativeFiguresCountEveryLatencySinceTheStartByUpperBound() {
        var stats = new TableStats();
        for (long micros : new long[] {200, 800, 800, 3_000, 40_000, 2_000_000}) {
            stats.latency(micros);
        }
        TableStats.Cumulative first = stats.cumulative(new long[] {500, 1_000, 10_000, 1_000_000});
        assertArrayEquals(new long[] {1, 3, 4, 5}, first.atMost());
        assertEquals(6, first.count());
        assertEquals(2_044_800, first.sumMicros(), 2_044_800 * 0.002, "the sum, to HdrHistogram's precision");

        stats.latency(100);
        TableStats.Cumulative second = stats.cumulative(new long[] {500, 1_000, 10_000, 1_000_000});
        assertArrayEquals(new long[] {2, 4, 5, 6}, second.atMost(), "counts only grow: nothing leaves with the window");
        assertEquals(7, second.count());
        assertEquals(7, stats.window().delivered(), "the window still sees them all (they are recent)");
    }

    @Test
    void askingOftenAddsNoSlicesAndLosesNothing() {
        var stats = new TableStats();
        for (int i = 0; i < 2_000; i++) {
            stats.latency(1_000 + i);
            stats.window();
            stats.cumulative(new long[] {10_000});
        }
        assertEquals(1, stats.slices(), "2,000 askings within a slice's span share one slice");
        assertEquals(2_000, stats.window().delivered());
        assertEquals(2_000, stats.cumulative(new long[] {10_000}).count());
    }
}
