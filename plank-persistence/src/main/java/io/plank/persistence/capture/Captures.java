package io.plank.persistence.capture;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.Set;

import javax.sql.DataSource;

import jakarta.annotation.Resource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;

import io.plank.domain.change.CaptureMode;
import io.plank.domain.change.NoSuchTableException;
import io.plank.domain.change.NotCapturableException;
import io.plank.domain.change.TableName;
import io.plank.domain.change.TableReleased;
import io.plank.persistence.db.DatabaseException;

/**
 * Attaches and detaches Plank's capture trigger: for the admin API and for {@code plank.capture.tables} alike.
 * Names reach SQL only as bind parameters, quoted by {@code quote_ident} and resolved by {@code to_regclass}: no
 * table name can inject SQL. System tables and Plank's own are never captured.
 */
@ApplicationScoped
public class Captures {

    private static final String RELATION = "to_regclass(quote_ident(?) || '.' || quote_ident(?))";

    @Resource(lookup = "java:app/jdbc/plank")
    DataSource dataSource;

    @Inject
    CapturedTables capturedTables;

    /** Tells the subscribers of a table released through the API; absent outside CDI, where nobody subscribes. */
    @Inject
    Event<TableReleased> released;

    /** For CDI, which injects the application's pool. */
    public Captures() {
    }

    /** Outside CDI: at start-up, on a connection of its own, and in tests. */
    public Captures(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Captures {@code table} in {@code mode}, or switches its mode; true if it was not captured before. */
    public boolean capture(TableName table, CaptureMode mode) {
        try (Connection connection = dataSource.getConnection()) {
            requireExists(connection, table);
            if (table.schema().startsWith("pg_") || table.schema().equals("information_schema") || table.schema().equals("plank")) {
                throw new NotCapturableException(table, "system tables and Plank's own are never captured");
            }
            boolean wasCaptured = capturedMode(connection, table) != null;
            try (PreparedStatement statement = relation(connection, "SELECT plank.capture(" + RELATION + ", ?)", table)) {
                statement.setString(3, mode.sqlName());
                statement.execute();
            } catch (SQLException e) {
                throw refusal(table, e);
            }
            forget();
            return !wasCaptured;
        } catch (SQLException e) {
            throw new DatabaseException("Could not capture " + table, e);
        }
    }

    public void release(TableName table) {
        try (Connection connection = dataSource.getConnection()) {
            requireExists(connection, table);
            if (capturedMode(connection, table) == null) {
                throw NoSuchTableException.notCaptured(table);
            }
            try (PreparedStatement statement = relation(connection, "SELECT plank.release(" + RELATION + ")", table)) {
                statement.execute();
            }
            forget();
        } catch (SQLException e) {
            throw new DatabaseException("Could not release " + table, e);
        }
        if (released != null) {
            released.fire(new TableReleased(table.toString()));
        }
    }

    /**
     * The columns of {@code table}, captured or not: the admin API checks a row binding's column against them, and
     * refuses rules for a table that does not exist. @throws NoSuchTableException if there is no such table
     */
    public Set<String> columns(TableName table) {
        try (Connection connection = dataSource.getConnection()) {
            requireExists(connection, table);
            Set<String> columns = new HashSet<>();
            try (PreparedStatement statement = relation(connection,
                    "SELECT attname FROM pg_attribute WHERE attrelid = " + RELATION + " AND attnum > 0 AND NOT attisdropped", table);
                 var result = statement.executeQuery()) {
                while (result.next()) {
                    columns.add(result.getString(1));
                }
            }
            return columns;
        } catch (SQLException e) {
            throw new DatabaseException("Could not read the columns of " + table, e);
        }
    }

    /** What PostgreSQL's refusal means for the client; any other failure as it is. */
    private static SQLException refusal(TableName table, SQLException e) {
        switch (String.valueOf(e.getSQLState())) {
            case "42809" -> throw new NotCapturableException(table, "it is not a table");
            case "42P16" -> throw new NotCapturableException(table, "it has no primary key to identify rows by");
            case "42501" -> throw new NotCapturableException(table, "Plank's database user may not add a trigger to it");
            default -> {
                return e;
            }
        }
    }

    private static void requireExists(Connection connection, TableName table) throws SQLException {
        try (PreparedStatement statement = relation(connection, "SELECT " + RELATION + "::text", table);
             var result = statement.executeQuery()) {
            result.next();
            if (result.getString(1) == null) {
                throw NoSuchTableException.missing(table);
            }
        }
    }

    private static String capturedMode(Connection connection, TableName table) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT mode FROM plank.captured_tables WHERE table_name = ?")) {
            statement.setString(1, table.toString());
            try (var result = statement.executeQuery()) {
                return result.next() ? result.getString(1) : null;
            }
        }
    }

    private static PreparedStatement relation(Connection connection, String sql, TableName table) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        statement.setString(1, table.schema());
        statement.setString(2, table.table());
        return statement;
    }

    private void forget() {
        if (capturedTables != null) {
            capturedTables.forget();
        }
    }
}
