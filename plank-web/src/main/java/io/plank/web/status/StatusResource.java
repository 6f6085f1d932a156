package io.plank.web.status;

import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonObjectBuilder;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import io.plank.persistence.feed.ListenerMonitor;
import io.plank.persistence.feed.ListenerStatus;
import io.plank.web.socket.SessionRegistry;

/** {@code /api/status}: sessions, subscriptions per table, the listener's state and event counts. */
@Path("status")
public class StatusResource {

    @Inject
    SessionRegistry registry;

    @Inject
    ListenerMonitor listener;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public String status() {
        var sockets = registry.status();
        var subscriptions = Json.createObjectBuilder();
        sockets.subscriptions().forEach(subscriptions::add);
        return Json.createObjectBuilder()
                .add("sessions", sockets.sessions())
                .add("subscriptions", subscriptions)
                .add("listener", listener(listener.status()))
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
