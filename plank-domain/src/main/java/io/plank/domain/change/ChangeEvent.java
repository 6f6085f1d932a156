package io.plank.domain.change;

import java.util.Objects;

/**
 * One committed row change, fired as a CDI event by the listener and observed by whoever pushes it on.
 *
 * <p>The change's fields as the database gave them: {@code key} is the primary key as JSON text (a number, a string,
 * or an object for composite keys), {@code row} the row as JSON text (after the change; for a DELETE, as it was),
 * {@code oldRow} the row before an UPDATE, for durably captured tables (null otherwise: a filtered subscription needs
 * it to tell a row that left its filter from one that was never in it). {@code seq} is the change's position in the
 * durable change log, or {@link #NO_SEQ} for a table captured in ephemeral mode. {@code atMicros} is when the
 * database made the change (its clock, in microseconds since the epoch). {@code truncated}: an ephemeral change too
 * large for a notification, announced without its row (and maybe its key). The wire frame is made from these once,
 * by whoever sends it on.
 */
public record ChangeEvent(long seq, String table, Action action, String key, String row, String oldRow, long atMicros,
                          boolean truncated) {

    /** The {@code seq} of a change that went through NOTIFY only, not the change log. */
    public static final long NO_SEQ = 0;

    public ChangeEvent {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(action, "action");
        if (seq < 0) {
            throw new IllegalArgumentException("seq must not be negative, was " + seq);
        }
    }

    /** A change announced by NOTIFY alone (ephemeral mode): it cannot be replayed. */
    public static ChangeEvent ephemeral(String table, Action action, String key, String row, long atMicros, boolean truncated) {
        return new ChangeEvent(NO_SEQ, table, action, key, row, null, atMicros, truncated);
    }

    public boolean durable() {
        return seq != NO_SEQ;
    }
}
