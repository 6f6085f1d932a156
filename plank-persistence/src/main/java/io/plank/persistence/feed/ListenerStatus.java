package io.plank.persistence.feed;

import java.time.Instant;

/** A snapshot of the listener for health checks and the status resource. */
public record ListenerStatus(ListenerState state, long notificationsReceived, long reconnects,
                             Instant lastNotificationAt, String lastError) {

    public boolean listening() {
        return state == ListenerState.LISTENING;
    }
}
