package io.plank.web.status;

import java.util.TreeMap;

import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonObjectBuilder;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import io.plank.persistence.capture.CapturedTables;
import io.plank.persistence.changelog.ChangeLog;
import io.plank.health.ListenerMonitor;
import io.plank.health.ListenerStatus;
import io.plank.web.socket.SessionRegistry;

/**
 * {@code /api/status}: sessions, subscriptions per table, captured tables with their mode, subscribers, changes
 * received and change frames delivered, the listener's state, the last {@code seq} it handed on and its lag
 * behind the newest logged change, the log's size, event counts.
 */
@Path("status")
public class StatusResource {

    @Inject
    SessionRegistry registry;

    @Inject
    ListenerMonitor listener;

    @Inject
    CapturedTables capturedTables;

    @Inject
    ChangeLog changeLog;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public String status() {
        var sockets = registry.status();
        var subscriptions = Json.createObjectBuilder();
        sockets.subscriptions().forEach(subscriptions::add);
        var tables = Json.createObjectBuilder();
        new TreeMap<>(capturedTables.all()).forEach((table, mode) -> tables.add(table, Json.createObjectBuilder()
                .add("mode", mode.sqlName())
                .add("subscribers", sockets.subscriptions().getOrDefault(table, 0))
                .add("changes", registry.changesOf(table))
                .add("delivered", registry.deliveriesOf(table))));
        ListenerStatus status = listener.status();
        ChangeLog.Stats log = changeLog.stats();
        return Json.createObjectBuilder()
                .add("sessions", sockets.sessions())
                .add("subscriptions", subscriptions)
                .add("tables", tables)
                .add("listener", listener(status)
                        .add("last_seq", status.lastSeq())
                        .add("lag", status.lagBehind(log.newestSeq())))
                .add("change_log", Json.createObjectBuilder()
                        .add("newest_seq", log.newestSeq())
                        .add("pruned_through", log.prunedThrough())
                        .add("approximate_rows", log.approximateRows())
                        .add("bytes", log.bytes()))
                .add("events", Json.createObjectBuilder()
                        .add("received", sockets.changesReceived())
                        .add("delivered", sockets.messagesDelivered())
                        .add("sessions_closed_for_overflow", sockets.overflows()))
                .build()
                .toString();
    }

    private static JsonObjectBuilder listener(ListenerStatus status) {
        var json = Json.createObjectBuilder()
                .add("state", status.state().name())
                .add("notifications_received", status.notificationsReceived())
                .add("reconnects", status.reconnects());
        if (status.lastNotificationAt() != null) {
            json.add("last_notification_at", status.lastNotificationAt().toString());
        }
        if (status.lastError() != null) {
            json.add("last_error", status.lastError());
        }
        return json;
    }
}
