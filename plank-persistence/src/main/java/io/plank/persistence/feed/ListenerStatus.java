package io.plank.persistence.feed;

import java.time.Instant;

/**
 * A snapshot of the listener for health checks and the status resource.
 *
 * @param lastSeq the last change-log {@code seq} the listener handed on (0 before the first)
 */
public record ListenerStatus(ListenerState state, long notificationsReceived, long reconnects,
                             Instant lastNotificationAt, String lastError, long lastSeq) {

    public boolean listening() {
        return state == ListenerState.LISTENING;
    }
}
