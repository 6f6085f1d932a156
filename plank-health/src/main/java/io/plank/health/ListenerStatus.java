package io.plank.health;

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
        return lagBehind(newestSeq);
    }

    /** How many log positions up to {@code seq} (the log's newest, say) the listener has not yet handed on. */
    public long lagBehind(long seq) {
        return Math.max(0, seq - lastSeq);
    }

    public boolean listening() {
        return state == ListenerState.LISTENING;
    }
}
