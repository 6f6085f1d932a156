package io.plank.web.overview;

import java.util.List;
import java.util.Map;

import jakarta.json.bind.annotation.JsonbTransient;

import io.plank.web.socket.fanout.TableStats;

/**
 * This instance at one moment, read once: {@code /api/status} is this record serialised (snake_case), and the metrics
 * and the MXBeans map from it, so each fact has one name everywhere (the table in docs/OPERATIONS.md). Absent values
 * (no notification yet, no error, an empty log's oldest entry) are left out of the JSON.
 */
public record Snapshot(Sessions sessions, Map<String, Integer> subscriptions, long changesReceived, Map<String, Table> tables,
                       Listener listener, Log changeLog, List<Instance> instances) {

    static Snapshot of(Overview.Traffic traffic, Listener listener, Log changeLog, List<Instance> instances) {
        return new Snapshot(traffic.sessions(), traffic.subscriptions(), traffic.changesReceived(), traffic.tables(), listener,
                changeLog, instances);
    }

    /**
     * The open sessions (WebSocket and event stream), messages whose send completed (answers and snapshot pages
     * included), sessions closed for being too slow (1013, whichever limit they met), live subscriptions whose client
     * fell behind and read on from the log instead, new connections refused over the admission rate (503), and what
     * clients' backlogs hold together, in characters of JSON, against the limit past which the largest are closed.
     */
    public record Sessions(int open, long messagesDelivered, long closedTooSlow, long fellBehind, long refusedAdmission,
                           long backlogChars, long backlogLimitChars) {
    }

    /**
     * A captured table: its mode, subscribers, changes received and change frames queued to clients since this
     * instance started; over the last {@code delivery_latency_ms.window_s} seconds, changes per second and the delivery
     * latency. {@code latencySinceStart} is the histogram behind them, for the metrics only.
     */
    public record Table(String mode, int subscribers, long changes, long framesQueued, double changesPerSecond,
                        DeliveryLatency deliveryLatencyMs, @JsonbTransient TableStats.Reading latencySinceStart) {
    }

    /**
     * Over the last {@code windowS} seconds: frames of the table's live changes that reached clients, and how long they
     * took, in milliseconds, from the change (the database's clock when the row changed) to the send's completion on
     * this server; 0 when none did. Percentiles are read from the histogram's buckets (within about 12%), the maximum
     * is exact.
     */
    public record DeliveryLatency(long windowS, long frames, double p50, double p99, double max) {
    }

    /**
     * {@code instance}: the name this instance's position in the change log is saved under; {@code captureMethod}: how
     * durable tables are captured ({@code trigger}, {@code logical}; {@code unknown} before the database was reached);
     * {@code captureFallback}: why {@code plank.capture.method=auto} captures by trigger, absent when it does not.
     */
    public record Listener(String instance, String state, long notificationsReceived, long reconnects, String lastNotificationAt,
                           String lastError, long lastSeq, long lag, String captureMethod, String captureFallback) {
    }

    /**
     * The change log: its newest and oldest kept entry (how far back clients can resume; 0 and absent when empty), the
     * prune watermark, its size (rows: PostgreSQL's running estimate), and the retention that prunes it
     * ({@code plank.log.retention-minutes}, {@code plank.log.max-rows}).
     */
    public record Log(long newestSeq, long oldestSeq, String oldestAt, long prunedThrough, long approximateRows, long bytes,
                      long retentionMinutes, long maxRows) {
    }

    /**
     * An instance the database knows of (one that has read this change log, this one included): its name
     * ({@code plank.instance}, or its host and server) and the last seq it saved, at most a second behind.
     */
    public record Instance(String name, long seq, String savedAt, boolean self) {
    }
}
