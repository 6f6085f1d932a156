package io.plank.web.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.plank.health.ListenerMonitor;
import io.plank.health.ListenerState;
import io.plank.health.ListenerStatus;
import io.plank.persistence.capture.CapturedTables;
import io.plank.persistence.changelog.ChangeLog;
import io.plank.web.socket.Sessions;
import io.plank.web.socket.fanout.Router;
import io.plank.web.socket.fanout.TableStats;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;

/**
 * Plank's metrics, in a registry of this deployment's own. Everything but the REST request counts is read at scrape
 * time from what the status resource reads (the router's per-table statistics, the sessions, the listener, the change
 * log), so serving metrics costs the fan-out nothing. Delivery latency is a histogram with fixed buckets over every
 * change frame sent since the instance started (from {@link TableStats#cumulative}).
 */
@ApplicationScoped
public class PlankMetrics {

    /** Upper bounds of the latency buckets, in seconds: from half a millisecond to ten seconds. */
    static final double[] LATENCY_BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private static final long[] LATENCY_BUCKETS_MICROS = micros(LATENCY_BUCKETS);

    @Inject
    Router router;

    @Inject
    Sessions sessions;

    @Inject
    ListenerMonitor listener;

    @Inject
    CapturedTables capturedTables;

    @Inject
    ChangeLog changeLog;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests = Counter.builder()
            .name("plank_http_requests")
            .help("REST requests answered, by resource, method and status")
            .labelNames("resource", "method", "status")
            .register(registry);

    public PlankMetrics() {
        registry.register(this::collect);
    }

    PrometheusRegistry registry() {
        return registry;
    }

    /** Counts a REST request answered with {@code status}. */
    void requestAnswered(String resource, String method, int status) {
        requests.labelValues(resource, method, Integer.toString(status)).inc();
    }

    private MetricSnapshots collect() {
        List<MetricSnapshot> metrics = new ArrayList<>();
        Map<String, Integer> subscribers = router.subscribers();
        var changes = CounterSnapshot.builder().name("plank_table_changes").help("Changes received from the database, per captured table");
        var frames = CounterSnapshot.builder().name("plank_table_frames").help("Change frames queued to clients, per captured table");
        var watching = GaugeSnapshot.builder().name("plank_table_subscribers").help("Clients subscribed, per captured table");
        var latency = HistogramSnapshot.builder().name("plank_table_delivery_latency_seconds").unit(Unit.SECONDS)
                .help("From a change in the database to its frame's send completing on this server, per frame and captured table");
        capturedTables.all().forEach((table, mode) -> {
            Labels labels = Labels.of("table", table, "mode", mode.sqlName());
            TableStats stats = router.stats(table);
            changes.dataPoint(CounterDataPointSnapshot.builder().labels(labels).value(stats.changes()).build());
            frames.dataPoint(CounterDataPointSnapshot.builder().labels(labels).value(stats.deliveries()).build());
            watching.dataPoint(GaugeDataPointSnapshot.builder().labels(labels).value(subscribers.getOrDefault(table, 0)).build());
            TableStats.Cumulative sent = stats.cumulative(LATENCY_BUCKETS_MICROS);
            latency.dataPoint(HistogramDataPointSnapshot.builder().labels(labels)
                    .classicHistogramBuckets(buckets(sent))
                    .sum(sent.sumMicros() / 1_000_000.0)
                    .build());
        });
        metrics.add(changes.build());
        metrics.add(frames.build());
        metrics.add(watching.build());
        metrics.add(latency.build());

        metrics.add(gauge("plank_sessions", "Open WebSocket sessions and event streams", sessions.count()));
        metrics.add(gauge("plank_subscriptions", "Subscriptions, all clients and tables together",
                subscribers.values().stream().mapToInt(Integer::intValue).sum()));
        metrics.add(counter("plank_messages_delivered", "Messages whose send completed, answers and snapshot pages included", sessions.messagesDelivered()));
        metrics.add(counter("plank_sessions_closed_too_slow", "Clients closed for reading too slowly (1013)", sessions.closedAsTooSlow()));
        metrics.add(gauge("plank_backlog_chars", "Characters of JSON waiting for clients, all together", sessions.backlogChars()));
        metrics.add(gauge("plank_backlog_limit_chars", "Past this backlog the clients holding the most are closed", sessions.backlogLimit()));

        ListenerStatus status = listener.status();
        ChangeLog.Stats log = changeLog.stats();
        var state = GaugeSnapshot.builder().name("plank_listener_state").help("1 for the listener's state, 0 for the others");
        for (ListenerState each : ListenerState.values()) {
            state.dataPoint(GaugeDataPointSnapshot.builder().labels(Labels.of("state", each.name())).value(each == status.state() ? 1 : 0).build());
        }
        metrics.add(state.build());
        metrics.add(gauge("plank_listener_lag", "Changes logged that the listener has not handed on yet", status.lagBehind(log.newestSeq())));
        metrics.add(gauge("plank_listener_last_seq", "The last seq the listener handed on", status.lastSeq()));
        metrics.add(counter("plank_listener_reconnects", "Times the listener reconnected to the database", status.reconnects()));
        metrics.add(counter("plank_listener_notifications", "Notifications the listener received", status.notificationsReceived()));
        metrics.add(gauge("plank_log_newest_seq", "The newest seq in the change log", log.newestSeq()));
        metrics.add(gauge("plank_log_pruned_through", "The highest seq retention has removed", log.prunedThrough()));
        metrics.add(gauge("plank_log_rows", "Entries in the change log (PostgreSQL's running estimate)", log.approximateRows()));
        metrics.add(gauge("plank_log_bytes", "The change log's size on disk", log.bytes()));
        return new MetricSnapshots(metrics);
    }

    private static ClassicHistogramBuckets buckets(TableStats.Cumulative sent) {
        double[] bounds = new double[LATENCY_BUCKETS.length + 1];
        long[] counts = new long[bounds.length];
        long below = 0;
        for (int i = 0; i < LATENCY_BUCKETS.length; i++) {
            bounds[i] = LATENCY_BUCKETS[i];
            counts[i] = sent.atMost()[i] - below; // the model wants each bucket's own count; the text format adds them up
            below = sent.atMost()[i];
        }
        bounds[LATENCY_BUCKETS.length] = Double.POSITIVE_INFINITY;
        counts[LATENCY_BUCKETS.length] = sent.count() - below;
        return ClassicHistogramBuckets.of(bounds, counts);
    }

    private static GaugeSnapshot gauge(String name, String help, double value) {
        return GaugeSnapshot.builder().name(name).help(help).dataPoint(GaugeDataPointSnapshot.builder().value(value).build()).build();
    }

    private static CounterSnapshot counter(String name, String help, double value) {
        return CounterSnapshot.builder().name(name).help(help).dataPoint(CounterDataPointSnapshot.builder().value(value).build()).build();
    }

    private static long[] micros(double[] seconds) {
        long[] micros = new long[seconds.length];
        for (int i = 0; i < seconds.length; i++) {
            micros[i] = TimeUnit.NANOSECONDS.toMicros((long) (seconds[i] * 1_000_000_000L));
        }
        return micros;
    }
}
