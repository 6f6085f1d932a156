package io.plank.persistence.rows;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

/**
 * A snapshot of a captured table that lines up exactly with the change stream: the matching rows, and the seqs of
 * the table's logged changes that those rows already contain, read in one read-only repeatable-read transaction on a
 * connection of the pool (outside any JTA transaction).
 *
 * <p>A table captured by logical decoding is logged after its writers commit, so the log lags the rows: a change the
 * snapshot shows may be logged later, with a higher seq. For such a table the snapshot also notes which transactions
 * it sees ({@code pg_current_snapshot()}), then emits a mark into the WAL and waits until the decoder has logged
 * everything committed before the mark; the changes it contains are then exactly the logged ones whose transaction
 * the snapshot sees, wherever they are in the log.
 */
final class Snapshots {

    private static final String VISIBLE_CHANGES = "SELECT seq FROM plank.change_log WHERE table_name = ? AND seq > ? ORDER BY seq";
    private static final String SEEN_CHANGES = """
            SELECT seq FROM plank.change_log
            WHERE table_name = ? AND seq > ? AND pg_visible_in_snapshot(tx::text::xid8, ?::pg_snapshot) ORDER BY seq""";
    private static final String DECODED = "SELECT processed_lsn >= ?::pg_lsn FROM plank.decoder_position";
    /** How long a snapshot waits for the decoder to log what it shows: longer means no decoder runs. */
    private static final long DECODER_WAIT_NANOS = TimeUnit.SECONDS.toNanos(15);
    private static final long DECODER_POLL_MS = 5;

    private final DataSource dataSource;

    Snapshots(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    long[] snapshot(TableShape shape, RowFilter filter, long afterSeq, int maxRows, int pageRows, int pageBytes,
                    TableRows.PageSink sink) throws SQLException, SnapshotTooLargeException {
        try (Connection connection = dataSource.getConnection()) {
            long[] visible;
            String seen;
            connection.setAutoCommit(false);
            try {
                try (var statement = connection.createStatement()) {
                    statement.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
                }
                seen = decodedSnapshot(connection, shape);
                visible = seen == null ? visibleChanges(connection, shape.table(), afterSeq) : null;
                if (count(connection, shape, filter, maxRows + 1) > maxRows) {
                    throw new SnapshotTooLargeException("More than " + maxRows + " rows of '" + shape.table()
                            + "' match; narrow the filter (or raise plank.snapshot.max-rows)");
                }
                rows(connection, shape, filter, pageRows, pageBytes, sink);
                connection.commit();
            } finally {
                connection.rollback();
                connection.setAutoCommit(true);
            }
            if (seen != null) {
                awaitDecoder(connection, shape.table());
                visible = seenChanges(connection, shape.table(), afterSeq, seen);
            }
            return visible;
        }
    }

    /**
     * For a table captured by logical decoding, the transactions this snapshot sees ({@code pg_current_snapshot()},
     * read as the transaction's first statement, so it is the snapshot the rows are read in); null for a trigger.
     */
    private static String decodedSnapshot(Connection connection, TableShape shape) throws SQLException {
        try (var statement = connection.createStatement();
             var result = statement.executeQuery("SELECT plank.published('" + shape.relation().replace("'", "''")
                     + "'::regclass), pg_current_snapshot()::text")) {
            result.next();
            return result.getBoolean(1) ? result.getString(2) : null;
        }
    }

    /** Waits until the decoder has logged every transaction that committed before now (so before the snapshot). */
    private static void awaitDecoder(Connection connection, String table) throws SQLException {
        String mark;
        try (var statement = connection.createStatement();
             var result = statement.executeQuery("SELECT pg_logical_emit_message(false, 'plank', 'snapshot')::text")) {
            result.next();
            mark = result.getString(1);
        }
        long deadline = System.nanoTime() + DECODER_WAIT_NANOS;
        try (PreparedStatement statement = connection.prepareStatement(DECODED)) {
            statement.setString(1, mark);
            while (true) {
                try (var result = statement.executeQuery()) {
                    if (result.next() && result.getBoolean(1)) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new SQLException("The decoder did not log the changes of '" + table + "' up to " + mark
                            + " within " + TimeUnit.NANOSECONDS.toSeconds(DECODER_WAIT_NANOS) + " s: is any Plank instance decoding?");
                }
                try {
                    Thread.sleep(DECODER_POLL_MS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SQLException("Interrupted while waiting for the decoder", e);
                }
            }
        }
    }

    private static long[] seenChanges(Connection connection, String table, long afterSeq, String snapshot) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(SEEN_CHANGES)) {
            statement.setString(3, snapshot);
            return seqs(statement, table, afterSeq);
        }
    }

    private static long[] visibleChanges(Connection connection, String table, long afterSeq) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(VISIBLE_CHANGES)) {
            return seqs(statement, table, afterSeq);
        }
    }

    private static long[] seqs(PreparedStatement statement, String table, long afterSeq) throws SQLException {
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
