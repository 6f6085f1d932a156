package io.plank.web.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.plank.web.overview.Snapshot;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;

import org.junit.jupiter.api.Test;

import io.plank.web.socket.fanout.TableStats;

/** The metrics: the snapshot under the status's names, each table's latency histogram in the documented buckets. */
class PlankMetricsTest {

    @Test
    void everyFactHasTheStatusNameWithPlankAndItsGroupInFront() throws Exception {
        var stats = new TableStats();
        stats.latency(700);
        var table = new Snapshot.Table("durable", 2, 5, 7, 0.5, new Snapshot.DeliveryLatency(30, 1, 0.7, 0.7, 0.7), stats.read(false));
        var snapshot = new Snapshot(new Snapshot.Sessions(3, 40, 1, 2, 6, 200, 1000), Map.of("orders", 2), 5, Map.of("orders", table),
                new Snapshot.Listener("a", "LISTENING", 9, 1, null, null, 12, 0, "trigger", null),
                new Snapshot.Log(12, 3, null, 2, 10, 8192, 1440, 1_000_000), List.of());
        var text = new java.io.ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(text, PlankMetrics.map(snapshot));
        List<String> lines = text.toString(java.nio.charset.StandardCharsets.UTF_8).lines().filter(line -> !line.startsWith("#")).toList();

        for (String sample : List.of(
                "plank_table_changes_total{mode=\"durable\",table=\"orders\"} 5.0",
                "plank_table_frames_queued_total{mode=\"durable\",table=\"orders\"} 7.0",
                "plank_table_subscribers{mode=\"durable\",table=\"orders\"} 2.0",
                "plank_table_delivery_latency_seconds_count{mode=\"durable\",table=\"orders\"} 1",
                "plank_table_delivery_latency_seconds_bucket{mode=\"durable\",table=\"orders\",le=\"0.001\"} 1",
                "plank_changes_received_total 5.0",
                "plank_subscriptions 2.0",
                "plank_sessions_open 3.0",
                "plank_sessions_messages_delivered_total 40.0",
                "plank_sessions_closed_too_slow_total 1.0",
                "plank_sessions_fell_behind_total 2.0",
                "plank_sessions_refused_admission_total 6.0",
                "plank_sessions_backlog_chars 200.0",
                "plank_sessions_backlog_limit_chars 1000.0",
                "plank_listener_state{state=\"LISTENING\"} 1.0",
                "plank_listener_lag 0.0",
                "plank_listener_last_seq 12.0",
                "plank_listener_reconnects_total 1.0",
                "plank_listener_notifications_received_total 9.0",
                "plank_change_log_newest_seq 12.0",
                "plank_change_log_oldest_seq 3.0",
                "plank_change_log_pruned_through 2.0",
                "plank_change_log_approximate_rows 10.0",
                "plank_change_log_bytes 8192.0")) {
            assertTrue(lines.contains(sample), sample + " in\n" + String.join("\n", lines));
        }
    }

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
