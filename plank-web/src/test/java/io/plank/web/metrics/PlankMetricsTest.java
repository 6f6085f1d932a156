package io.plank.web.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import io.plank.web.socket.fanout.TableStats;

/** The metrics show each table's fine latency histogram in the documented coarser buckets, losing no frame. */
class PlankMetricsTest {

    @Test
    void everyMetricsBoundIsAHistogramBound() {
        for (double bound : PlankMetrics.LATENCY_BUCKETS) {
            assertTrue(Arrays.stream(TableStats.LATENCY_BOUNDS).anyMatch(fine -> fine == bound), bound + " among " + Arrays.toString(TableStats.LATENCY_BOUNDS));
        }
    }

    @Test
    void fineBucketsAddUpIntoTheCoarseOnes() {
        var stats = new TableStats();
        for (long micros : new long[] {50, 499, 500, 501, 2_400, 2_500, 2_600, 9_000_000, 60_000_000}) {
            stats.latency(micros);
        }
        var buckets = PlankMetrics.buckets(stats.read(false).latencyCounts());
        assertEquals(15, buckets.size(), "14 bounds and +Inf");
        assertEquals(3, buckets.getCount(0), "at most 0.5 ms: 50, 499, 500 us");
        assertEquals(1, buckets.getCount(1), "(0.5, 1] ms: 501 us");
        assertEquals(2, buckets.getCount(2), "(1, 2.5] ms: 2.4 and 2.5 ms");
        assertEquals(1, buckets.getCount(3), "(2.5, 5] ms");
        assertEquals(1, buckets.getCount(13), "(5, 10] s");
        assertEquals(1, buckets.getCount(14), "above 10 s");
        assertEquals(Double.POSITIVE_INFINITY, buckets.getUpperBound(14));
    }
}
