package io.plank.persistence.rows;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

/**
 * A snapshot of a captured table that lines up exactly with the change stream: the matching rows, and the seqs of
 * the table's logged changes that those rows already contain, read in one read-only repeatable-read transaction on a
 * connection of the pool (outside any JTA transaction).
 */
final class Snapshots {

    private static final String VISIBLE_CHANGES = "SELECT seq FROM plank.change_log WHERE table_name = ? AND seq > ? ORDER BY seq";

    private final DataSource dataSource;

    Snapshots(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    long[] snapshot(TableShape shape, RowFilter filter, long afterSeq, int maxRows, int pageRows, int pageBytes,
                    TableRows.PageSink sink) throws SQLException, SnapshotTooLargeException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                try (var statement = connection.createStatement()) {
                    statement.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
                }
                long[] visible = visibleChanges(connection, shape.table(), afterSeq);
                if (count(connection, shape, filter, maxRows + 1) > maxRows) {
                    throw new SnapshotTooLargeException("More than " + maxRows + " rows of '" + shape.table()
                            + "' match; narrow the filter (or raise plank.snapshot.max-rows)");
                }
                rows(connection, shape, filter, pageRows, pageBytes, sink);
                connection.commit();
                return visible;
            } finally {
                connection.rollback();
                connection.setAutoCommit(true);
            }
        }
    }

    private static long[] visibleChanges(Connection connection, String table, long afterSeq) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(VISIBLE_CHANGES)) {
            statement.setString(1, table);
            statement.setLong(2, afterSeq);
            List<Long> seqs = new ArrayList<>();
            try (var result = statement.executeQuery()) {
                while (result.next()) {
                    seqs.add(result.getLong(1));
                }
            }
            return seqs.stream().mapToLong(Long::longValue).toArray();
        }
    }

    private static long count(Connection connection, TableShape shape, RowFilter filter, int limit) throws SQLException {
        String sql = "SELECT count(*) FROM (SELECT 1 FROM " + shape.relation() + " t WHERE " + filter.sql() + " LIMIT ?) matching";
        try (PreparedStatement statement = prepare(connection, sql, filter)) {
            statement.setInt(filter.parameters().size() + 1, limit);
            try (var result = statement.executeQuery()) {
                result.next();
                return result.getLong(1);
            }
        }
    }

    private static void rows(Connection connection, TableShape shape, RowFilter filter, int pageRows, int pageBytes,
                             TableRows.PageSink sink) throws SQLException, SnapshotTooLargeException {
        String order = shape.key().stream().map(column -> "t." + TableShape.quoted(column)).reduce((a, b) -> a + ", " + b).orElse("1");
        String sql = "SELECT to_jsonb(t)::text FROM " + shape.relation() + " t WHERE " + filter.sql() + " ORDER BY " + order;
        try (PreparedStatement statement = prepare(connection, sql, filter)) {
            statement.setFetchSize(pageRows);
            try (var result = statement.executeQuery()) {
                List<String> page = new ArrayList<>();
                int bytes = 0;
                while (result.next()) {
                    String row = result.getString(1);
                    page.add(row);
                    bytes += row.length();
                    if (page.size() >= pageRows || bytes >= pageBytes) {
                        sink.page(page, false);
                        page = new ArrayList<>();
                        bytes = 0;
                    }
                }
                sink.page(page, true);
            }
        }
    }

    private static PreparedStatement prepare(Connection connection, String sql, RowFilter filter) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        List<String> parameters = filter.parameters();
        for (int i = 0; i < parameters.size(); i++) {
            statement.setString(i + 1, parameters.get(i));
        }
        return statement;
    }
}
