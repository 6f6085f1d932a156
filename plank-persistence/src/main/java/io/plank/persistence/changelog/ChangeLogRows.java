package io.plank.persistence.changelog;

import java.sql.ResultSet;
import java.sql.SQLException;

import io.plank.domain.change.Action;
import io.plank.domain.change.ChangeEvent;

/**
 * A row of {@code plank.change_log} as the {@link ChangeEvent} the listener hands on and replay sends again: selected
 * and read in this one place, so a live change and the same change replayed are alike, down to where it stands in its
 * transaction. The row of a DELETE is the row as it was.
 */
public final class ChangeLogRows {

    /**
     * The columns to select from {@code plank.change_log l}, in the order {@link #event} reads them. Where a row's
     * transaction started in its table, and whether the row is its last there, is asked of the whole log (one index
     * probe each), not of the rows read with it: a
     * committed transaction's rows are all visible in the statement's snapshot, wherever a page of rows ends and however
     * other transactions' rows interleave with them (see V4__transactions.sql).
     */
    public static final String COLUMNS = """
            l.seq, l.table_name, l.action, l.key::text, COALESCE(l.new_row, l.old_row)::text,
            CASE WHEN l.action = 'UPDATE' THEN l.old_row::text END,
            (extract(epoch FROM l.changed_at) * 1000000)::bigint,
            l.tx,
            (SELECT min(t.seq) FROM plank.change_log t WHERE t.tx = l.tx AND t.table_name = l.table_name),
            NOT EXISTS (SELECT 1 FROM plank.change_log t WHERE t.tx = l.tx AND t.table_name = l.table_name AND t.seq > l.seq)""";

    /** How many columns {@link #COLUMNS} selects. */
    public static final int COLUMN_COUNT = 10;

    private ChangeLogRows() {
    }

    /** The change in the current row of {@code result}, selected with {@link #COLUMNS}. */
    public static ChangeEvent event(ResultSet result) throws SQLException {
        long tx = result.getLong(8); // 0 for rows logged before V4: no transaction
        return new ChangeEvent(result.getLong(1), result.getString(2), Action.valueOf(result.getString(3)),
                result.getString(4), result.getString(5), result.getString(6), result.getLong(7), false,
                tx == 0 ? ChangeEvent.Tx.NONE : new ChangeEvent.Tx(tx, result.getLong(9), result.getBoolean(10)));
    }
}
