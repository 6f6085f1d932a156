package io.plank.systemtests;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;

/** Plain SQL from the tests, as another program sharing the database would send it. */
final class Sql {

    private Sql() {
    }

    static void execute(Connection db, String sql) throws SQLException {
        try (var statement = db.createStatement()) {
            statement.execute(sql);
        }
    }

    /** Creates {@code table} afresh (dropping one left by an earlier run) with these column definitions. */
    static void createTable(Connection db, String table, String columns) throws SQLException {
        execute(db, "DROP TABLE IF EXISTS " + table);
        execute(db, "CREATE TABLE " + table + " " + columns);
    }

    /** Captures {@code table} through the admin API, as an operator would. */
    static void capture(RunningPlank plank, String table, String mode) {
        var response = new Api(plank).put("/tables/" + table, Api.JSON, "{\"mode\":\"" + mode + "\"}");
        if (response.statusCode() != 201) {
            throw new AssertionError("Capturing " + table + ": " + response.statusCode() + " " + response.body());
        }
    }

    static long queryLong(Connection db, String sql) throws SQLException {
        return queryValue(db, sql, result -> result.getLong(1));
    }

    static String queryString(Connection db, String sql) throws SQLException {
        return queryValue(db, sql, result -> result.getString(1));
    }

    private interface Column<T> {
        T read(ResultSet result) throws SQLException;
    }

    /** The first column of the first row. */
    private static <T> T queryValue(Connection db, String sql, Column<T> column) throws SQLException {
        try (var statement = db.createStatement(); var result = statement.executeQuery(sql)) {
            result.next();
            return column.read(result);
        }
    }
}
