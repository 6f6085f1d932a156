package io.plank.persistence.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.plank.persistence.migration.SchemaMigrator;
import io.plank.testsupport.db.FreshDatabase;

/** plank.capture.tables at start-up: what can be captured is, the rest is logged and skipped. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConfiguredCapturesTest {

    @RegisterExtension
    final FreshDatabase database = FreshDatabase.migratedBy(SchemaMigrator::migrate);

    @BeforeEach
    void createTables() throws SQLException {
        try (var connection = database.connect(); var statement = connection.createStatement()) {
            statement.execute("CREATE TABLE orders (id int PRIMARY KEY)");
            statement.execute("CREATE SCHEMA sales");
            statement.execute("CREATE TABLE sales.invoices (number text PRIMARY KEY)");
            statement.execute("CREATE TABLE keyless (note text)");
        }
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
