package io.plank.web.overview;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

import io.plank.web.socket.fanout.TableStats;
import io.plank.web.socket.fanout.TableStats.Reading;

/**
 * The last {@link #WINDOW_MILLIS} of each table, from readings of its cumulative figures taken every few seconds:
 * what is recent is the difference between now and the oldest reading in the window. A reading is a few dozen
 * numbers, so the window's memory is fixed however often it is asked.
 */
final class RecentWindow {

    static final long WINDOW_MILLIS = 30_000;

    private static final Deque<Reading> EMPTY = new ArrayDeque<>();

    private final Map<String, Deque<Reading>> readings = new HashMap<>();

    /** Keeps {@code reading} (taken with the slowest frame restarted) and forgets what has left the window. */
    synchronized void add(String table, Reading reading) {
        Deque<Reading> kept = readings.computeIfAbsent(table, name -> new ArrayDeque<>());
        kept.addLast(reading);
        while (reading.atMillis() - kept.peekFirst().atMillis() > WINDOW_MILLIS) {
            kept.removeFirst();
        }
    }

    /** Changes per second and delivery latency between the oldest reading in the window ({@code start} if none) and {@code now}. */
    synchronized Recent between(String table, Reading start, Reading now) {
        Reading from = now.atMillis() - start.atMillis() <= WINDOW_MILLIS ? start : null;
        long slowest = now.slowestMicros();
        for (Reading reading : readings.getOrDefault(table, EMPTY)) {
            if (now.atMillis() - reading.atMillis() > WINDOW_MILLIS) {
                continue;
            }
            if (from == null) {
                from = reading; // the window starts here; this reading's slowest frame came before it
            } else {
                slowest = Math.max(slowest, reading.slowestMicros());
            }
        }
        return recent(from == null ? start : from, now, slowest);
    }

    /** The figures between two readings; {@code slowestMicros}: the slowest frame between them. */
    static Recent recent(Reading from, Reading now, long slowestMicros) {
        double seconds = Math.max(1_000, now.atMillis() - from.atMillis()) / 1000.0;
        long[] counts = new long[now.latencyCounts().length];
        long frames = 0;
        for (int i = 0; i < counts.length; i++) {
            counts[i] = now.latencyCounts()[i] - from.latencyCounts()[i];
            frames += counts[i];
        }
        double maxMs = frames == 0 ? 0 : slowestMicros / 1000.0;
        return new Recent((now.changes() - from.changes()) / seconds, new Snapshot.DeliveryLatency(WINDOW_MILLIS / 1000, frames,
                percentile(counts, frames, 0.5, maxMs), percentile(counts, frames, 0.99, maxMs), maxMs));
    }

    /**
     * The {@code q}-quantile in milliseconds, interpolated within its bucket as Prometheus's {@code histogram_quantile}
     * does, and never above the exact maximum.
     */
    static double percentile(long[] counts, long total, double q, double maxMs) {
        if (total == 0) {
            return 0;
        }
        double rank = q * total;
        long below = 0;
        double[] bounds = TableStats.LATENCY_BOUNDS;
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] > 0 && below + counts[i] >= rank) {
                double lower = i == 0 ? 0 : bounds[i - 1] * 1000;
                double upper = i < bounds.length ? bounds[i] * 1000 : maxMs;
                return Math.min(maxMs, lower + (upper - lower) * (rank - below) / counts[i]);
            }
            below += counts[i];
        }
        return maxMs;
    }

    record Recent(double changesPerSecond, Snapshot.DeliveryLatency deliveryLatencyMs) {
    }
}
