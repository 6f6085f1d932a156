package io.plank.web.socket.fanout;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One captured table's traffic through this instance: changes received, change frames queued to clients, and over a
 * sliding window of {@link #WINDOW_MILLIS} the changes per second and the delivery latency of its live change frames.
 *
 * <p>Latency is measured for each frame sent to each client, from the change's time (the database's clock when the
 * row changed, inside the writing transaction: {@code clock_timestamp()} in the capture trigger) to the moment the
 * server's WebSocket stack reports the frame sent (the send's completion, on this server's clock). Both clocks are
 * the machine's wall clock; on two machines they must be kept in step (NTP). Recording takes no lock (HdrHistogram's
 * {@link Recorder}); the window moves in slices of {@link #SLICE_MILLIS}.
 */
public final class TableStats {

    static final long SLICE_MILLIS = 5_000;
    static final long WINDOW_MILLIS = 30_000;
    private static final long MAX_LATENCY_MICROS = 3_600_000_000L;

    /** The window's figures; latencies in milliseconds, 0 when nothing was delivered in it. */
    public record Window(long seconds, double changesPerSecond, long delivered, double p50, double p99, double max) {
    }

    private record Slice(long start, Histogram latencies, long changes) {
    }

    /**
     * Every latency recorded since this instance started: how many took at most each of the bounds asked for, how
     * many in all, and their sum, in microseconds (HdrHistogram's 3 significant digits).
     */
    public record Cumulative(long[] atMost, long count, double sumMicros) {
    }

    private final LongAdder changes = new LongAdder();
    private final LongAdder deliveries = new LongAdder();
    private final Recorder latencies = new Recorder(MAX_LATENCY_MICROS, 3);
    /** Every slice's latencies added up, as they leave the recorder: the cumulative figures cost the sends nothing. */
    private final Histogram total = new Histogram(MAX_LATENCY_MICROS, 3);
    private final LongAdder sliceChanges = new LongAdder();
    private final Deque<Slice> slices = new ArrayDeque<>();
    private volatile long sliceStart = System.currentTimeMillis();
    /** An interval histogram already added to its slice, for the recorder to fill again (guarded by this). */
    private Histogram recycled;

    void changed() {
        changes.increment();
        sliceChanges.increment();
        rotateIfDue(System.currentTimeMillis());
    }

    void delivered(int frames) {
        deliveries.add(frames);
    }

    /** A frame of this table reached a client {@code micros} after the change. */
    public void latency(long micros) {
        latencies.recordValue(Math.max(0, Math.min(micros, MAX_LATENCY_MICROS)));
    }

    public long changes() {
        return changes.sum();
    }

    public long deliveries() {
        return deliveries.sum();
    }

    /** The last {@link #WINDOW_MILLIS} (as far as this instance has run), as of now. */
    public synchronized Window window() {
        long now = System.currentTimeMillis();
        rotate(now, true); // what was recorded up to now belongs in the window
        var merged = new Histogram(3);
        long changed = 0;
        long oldest = sliceStart;
        for (Slice slice : slices) {
            merged.add(slice.latencies());
            changed += slice.changes();
            oldest = Math.min(oldest, slice.start());
        }
        double seconds = Math.max(1, now - oldest) / 1000.0;
        long count = merged.getTotalCount();
        return new Window(WINDOW_MILLIS / 1000, changed / Math.min(seconds, WINDOW_MILLIS / 1000.0), count,
                count == 0 ? 0 : merged.getValueAtPercentile(50) / 1000.0,
                count == 0 ? 0 : merged.getValueAtPercentile(99) / 1000.0,
                count == 0 ? 0 : merged.getMaxValue() / 1000.0);
    }

    /** Since this instance started, as of now; {@code boundsMicros} ascending. */
    public synchronized Cumulative cumulative(long[] boundsMicros) {
        rotate(System.currentTimeMillis(), true);
        long[] atMost = new long[boundsMicros.length];
        for (int i = 0; i < boundsMicros.length; i++) {
            atMost[i] = total.getCountBetweenValues(0, boundsMicros[i]);
        }
        long count = total.getTotalCount();
        return new Cumulative(atMost, count, count == 0 ? 0 : total.getMean() * count);
    }

    /** How many slices the window holds now (for tests). */
    synchronized int slices() {
        return slices.size();
    }

    private void rotateIfDue(long now) {
        if (now - sliceStart >= SLICE_MILLIS) {
            rotate(now, false);
        }
    }

    /**
     * Takes what the recorder holds into the window. An interval that began within the newest slice's span is added to
     * that slice, and its histogram is recycled for the next one: status and metrics may ask many times a second (the
     * admin page, a scraper, a test polling), and each asking must not leave a histogram of its own in the window
     * (a slice per asking held every table's window at hundreds of histograms, and ran a test server out of heap).
     */
    private synchronized void rotate(long now, boolean evenIfEarly) {
        if (!evenIfEarly && now - sliceStart < SLICE_MILLIS) {
            return; // another thread rotated first
        }
        Histogram interval = latencies.getIntervalHistogram(recycled);
        total.add(interval);
        long changed = sliceChanges.sumThenReset();
        long started = sliceStart;
        sliceStart = now;
        Slice newest = slices.peekLast();
        if (newest != null && started - newest.start() < SLICE_MILLIS) {
            newest.latencies().add(interval);
            slices.removeLast();
            slices.addLast(new Slice(newest.start(), newest.latencies(), newest.changes() + changed));
            recycled = interval;
        } else {
            slices.addLast(new Slice(started, interval, changed));
            recycled = null;
        }
        while (!slices.isEmpty() && now - slices.peekFirst().start() > WINDOW_MILLIS) {
            slices.removeFirst();
        }
    }
}
