package io.plank.web.socket.fanout;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;

/**
 * One captured table's traffic through this instance since it started: changes received, change frames queued to
 * clients, and the delivery latency of its live change frames, in a Prometheus histogram (the metrics' histogram and
 * the status's recent percentiles are both read from it) with the slowest frame beside it, which a histogram does not
 * keep.
 *
 * <p>Latency is measured for each frame sent to each client, from the change's time (the database's clock when the
 * row changed, inside the writing transaction: {@code clock_timestamp()} in the capture trigger) to the moment the
 * server's WebSocket stack reports the frame sent (the send's completion, on this server's clock). Both clocks are
 * the machine's wall clock; on two machines they must be kept in step (NTP). Recording runs on the sender threads for
 * every frame: it takes no lock (the classic histogram's striped counters and a max accumulator; a Prometheus summary
 * would lock on every observation) and, once compiled, allocates nothing (measured: the client's 1.8.0 creates an
 * {@code AtomicBoolean} per observation for its native buckets, which C2 removes when they are off, as here). The
 * histogram holds counts only, so what is recent is what changed between two {@link Reading}s.
 */
public final class TableStats {

    /**
     * Upper bounds of the latency buckets, in seconds: the R10 preferred numbers (ten per decade, each about 25% above
     * the last) from 0.1 ms to 10 s, fine enough for percentiles within about 12%. Includes every bound of the
     * coarser histogram the metrics show.
     */
    public static final double[] LATENCY_BOUNDS = preferredNumbers(0.0001, 10);

    private final LongAdder changes = new LongAdder();
    private final LongAdder frames = new LongAdder();
    private final Histogram latencies = Histogram.builder()
            .name("plank_table_delivery_latency_seconds")
            .classicOnly()
            .classicUpperBounds(LATENCY_BOUNDS)
            .withoutExemplars()
            .build();
    /** The slowest frame since the last {@link #read(boolean) reading that restarted it}, in microseconds. */
    private final LongAccumulator slowest = new LongAccumulator(Math::max, 0);
    private final long startedAtMillis = System.currentTimeMillis();

    /**
     * The cumulative figures at {@code atMillis}. {@code latencyCounts} holds each bucket's own count (the last is
     * above {@link #LATENCY_BOUNDS}' last); {@code slowestMicros} is the slowest frame since the previous reading that
     * restarted it.
     */
    public record Reading(long atMillis, long changes, long frames, long[] latencyCounts, double latencySumSeconds, long slowestMicros) {

        public long latencyCount() {
            long count = 0;
            for (long each : latencyCounts) {
                count += each;
            }
            return count;
        }
    }

    void changed() {
        changes.increment();
    }

    void delivered(int count) {
        frames.add(count);
    }

    /** A frame of this table reached a client {@code micros} after the change. */
    public void latency(long micros) {
        long bounded = Math.max(0, micros);
        latencies.observe(bounded / 1_000_000.0);
        slowest.accumulate(bounded);
    }

    public long changes() {
        return changes.sum();
    }

    public long frames() {
        return frames.sum();
    }

    /** What this table's figures were when this instance first saw it: all zero. */
    public Reading start() {
        return new Reading(startedAtMillis, 0, 0, new long[LATENCY_BOUNDS.length + 1], 0, 0);
    }

    /**
     * The figures as of now. With {@code restartSlowest} the slowest frame is counted afresh from now on (the
     * overview's readings every few seconds); without, it is left to go on (a reader asking in between).
     */
    public Reading read(boolean restartSlowest) {
        HistogramDataPointSnapshot point = latencies.collect().getDataPoints().get(0);
        ClassicHistogramBuckets buckets = point.getClassicBuckets();
        long[] counts = new long[buckets.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = buckets.getCount(i);
        }
        return new Reading(System.currentTimeMillis(), changes.sum(), frames.sum(), counts, point.getSum(),
                restartSlowest ? slowest.getThenReset() : slowest.get());
    }

    private static double[] preferredNumbers(double from, double to) {
        double[] r10 = {1, 1.25, 1.6, 2, 2.5, 3.15, 4, 5, 6.3, 8};
        int decades = (int) Math.round(Math.log10(to / from));
        double[] bounds = new double[decades * r10.length + 1];
        for (int decade = 0; decade < decades; decade++) {
            for (int i = 0; i < r10.length; i++) {
                // Rounded, so that 0.0025 is 0.0025 and the metrics' bounds are found among these.
                bounds[decade * r10.length + i] = new BigDecimal(r10[i] * from * Math.pow(10, decade)).round(new MathContext(6)).doubleValue();
            }
        }
        bounds[bounds.length - 1] = to;
        return bounds;
    }
}
