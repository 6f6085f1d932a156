package io.plank.domain.change;

import java.util.Objects;

/**
 * One committed row change, fired as a CDI event by the listener and observed by whoever pushes it on.
 *
 * <p>The change's fields as the database gave them: {@code key} is the primary key as JSON text (a number, a string,
 * or an object for composite keys), {@code row} the row as JSON text (after the change; for a DELETE, as it was),
 * {@code oldRow} the row before an UPDATE, for durably captured tables (null otherwise: a filtered subscription needs
 * it to tell a row that left its filter from one that was never in it). {@code seq} is the change's position in the
 * durable change log, or {@link #NO_SEQ} for a table captured in ephemeral mode. A {@link Action#TRUNCATE} has no key
 * and no row: every row of the table is gone. {@code atMicros} is when the
 * database made the change (its clock, in microseconds since the epoch). {@code truncated}: an ephemeral change too
 * large for a notification, announced without its row (and maybe its key). {@code tx}: the writing transaction and
 * where this change stands in it ({@link Tx#NONE} for ephemeral changes and those logged before transactions were).
 * The wire frame is made from these once, by whoever sends it on.
 */
public record ChangeEvent(long seq, String table, Action action, String key, String row, String oldRow, long atMicros,
                          boolean truncated, Tx tx) {

    /** The {@code seq} of a change that went through NOTIFY only, not the change log. */
    public static final long NO_SEQ = 0;

    /**
     * The transaction a logged change was written in ({@code id}, PostgreSQL's 64-bit transaction id): the
     * {@code seq} of its first change to this change's table, and whether this is its {@code last} change to the
     * table. A transaction's changes are not contiguous in the log (concurrent writers interleave), so only
     * {@code last} says that no more of it will come for the table.
     */
    public record Tx(long id, long firstSeq, boolean last) {

        /** No transaction known: the change stands alone. */
        public static final Tx NONE = new Tx(0, 0, true);

        public boolean known() {
            return id != 0;
        }
    }

    public ChangeEvent {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(tx, "tx");
        if (seq < 0) {
            throw new IllegalArgumentException("seq must not be negative, was " + seq);
        }
    }

    /** A change outside any known transaction. */
    public ChangeEvent(long seq, String table, Action action, String key, String row, String oldRow, long atMicros, boolean truncated) {
        this(seq, table, action, key, row, oldRow, atMicros, truncated, Tx.NONE);
    }

    /** A change announced by NOTIFY alone (ephemeral mode): it cannot be replayed. */
    public static ChangeEvent ephemeral(String table, Action action, String key, String row, long atMicros, boolean truncated) {
        return new ChangeEvent(NO_SEQ, table, action, key, row, null, atMicros, truncated);
    }

    public boolean durable() {
        return seq != NO_SEQ;
    }

    /** True if this is the first change of its transaction to the table, or stands alone. */
    public boolean txFirst() {
        return !tx.known() || tx.firstSeq() >= seq;
    }

    /** True if no more changes of its transaction to the table follow this one. */
    public boolean txLast() {
        return tx.last();
    }

    /** True if this is one of several changes of its transaction to the table: the transaction may end apart from it. */
    public boolean inSharedTx() {
        return tx.known() && !(txFirst() && txLast());
    }
}
