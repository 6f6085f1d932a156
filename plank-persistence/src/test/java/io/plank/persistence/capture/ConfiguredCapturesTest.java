package io.plank.persistence.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.plank.persistence.migration.SchemaMigrator;
import io.plank.testsupport.db.TestDatabase;

/** plank.capture.tables at start-up: what can be captured is, the rest is logged and skipped. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConfiguredCapturesTest {

    private TestDatabase database;

    @BeforeEach
    void migrate() throws SQLException {
        database = TestDatabase.create();
        SchemaMigrator.migrate(database.dataSource());
        try (var connection = database.connect(); var statement = connection.createStatement()) {
            statement.execute("CREATE TABLE orders (id int PRIMARY KEY)");
            statement.execute("CREATE SCHEMA sales");
            statement.execute("CREATE TABLE sales.invoices (number text PRIMARY KEY)");
            statement.execute("CREATE TABLE keyless (note text)");
        }
    }

    @AfterEach
    void drop() {
        database.close();
    }

    @Test
    void capturesWhatItCanAndSkipsTheRest() throws SQLException {
        // As MicroProfile Config splits " orders , sales.invoices:ephemeral, keyless, ..." at its commas.
        ConfiguredCaptures.apply(new Captures(database.dataSource()), List.of(" orders ", " sales.invoices:ephemeral",
                " keyless", " no_such_table", " bad name; DROP TABLE orders", " items:forgetful", ""));

        assertEquals(Map.of("items", "durable", "orders", "durable", "sales.invoices", "ephemeral"), captured());
    }

    @Test
    void nothingConfiguredChangesNothing() throws SQLException {
        ConfiguredCaptures.apply(new Captures(database.dataSource()), List.of());
        assertEquals(Map.of("items", "durable"), captured());
    }

    private Map<String, String> captured() throws SQLException {
        Map<String, String> captured = new TreeMap<>();
        try (var connection = database.connect(); var statement = connection.createStatement();
             var result = statement.executeQuery("SELECT table_name, mode FROM plank.captured_tables")) {
            while (result.next()) {
                captured.put(result.getString(1), result.getString(2));
            }
        }
        return captured;
    }
}
