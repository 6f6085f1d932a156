package io.plank.web.overview;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import io.plank.health.CaptureInUse;
import io.plank.health.ListenerMonitor;
import io.plank.health.ListenerStatus;
import io.plank.persistence.capture.CapturedTables;
import io.plank.persistence.changelog.ChangeLog;
import io.plank.persistence.changelog.Retention;
import io.plank.web.limits.Admission;
import io.plank.web.socket.Sessions;
import io.plank.web.socket.fanout.Router;
import io.plank.web.socket.fanout.TableStats;

/**
 * Reads everything Plank shows about itself into one {@link Snapshot} per question: the sessions, the router's
 * tables, the listener, the change log (one query for its figures, one for the instances) and the retention settings.
 * Every {@link #READING_SECONDS} it takes a reading of each table's cumulative figures, off the fan-out's threads,
 * which is what the recent rates and latencies are measured against.
 */
@ApplicationScoped
public class Overview {

    static final long READING_SECONDS = 5;

    @Inject
    Router router;

    @Inject
    Sessions sessions;

    @Inject
    Admission admission;

    @Inject
    ListenerMonitor listener;

    @Inject
    CapturedTables capturedTables;

    @Inject
    ChangeLog changeLog;

    @Inject
    Retention retention;

    // By lookup name: the bean may be created on the listener's thread, outside this WAR's naming context.
    @Resource(lookup = "java:comp/DefaultManagedScheduledExecutorService")
    ManagedScheduledExecutorService scheduler;

    private final RecentWindow window = new RecentWindow();
    private ScheduledFuture<?> readings;

    @PostConstruct
    void init() {
        readings = scheduler.scheduleAtFixedRate(this::takeReadings, READING_SECONDS, READING_SECONDS, TimeUnit.SECONDS);
    }

    /** Created with the application, so the window fills from the start. */
    void start(@Observes @Initialized(ApplicationScoped.class) Object started) {
        // nothing else: being observed makes the container create the bean now
    }

    @PreDestroy
    void stop() {
        if (readings != null) {
            readings.cancel(false);
        }
    }

    void takeReadings() {
        router.allStats().forEach((table, stats) -> window.add(table, stats.read(true)));
    }

    /** Everything, as of now; fails as the database does (its figures are part of it). */
    public Snapshot read() {
        Traffic traffic = traffic();
        ListenerStatus status = listener.status();
        CaptureInUse capture = listener.capture();
        ChangeLog.Stats log = changeLog.stats();
        String self = listener.instance();
        return Snapshot.of(traffic,
                new Snapshot.Listener(self, status.state().name(), status.notificationsReceived(), status.reconnects(),
                        status.lastNotificationAt() == null ? null : status.lastNotificationAt().toString(),
                        status.lastError(), status.lastSeq(), status.lagBehind(log.newestSeq()), capture.method(), capture.fallback()),
                new Snapshot.Log(log.newestSeq(), log.oldestSeq(), log.oldestAt() == null ? null : log.oldestAt().toString(),
                        log.prunedThrough(), log.approximateRows(), log.bytes(), retention.retentionMinutes(), retention.maxRows()),
                changeLog.instances().stream().map(instance -> new Snapshot.Instance(instance.name(), instance.seq(),
                        instance.savedAt().toString(), instance.name().equals(self))).toList());
    }

    /** What this instance does, without the database: the sessions and the captured tables' traffic. */
    public Traffic traffic() {
        Map<String, Integer> subscribers = router.subscribers();
        Map<String, Snapshot.Table> tables = new TreeMap<>();
        capturedTables.all().forEach((table, mode) -> {
            TableStats stats = router.stats(table);
            TableStats.Reading now = stats.read(false);
            RecentWindow.Recent recent = window.between(table, stats.start(), now);
            tables.put(table, new Snapshot.Table(mode.sqlName(), subscribers.getOrDefault(table, 0), now.changes(), now.frames(),
                    recent.changesPerSecond(), recent.deliveryLatencyMs(), now));
        });
        return new Traffic(new Snapshot.Sessions(sessions.count(), sessions.messagesDelivered(), sessions.closedTooSlow(),
                sessions.fellBehind(), admission.refused(), sessions.backlogChars(), sessions.backlogLimitChars()), subscribers, router.changesReceived(), tables);
    }

    /**
     * The part of a snapshot that needs no database: the sessions, subscriptions per table (tables with at least one),
     * changes received from the listener, the captured tables' traffic. The MXBeans read this only, so they answer
     * while the database is away.
     */
    public record Traffic(Snapshot.Sessions sessions, Map<String, Integer> subscriptions, long changesReceived,
                          Map<String, Snapshot.Table> tables) {
    }
}
