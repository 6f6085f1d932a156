package io.plank.persistence.rows;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import javax.sql.DataSource;

import io.plank.domain.change.TableName;

/**
 * A captured table's columns, their types and its primary key, read from PostgreSQL's catalog. A table is found by
 * the name change frames give it, which {@link TableName} makes (PostgreSQL's trigger makes the same one), among the
 * tables with Plank's trigger and those in its publication (captured by logical decoding).
 */
final class TableCatalog {

    private static final String CAPTURED = """
            SELECT n.nspname, c.relname, c.oid::regclass::text FROM pg_trigger tg
            JOIN pg_class c ON c.oid = tg.tgrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE tg.tgname = 'plank_capture' AND NOT tg.tgisinternal
            UNION ALL
            SELECT n.nspname, c.relname, c.oid::regclass::text FROM pg_publication p
            JOIN pg_publication_rel r ON r.prpubid = p.oid
            JOIN pg_class c ON c.oid = r.prrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE p.pubname = 'plank'""";

    private static final String COLUMNS = """
            SELECT a.attname, a.atttypid::regtype::text, base.oid::int, base.typtype::text,
                   array_position(i.indkey::int2[], a.attnum)
            FROM pg_attribute a
            JOIN pg_type t ON t.oid = a.atttypid
            JOIN pg_type base ON base.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
            LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
            WHERE a.attrelid = ?::regclass AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum""";

    private final DataSource dataSource;

    TableCatalog(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    Optional<TableShape> shape(String table) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            Optional<String> relation = relation(connection, table);
            return relation.isEmpty() ? Optional.empty() : Optional.of(columns(connection, table, relation.get()));
        }
    }

    /** The captured table named {@code table}, as PostgreSQL quotes it for SQL. */
    private static Optional<String> relation(Connection connection, String table) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(CAPTURED); var result = statement.executeQuery()) {
            while (result.next()) {
                if (new TableName(result.getString(1), result.getString(2)).toString().equals(table)) {
                    return Optional.of(result.getString(3));
                }
            }
            return Optional.empty();
        }
    }

    private static TableShape columns(Connection connection, String table, String relation) throws SQLException {
        Map<String, TableShape.Column> columns = new LinkedHashMap<>();
        Map<Integer, String> key = new TreeMap<>();
        try (PreparedStatement statement = connection.prepareStatement(COLUMNS)) {
            statement.setString(1, relation);
            try (var result = statement.executeQuery()) {
                while (result.next()) {
                    String name = result.getString(1);
                    columns.put(name, new TableShape.Column(name, result.getString(2), ColumnKind.of(result.getInt(3), result.getString(4))));
                    int position = result.getInt(5);
                    if (!result.wasNull()) {
                        key.put(position, name);
                    }
                }
            }
        }
        return new TableShape(table, relation, columns, List.copyOf(key.values()));
    }
}
