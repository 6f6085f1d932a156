package io.plank.persistence.changelog;

import java.sql.ResultSet;
import java.sql.SQLException;

import io.plank.domain.change.Action;
import io.plank.domain.change.ChangeEvent;

/**
 * A row of {@code plank.change_log} as the {@link ChangeEvent} the listener hands on and replay sends again: selected
 * and read in this one place. The row of a DELETE is the row as it was.
 */
public final class ChangeLogRows {

    /** The columns to select from {@code plank.change_log l}, in the order {@link #event} reads them. */
    public static final String COLUMNS = """
            l.seq, l.table_name, l.action, l.key::text, COALESCE(l.new_row, l.old_row)::text,
            CASE WHEN l.action = 'UPDATE' THEN l.old_row::text END,
            (extract(epoch FROM l.changed_at) * 1000000)::bigint""";

    private ChangeLogRows() {
    }

    /** The change in the current row of {@code result}, selected with {@link #COLUMNS}. */
    public static ChangeEvent event(ResultSet result) throws SQLException {
        return new ChangeEvent(result.getLong(1), result.getString(2), Action.valueOf(result.getString(3)),
                result.getString(4), result.getString(5), result.getString(6), result.getLong(7), false);
    }
}
