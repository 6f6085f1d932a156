package io.plank.persistence.rows;

import java.io.StringReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import jakarta.json.Json;
import jakarta.json.JsonArray;

import io.plank.domain.filter.Condition;
import io.plank.domain.filter.Filter;
import io.plank.domain.filter.InvalidFilterException;
import io.plank.domain.filter.Operator;
import io.plank.domain.text.Excerpt;

/**
 * Types a client's filter against a table: every column must exist, every operator suit the column's type, and
 * every value be one PostgreSQL accepts for that type. Each value is cast by PostgreSQL itself (bound as a
 * parameter) and read back as JSON, the form rows arrive in, so what a filter compares with is exactly what the
 * column would hold.
 */
final class FilterTyping {

    private final DataSource dataSource;

    FilterTyping(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    RowFilter filter(TableShape shape, Filter filter) throws SQLException {
        List<RowFilter.Test> tests = new ArrayList<>();
        try (Connection connection = dataSource.getConnection()) {
            for (Condition condition : filter.conditions()) {
                tests.add(test(connection, shape, condition));
            }
        }
        return new RowFilter(tests, filter.text());
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

    private static String firstLine(String message) {
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
