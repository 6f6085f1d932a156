package io.plank.persistence.changelog;

import java.sql.ResultSet;
import java.sql.SQLException;

import io.plank.domain.change.Action;
import io.plank.domain.change.ChangeEvent;

/**
 * A row of {@code plank.change_log} as the {@link ChangeEvent} the listener hands on and replay sends again: selected
 * and read in this one place. The wire frame is built by PostgreSQL ({@code plank.change_frame}), where the data is.
 */
public final class ChangeLogRows {

    /** The columns to select from {@code plank.change_log l}, in the order {@link #event} reads them. */
    public static final String COLUMNS = """
            l.seq, l.table_name, l.action, l.key::text, plank.change_frame(l),
            CASE WHEN l.action = 'UPDATE' THEN l.old_row::text END""";

    private ChangeLogRows() {
    }

    /** The change in the current row of {@code result}, selected with {@link #COLUMNS}. */
    public static ChangeEvent event(ResultSet result) throws SQLException {
        return new ChangeEvent(result.getLong(1), result.getString(2), Action.valueOf(result.getString(3)),
                result.getString(4), false, result.getString(5), result.getString(6));
    }
}
