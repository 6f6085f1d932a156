package io.plank.web.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.plank.health.ListenerState;
import io.plank.web.overview.Overview;
import io.plank.web.overview.Snapshot;
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
 * Plank's metrics, in a registry of this deployment's own. Everything but the REST request counts is mapped at scrape
 * time from the {@link Overview}'s snapshot, under the names the status uses ({@code plank_} and the same words), so
 * serving metrics costs the fan-out nothing. Delivery latency is each table's histogram since the instance started,
 * shown in the coarser buckets below.
 */
@ApplicationScoped
public class PlankMetrics {

    /** Upper bounds of the latency buckets, in seconds: from half a millisecond to ten seconds. */
    static final double[] LATENCY_BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    @Inject
    Overview overview;

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
        return map(overview.read());
    }

    /** The snapshot under Prometheus's names: {@code plank_}, the group and the status's words. */
    static MetricSnapshots map(Snapshot now) {
        List<MetricSnapshot> metrics = new ArrayList<>();
        var changes = CounterSnapshot.builder().name("plank_table_changes").help("Changes received from the database, per captured table");
        var frames = CounterSnapshot.builder().name("plank_table_frames_queued").help("Change frames queued to clients, per captured table");
        var watching = GaugeSnapshot.builder().name("plank_table_subscribers").help("Clients subscribed, per captured table");
        var latency = HistogramSnapshot.builder().name("plank_table_delivery_latency_seconds").unit(Unit.SECONDS)
                .help("From a change in the database to its frame's send completing on this server, per frame and captured table");
        now.tables().forEach((table, figures) -> {
            Labels labels = Labels.of("table", table, "mode", figures.mode());
            changes.dataPoint(CounterDataPointSnapshot.builder().labels(labels).value(figures.changes()).build());
            frames.dataPoint(CounterDataPointSnapshot.builder().labels(labels).value(figures.framesQueued()).build());
            watching.dataPoint(GaugeDataPointSnapshot.builder().labels(labels).value(figures.subscribers()).build());
            TableStats.Reading sent = figures.latencySinceStart();
            latency.dataPoint(HistogramDataPointSnapshot.builder().labels(labels)
                    .classicHistogramBuckets(buckets(sent.latencyCounts()))
                    .sum(sent.latencySumSeconds())
                    .build());
        });
        metrics.add(changes.build());
        metrics.add(frames.build());
        metrics.add(watching.build());
        metrics.add(latency.build());
        metrics.add(counter("plank_changes_received", "Changes received from the listener, all tables together", now.changesReceived()));
        metrics.add(gauge("plank_subscriptions", "Subscriptions, all clients and tables together",
                now.subscriptions().values().stream().mapToInt(Integer::intValue).sum()));

        Snapshot.Sessions sessions = now.sessions();
        metrics.add(gauge("plank_sessions_open", "Open WebSocket sessions and event streams", sessions.open()));
        metrics.add(counter("plank_sessions_messages_delivered", "Messages whose send completed, answers and snapshot pages included",
                sessions.messagesDelivered()));
        metrics.add(counter("plank_sessions_closed_too_slow", "Clients closed for reading too slowly (1013)", sessions.closedTooSlow()));
        metrics.add(counter("plank_sessions_fell_behind", "Live subscriptions whose client fell behind and read on from the log",
                sessions.fellBehind()));
        metrics.add(counter("plank_sessions_refused_admission", "New connections refused over plank.ws.admission-rate (503)",
                sessions.refusedAdmission()));
        metrics.add(gauge("plank_sessions_backlog_chars", "Characters of JSON waiting for clients, all together", sessions.backlogChars()));
        metrics.add(gauge("plank_sessions_backlog_limit_chars", "Past this backlog the clients holding the most are closed",
                sessions.backlogLimitChars()));

        Snapshot.Listener listener = now.listener();
        var state = GaugeSnapshot.builder().name("plank_listener_state").help("1 for the listener's state, 0 for the others");
        for (ListenerState each : ListenerState.values()) {
            state.dataPoint(GaugeDataPointSnapshot.builder().labels(Labels.of("state", each.name()))
                    .value(each.name().equals(listener.state()) ? 1 : 0).build());
        }
        metrics.add(state.build());
        metrics.add(gauge("plank_listener_lag", "Changes logged that the listener has not handed on yet", listener.lag()));
        metrics.add(gauge("plank_listener_last_seq", "The last seq the listener handed on", listener.lastSeq()));
        metrics.add(counter("plank_listener_reconnects", "Times the listener reconnected to the database", listener.reconnects()));
        metrics.add(counter("plank_listener_notifications_received", "Notifications the listener received", listener.notificationsReceived()));

        Snapshot.Log log = now.changeLog();
        metrics.add(gauge("plank_change_log_newest_seq", "The newest seq in the change log", log.newestSeq()));
        metrics.add(gauge("plank_change_log_oldest_seq", "The oldest seq the change log keeps (0 when empty)", log.oldestSeq()));
        metrics.add(gauge("plank_change_log_pruned_through", "The highest seq retention has removed", log.prunedThrough()));
        metrics.add(gauge("plank_change_log_approximate_rows", "Entries in the change log (PostgreSQL's running estimate)",
                log.approximateRows()));
        metrics.add(gauge("plank_change_log_bytes", "The change log's size on disk", log.bytes()));
        return new MetricSnapshots(metrics);
    }

    /**
     * The table's latency counts in the metrics' coarser buckets: each of {@link TableStats#LATENCY_BOUNDS}' buckets
     * falls wholly in one of {@link #LATENCY_BUCKETS}', since those bounds are among these.
     */
    static ClassicHistogramBuckets buckets(long[] fineCounts) {
        double[] bounds = Arrays.copyOf(LATENCY_BUCKETS, LATENCY_BUCKETS.length + 1);
        bounds[LATENCY_BUCKETS.length] = Double.POSITIVE_INFINITY;
        long[] counts = new long[bounds.length];
        int coarse = 0;
        for (int fine = 0; fine < fineCounts.length; fine++) {
            double upper = fine < TableStats.LATENCY_BOUNDS.length ? TableStats.LATENCY_BOUNDS[fine] : Double.POSITIVE_INFINITY;
            while (upper > bounds[coarse] * (1 + 1e-9)) {
                coarse++;
            }
            counts[coarse] += fineCounts[fine];
        }
        return ClassicHistogramBuckets.of(bounds, counts);
    }

    private static GaugeSnapshot gauge(String name, String help, double value) {
        return GaugeSnapshot.builder().name(name).help(help).dataPoint(GaugeDataPointSnapshot.builder().value(value).build()).build();
    }

    private static CounterSnapshot counter(String name, String help, double value) {
        return CounterSnapshot.builder().name(name).help(help).dataPoint(CounterDataPointSnapshot.builder().value(value).build()).build();
    }
}
