package io.plank.persistence.rows;

import java.io.StringReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import javax.sql.DataSource;

import jakarta.annotation.Resource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.json.Json;
import jakarta.json.JsonArray;

import io.plank.domain.filter.Condition;
import io.plank.domain.filter.Filter;
import io.plank.domain.filter.InvalidFilterException;
import io.plank.domain.filter.Operator;
import io.plank.domain.text.Excerpt;

/**
 * The rows of captured tables, for subscriptions: a table's columns, filters typed against them, and snapshots
 * that line up exactly with the change stream. Plain JDBC on the application's pool, outside any JTA
 * transaction: a snapshot is one read-only repeatable-read transaction of its own.
 */
@ApplicationScoped
public class TableRows {

    private static final String SHAPE = """
            WITH target AS (
                SELECT c.oid FROM pg_trigger tg
                JOIN pg_class c ON c.oid = tg.tgrelid
                JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE tg.tgname = 'plank_capture' AND NOT tg.tgisinternal
                  AND CASE WHEN n.nspname = 'public' THEN c.relname::text ELSE n.nspname || '.' || c.relname END = ?)
            SELECT target.oid::regclass::text, a.attname, a.atttypid::regtype::text, base.oid::int, base.typtype::text,
                   array_position(i.indkey::int2[], a.attnum)
            FROM target
            JOIN pg_attribute a ON a.attrelid = target.oid AND a.attnum > 0 AND NOT a.attisdropped
            JOIN pg_type t ON t.oid = a.atttypid
            JOIN pg_type base ON base.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
            LEFT JOIN pg_index i ON i.indrelid = target.oid AND i.indisprimary
            ORDER BY a.attnum""";

    private static final String VISIBLE_CHANGES = "SELECT seq FROM plank.change_log WHERE table_name = ? AND seq > ? ORDER BY seq";

    /** Where snapshot rows go, a page at a time, while the snapshot's transaction is open. */
    public interface PageSink {
        void page(List<String> rows, boolean last) throws InterruptedException;
    }

    @Resource(lookup = "java:app/jdbc/plank")
    DataSource dataSource;

    /** For CDI, which injects the application's pool. */
    public TableRows() {
    }

    /** Outside a container (tests, benchmarks): on any data source. */
    public TableRows(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** The columns and key of a captured table, or empty if {@code table} (named as change frames name it) is not captured. */
    public Optional<TableShape> shape(String table) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement(SHAPE)) {
            statement.setString(1, table);
            String relation = null;
            Map<String, TableShape.Column> columns = new LinkedHashMap<>();
            Map<Integer, String> key = new TreeMap<>();
            try (var result = statement.executeQuery()) {
                while (result.next()) {
                    relation = result.getString(1);
                    String name = result.getString(2);
                    columns.put(name, new TableShape.Column(name, result.getString(3), ColumnKind.of(result.getInt(4), result.getString(5))));
                    int position = result.getInt(6);
                    if (!result.wasNull()) {
                        key.put(position, name);
                    }
                }
            }
            return relation == null ? Optional.empty() : Optional.of(new TableShape(table, relation, columns, List.copyOf(key.values())));
        }
    }

    /**
     * Types {@code filter} against the table: every column must exist, every operator suit the column's type, and
     * every value be one PostgreSQL accepts for that type. Each value is cast by PostgreSQL itself (bound as a
     * parameter), so what a filter compares with is exactly what the column would hold.
     */
    public RowFilter filter(TableShape shape, Filter filter) throws SQLException {
        List<RowFilter.Test> tests = new ArrayList<>();
        try (Connection connection = dataSource.getConnection()) {
            for (Condition condition : filter.conditions()) {
                tests.add(test(connection, shape, condition));
            }
        }
        return new RowFilter(tests);
    }

    private static RowFilter.Test test(Connection connection, TableShape shape, Condition condition) throws SQLException {
        TableShape.Column column = shape.columns().get(condition.column());
        if (column == null) {
            throw new InvalidFilterException("Table '" + shape.table() + "' has no column '" + Excerpt.of(condition.column())
                    + "'; its columns are " + shape.columnNames());
        }
        String isValue = condition.operator() == Operator.IS ? condition.value() : null;
        if (!column.kind().allows(condition.operator(), isValue)) {
            throw new InvalidFilterException("Column '" + column.name() + "' is " + column.type() + ": "
                    + condition.operator().wireName() + (isValue == null ? "" : "." + isValue)
                    + " does not apply; use " + column.kind().allowedOperators());
        }
        if (condition.operator() == Operator.IS) {
            return new RowFilter.Test(column.name(), column.kind(), column.type(), Operator.IS, isValue, List.of(), List.of());
        }
        List<Comparable<?>> values = new ArrayList<>();
        for (String text : condition.values()) {
            values.add(typed(connection, column, text));
        }
        return new RowFilter.Test(column.name(), column.kind(), column.type(), condition.operator(), null, values, condition.values());
    }

    private static Comparable<?> typed(Connection connection, TableShape.Column column, String text) throws SQLException {
        // The type name comes from the catalog, quoted by PostgreSQL; the client's text is only ever a parameter.
        try (PreparedStatement statement = connection.prepareStatement("SELECT jsonb_build_array(CAST(? AS " + column.type() + "))::text")) {
            statement.setString(1, text);
            try (var result = statement.executeQuery()) {
                result.next();
                JsonArray json;
                try (var reader = Json.createReader(new StringReader(result.getString(1)))) {
                    json = reader.readArray();
                }
                Comparable<?> value = column.kind().value(json.get(0));
                if (value == null) {
                    throw new InvalidFilterException("Column '" + column.name() + "' is " + column.type()
                            + ": '" + Excerpt.of(text) + "' cannot be compared (not a finite value)");
                }
                return value;
            }
        } catch (SQLException e) {
            if (e.getSQLState() != null && e.getSQLState().startsWith("22")) {
                throw new InvalidFilterException("Column '" + column.name() + "' is " + column.type() + ": " + Excerpt.of(firstLine(e.getMessage())));
            }
            throw e;
        }
    }

    /**
     * Sends the rows of {@code shape} that pass {@code filter}, in key order, as pages, and returns the seqs of the
     * table's changes after {@code afterSeq} that the snapshot already contains: those must not be delivered again.
     * The rows and those seqs are read in one repeatable-read transaction, so they are one consistent picture; a
     * change whose log row the transaction cannot see committed after it, and is not in the rows.
     */
    public long[] snapshot(TableShape shape, RowFilter filter, long afterSeq, int maxRows, int pageRows, int pageBytes,
                           PageSink sink) throws SQLException, SnapshotTooLargeException, InterruptedException {
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
                             PageSink sink) throws SQLException, InterruptedException {
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

    private static String firstLine(String message) {
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
