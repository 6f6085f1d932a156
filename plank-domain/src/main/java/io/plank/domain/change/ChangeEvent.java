package io.plank.domain.change;

import java.util.Objects;

/**
 * One committed row change, fired as a CDI event by the listener and observed by whoever pushes it on.
 *
 * <p>{@code frame} is the complete wire message ({@code {"type":"change",...}}) as JSON text. It is
 * built once, where the change enters Plank, so fan-out to any number of clients sends the same
 * string and never serialises again. {@code key} is the primary key as JSON text (a number, a
 * string, or an object for composite keys). {@code seq} is the change's position in the durable
 * change log, or {@link #NO_SEQ} for a table captured in ephemeral mode. {@code oldRow} is the row before an
 * {@code UPDATE} as JSON text, for durably captured tables (null otherwise): a filtered subscription needs it
 * to tell a row that left its filter from one that was never in it.
 */
public record ChangeEvent(long seq, String table, Action action, String key, boolean truncated, String frame, String oldRow) {

    /** The {@code seq} of a change that went through NOTIFY only, not the change log. */
    public static final long NO_SEQ = 0;

    public ChangeEvent {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(frame, "frame");
        if (seq < 0) {
            throw new IllegalArgumentException("seq must not be negative, was " + seq);
        }
    }

    /** A change announced by NOTIFY alone (ephemeral mode): it cannot be replayed. */
    public static ChangeEvent ephemeral(String table, Action action, String key, boolean truncated, String frame) {
        return new ChangeEvent(NO_SEQ, table, action, key, truncated, frame, null);
    }

    public boolean durable() {
        return seq != NO_SEQ;
    }
}
