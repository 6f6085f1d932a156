package io.plank.web.status;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.plank.health.ListenerMonitor;
import io.plank.health.ListenerStatus;
import io.plank.persistence.capture.CapturedTables;
import io.plank.persistence.changelog.ChangeLog;
import io.plank.persistence.changelog.Retention;
import io.plank.web.socket.Sessions;
import io.plank.web.socket.fanout.Router;
import io.plank.web.socket.fanout.TableStats;

/**
 * {@code /api/status}: sessions, subscriptions per table, captured tables with their mode, subscribers, changes
 * received and change frames delivered, the listener's state, the last {@code seq} it handed on and its lag
 * behind the newest logged change, the log's size, reach and retention, event counts, clients' backlogs. Records, serialised by JSON-B in
 * snake_case.
 */
@Path("status")
@Tag(name = "status", description = "This instance's sessions, tables, listener, change log and backlog")
public class StatusResource {

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

    @Inject
    Retention retention;

    /** The whole answer; absent values (no notification yet, no error) are left out. */
    public record Status(int sessions, Map<String, Integer> subscriptions, Map<String, Table> tables, Listener listener,
                         Log changeLog, Events events, Backlog backlog, List<Instance> instances) {
    }

    /**
     * An instance the database knows of (one that has read this change log, this one included): its name
     * ({@code plank.instance}, or its host and server) and the last seq it saved, at most a second behind.
     */
    public record Instance(String name, long seq, String savedAt, boolean self) {
    }

    public record Table(String mode, int subscribers, long changes, long delivered, double changesPerS, Latency latencyMs) {
    }

    /**
     * Over the last {@code windowS} seconds: frames of the table's live changes that reached clients, and how long each
     * took, in milliseconds, from the change (the database's clock when the row changed) to the send's completion on
     * this server. See {@link TableStats}.
     */
    public record Latency(long windowS, long frames, double p50, double p99, double max) {
    }

    /** {@code instance}: the name this instance's position in the change log is saved under. */
    public record Listener(String instance, String state, long notificationsReceived, long reconnects, String lastNotificationAt,
                           String lastError, long lastSeq, long lag) {
    }

    /**
     * The change log: its newest and oldest kept entry (how far back clients can resume; 0 and absent when empty), the
     * prune watermark, its size, and the retention that prunes it ({@code plank.log.retention-minutes},
     * {@code plank.log.max-rows}).
     */
    public record Log(long newestSeq, long oldestSeq, String oldestAt, long prunedThrough, long approximateRows, long bytes,
                      long retentionMinutes, long maxRows) {
    }

    /** {@code sessionsClosedForOverflow} counts every close for being too slow (1013), whichever limit it met. */
    public record Events(long received, long delivered, long sessionsClosedForOverflow) {
    }

    /** What clients' backlogs hold together, in characters of JSON, and the limit past which the largest are closed. */
    public record Backlog(long chars, long limitChars) {
    }

    @Operation(summary = "What this instance is doing now")
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Status status() {
        Map<String, Integer> subscribers = router.subscribers();
        Map<String, Table> tables = new TreeMap<>();
        capturedTables.all().forEach((table, mode) -> {
            TableStats stats = router.stats(table);
            TableStats.Window window = stats.window();
            tables.put(table, new Table(mode.sqlName(), subscribers.getOrDefault(table, 0), stats.changes(), stats.deliveries(),
                    window.changesPerSecond(), new Latency(window.seconds(), window.delivered(), window.p50(), window.p99(), window.max())));
        });
        ListenerStatus status = listener.status();
        ChangeLog.Stats log = changeLog.stats();
        return new Status(sessions.count(), subscribers, tables,
                new Listener(listener.instance(), status.state().name(), status.notificationsReceived(), status.reconnects(),
                        status.lastNotificationAt() == null ? null : status.lastNotificationAt().toString(),
                        status.lastError(), status.lastSeq(), status.lagBehind(log.newestSeq())),
                new Log(log.newestSeq(), log.oldestSeq(), log.oldestAt() == null ? null : log.oldestAt().toString(),
                        log.prunedThrough(), log.approximateRows(), log.bytes(), retention.retentionMinutes(), retention.maxRows()),
                new Events(router.changesReceived(), sessions.messagesDelivered(), sessions.closedAsTooSlow()),
                new Backlog(sessions.backlogChars(), sessions.backlogLimit()),
                changeLog.instances().stream().map(instance -> new Instance(instance.name(), instance.seq(), instance.savedAt().toString(),
                        instance.name().equals(listener.instance()))).toList());
    }
}
