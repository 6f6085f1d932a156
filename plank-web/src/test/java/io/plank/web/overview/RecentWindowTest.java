package io.plank.web.overview;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.plank.web.socket.fanout.TableStats;
import io.plank.web.socket.fanout.TableStats.Reading;

/** The recent figures: what changed between the oldest reading in the window and now, percentiles from buckets. */
class RecentWindowTest {

    private static final int BUCKETS = TableStats.LATENCY_BOUNDS.length + 1;

    @Test
    void theWindowStartsAtItsOldestReadingAndForgetsOlderOnes() {
        var window = new RecentWindow();
        Reading start = reading(0, 0, new long[BUCKETS], 0);
        window.add("t", reading(10_000, 100, counts(0.001, 10), 9_000));     // left the window by 45 s
        window.add("t", reading(20_000, 200, counts(0.001, 20), 900));       // the window's start at 45 s
        window.add("t", reading(40_000, 400, counts(0.001, 40), 700));
        RecentWindow.Recent recent = window.between("t", start, reading(45_000, 450, counts(0.001, 45), 600));

        assertEquals(250 / 25.0, recent.changesPerSecond(), 1e-9, "250 changes in the 25 s since the oldest reading kept");
        Snapshot.DeliveryLatency latency = recent.deliveryLatencyMs();
        assertEquals(30, latency.windowS());
        assertEquals(25, latency.frames());
        assertEquals(0.7, latency.max(), "the slowest after the window's start; 0.9 ms came before it");
    }

    @Test
    void aYoungTableIsMeasuredFromItsStart() {
        var window = new RecentWindow();
        Reading start = reading(0, 0, new long[BUCKETS], 0);
        window.add("t", reading(5_000, 50, counts(0.001, 5), 800));
        RecentWindow.Recent recent = window.between("t", start, reading(8_000, 80, counts(0.001, 8), 300));
        assertEquals(10, recent.changesPerSecond(), 1e-9);
        assertEquals(8, recent.deliveryLatencyMs().frames());
        assertEquals(0.8, recent.deliveryLatencyMs().max());
    }

    @Test
    void percentilesAreInterpolatedWithinTheirBucketAndNeverAboveTheMaximum() {
        long[] counts = new long[BUCKETS];
        int oneMs = index(0.001);
        counts[oneMs] = 50;        // (0.8 ms, 1 ms]
        counts[oneMs + 4] = 49;    // (2 ms, 2.5 ms]
        counts[BUCKETS - 1] = 1;   // above 10 s
        assertEquals(1.0, RecentWindow.percentile(counts, 100, 0.5, 12_000), 1e-9, "the 50th of 100 at the top of its bucket");
        assertEquals(2.5, RecentWindow.percentile(counts, 100, 0.99, 12_000), 1e-9);
        assertEquals(12_000, RecentWindow.percentile(counts, 100, 1, 12_000), 1e-9, "above the last bound: the maximum");
        assertEquals(0.9, RecentWindow.percentile(counts, 100, 0.5, 0.9), 1e-9, "clamped to the exact maximum");
        assertEquals(0, RecentWindow.percentile(new long[BUCKETS], 0, 0.5, 0));
    }

    @Test
    void nothingDeliveredIsAllZero() {
        Reading zero = reading(0, 0, new long[BUCKETS], 0);
        RecentWindow.Recent recent = RecentWindow.recent(zero, reading(30_000, 0, new long[BUCKETS], 0), 0);
        assertEquals(new Snapshot.DeliveryLatency(30, 0, 0, 0, 0), recent.deliveryLatencyMs());
        assertTrue(recent.changesPerSecond() == 0);
    }

    private static Reading reading(long at, long changes, long[] counts, long slowestMicros) {
        return new Reading(at, changes, changes, counts, 0, slowestMicros);
    }

    private static long[] counts(double seconds, long frames) {
        long[] counts = new long[BUCKETS];
        counts[index(seconds)] = frames;
        return counts;
    }

    private static int index(double seconds) {
        int i = 0;
        while (i < TableStats.LATENCY_BOUNDS.length && seconds > TableStats.LATENCY_BOUNDS[i]) {
            i++;
        }
        return i;
    }
}
