package io.plank.persistence.feed;

import java.time.Instant;

/**
 * A snapshot of the listener for health checks and the status resource.
 *
 * @param lastSeq   the last change-log {@code seq} the listener handed on (0 before the first)
 * @param newestSeq the newest {@code seq} the listener has seen in the log; above {@code lastSeq} while changes
 *                  wait behind an open transaction or a page still to be read
 */
public record ListenerStatus(ListenerState state, long notificationsReceived, long reconnects,
                             Instant lastNotificationAt, String lastError, long lastSeq, long newestSeq) {

    /** How many log positions the listener has seen but not yet handed on. */
    public long lag() {
        return Math.max(0, newestSeq - lastSeq);
    }

    public boolean listening() {
        return state == ListenerState.LISTENING;
    }
}
