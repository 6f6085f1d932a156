package io.plank.persistence.rows;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A captured table as filters and snapshots need it: its name as change frames give it, its name as SQL
 * (quoted by PostgreSQL itself), its columns in order, and its primary key.
 */
public record TableShape(String table, String relation, Map<String, Column> columns, List<String> key) {

    /** A column: its name, its type as SQL (for casts), and how filters compare it. */
    record Column(String name, String type, ColumnKind kind) {
    }

    public TableShape {
        columns = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(columns));
        key = List.copyOf(key);
    }

    String columnNames() {
        return columns.keySet().stream().limit(30).collect(Collectors.joining(", "));
    }

    /** A name as a quoted SQL identifier: whatever it holds, it cannot end the identifier early. */
    static String quoted(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
