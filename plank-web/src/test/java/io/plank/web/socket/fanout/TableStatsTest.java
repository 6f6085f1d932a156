package io.plank.web.socket.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A table's cumulative figures: the latency histogram's buckets, and the slowest frame restarted by readings. */
class TableStatsTest {

    @Test
    void theBoundsAreTenPerDecadeFromATenthOfAMillisecondToTenSeconds() {
        double[] bounds = TableStats.LATENCY_BOUNDS;
        assertEquals(51, bounds.length);
        assertEquals(0.0001, bounds[0]);
        assertEquals(0.0025, bounds[14]);
        assertEquals(10, bounds[50]);
        for (int i = 1; i < bounds.length; i++) {
            assertTrue(bounds[i] / bounds[i - 1] < 1.3, "about 25% apart: " + bounds[i - 1] + ", " + bounds[i]);
        }
    }

    @Test
    void aReadingCountsEveryLatencyInItsBucketAndKeepsTheSlowest() {
        var stats = new TableStats();
        for (long micros : new long[] {50, 800, 800, 3_000, 40_000, 20_000_000}) {
            stats.latency(micros);
        }
        TableStats.Reading first = stats.read(true);
        assertEquals(6, first.latencyCount());
        assertEquals(1, first.latencyCounts()[0], "50 us: at most 0.1 ms");
        assertEquals(1, first.latencyCounts()[first.latencyCounts().length - 1], "20 s: above the last bound");
        assertEquals(2, first.latencyCounts()[bucketOf(0.0008)], "800 us twice");
        assertEquals(20.04465, first.latencySumSeconds(), 1e-9);
        assertEquals(20_000_000, first.slowestMicros());

        stats.latency(100);
        TableStats.Reading second = stats.read(false);
        assertEquals(7, second.latencyCount(), "counts only grow");
        assertEquals(100, second.slowestMicros(), "the slowest since the reading that restarted it");
        stats.latency(90);
        assertEquals(100, stats.read(false).slowestMicros(), "a reading that does not restart it leaves it going");
    }

    @Test
    void aNegativeLatencyOfClocksOutOfStepCountsAsZero() {
        var stats = new TableStats();
        stats.latency(-5_000);
        TableStats.Reading reading = stats.read(false);
        assertEquals(1, reading.latencyCounts()[0]);
        assertEquals(0, reading.latencySumSeconds());
    }

    private static int bucketOf(double seconds) {
        double[] bounds = TableStats.LATENCY_BOUNDS;
        int i = 0;
        while (i < bounds.length && seconds > bounds[i]) {
            i++;
        }
        return i;
    }
}
