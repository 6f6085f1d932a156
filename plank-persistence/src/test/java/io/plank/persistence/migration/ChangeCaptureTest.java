package io.plank.persistence.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import io.plank.testsupport.db.FreshDatabase;

/**
 * The capture trigger in ephemeral mode, against a real PostgreSQL: what each kind of write announces
 * through NOTIFY alone. ({@link DurableCaptureTest} covers the default, durable mode.)
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ChangeCaptureTest {

    @RegisterExtension
    static final FreshDatabase database = FreshDatabase.empty();

    private Connection writer;
    private Connection listener;

    @BeforeAll
    static void migrate() throws SQLException {
        assertTrue(migrationFiles() >= 2, "the migrations are on the test class path");
        assertEquals(migrationFiles(), SchemaMigrator.migrate(database.dataSource()), "every migration applies to an empty database");
        assertEquals(0, SchemaMigrator.migrate(database.dataSource()), "a second run finds nothing to do");
        try (var connection = database.connect(); var statement = connection.createStatement()) {
            statement.execute("SELECT plank.capture('public.items', 'ephemeral')");
        }
    }

    private static long migrationFiles() {
        try (var files = java.nio.file.Files.list(java.nio.file.Path.of(
                SchemaMigrator.class.getClassLoader().getResource("db/migration").toURI()))) {
            return files.filter(file -> file.getFileName().toString().matches("V\\d+__.*\\.sql")).count();
        } catch (java.io.IOException | java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeEach
    void connect() throws SQLException {
        writer = database.connection();
        listener = database.connection();
        listener.createStatement().execute("LISTEN plank_changes");
    }

    @Test
    void insertAnnouncesTheNewRow() throws Exception {
        long id = insert("first", 1);

        JsonObject frame = single();
        assertEquals(Set.of("table", "action", "id", "data", "at"), frame.keySet(), "the change's fields, not a frame");
        assertEquals("items", frame.getString("table"));
        assertEquals("INSERT", frame.getString("action"));
        assertEquals(id, frame.getJsonNumber("id").longValue());
        JsonObject data = frame.getJsonObject("data");
        assertEquals("first", data.getString("name"));
        assertEquals(1, data.getInt("value"));
        assertEquals(0, data.getInt("version"));
        assertNotNull(OffsetDateTime.parse(data.getString("created_at")));
        long at = frame.getJsonNumber("at").longValueExact();
        assertTrue(Math.abs(at / 1_000 - System.currentTimeMillis()) < 60_000, "microseconds since the epoch, now: " + at);
    }

    @Test
    void updateAnnouncesTheNewRowWithABumpedVersion() throws Exception {
        long id = insert("before", 1);
        single();

        execute("UPDATE items SET name = 'after', value = 2 WHERE id = " + id);

        JsonObject frame = single();
        assertEquals("UPDATE", frame.getString("action"));
        assertEquals(id, frame.getJsonNumber("id").longValue());
        assertEquals("after", frame.getJsonObject("data").getString("name"));
        assertEquals(1, frame.getJsonObject("data").getInt("version"), "the database keeps the version");
    }

    @Test
    void deleteAnnouncesTheDeletedRow() throws Exception {
        long id = insert("doomed", 7);
        single();

        execute("DELETE FROM items WHERE id = " + id);

        JsonObject frame = single();
        assertEquals("DELETE", frame.getString("action"));
        assertEquals(id, frame.getJsonNumber("id").longValue());
        assertEquals("doomed", frame.getJsonObject("data").getString("name"));
    }

    @Test
    void truncateAnnouncesThatTheTableWasEmptiedWithoutAKeyOrRow() throws Exception {
        insert("gone soon", 1);
        single();

        execute("TRUNCATE items");

        JsonObject frame = single();
        assertEquals(Set.of("table", "action", "id", "data", "at"), frame.keySet(), "the same fields as any change");
        assertEquals("items", frame.getString("table"));
        assertEquals("TRUNCATE", frame.getString("action"));
        assertTrue(frame.isNull("id"));
        assertTrue(frame.isNull("data"));
        assertTrue(frame.getJsonNumber("at").isIntegral());
    }

    @Test
    void rolledBackWritesAnnounceNothing() throws Exception {
        writer.setAutoCommit(false);
        insert("never", 0);
        writer.rollback();
        writer.setAutoCommit(true);
        long marker = insert("marker", 0);

        JsonObject frame = single();
        assertEquals(marker, frame.getJsonNumber("id").longValue(), "only the committed marker is announced");
    }

    @Test
    void nothingIsAnnouncedBeforeCommit() throws Exception {
        writer.setAutoCommit(false);
        long id = insert("pending", 0);
        assertTrue(notifications(1, 300).isEmpty(), "an open transaction announces nothing yet");
        writer.commit();
        assertEquals(id, single().getJsonNumber("id").longValue());
    }

    @Test
    void aRowTooLargeForANotificationStillCommitsAndIsAnnouncedTruncated() throws Exception {
        long id = insert("x".repeat(100 * 1024), 1);

        JsonObject frame = single();
        assertEquals("INSERT", frame.getString("action"));
        assertEquals(id, frame.getJsonNumber("id").longValue());
        assertTrue(frame.getBoolean("truncated"));
        assertEquals(JsonValue.NULL, frame.get("data"));
        try (var result = writer.createStatement().executeQuery("SELECT length(name) FROM items WHERE id = " + id)) {
            assertTrue(result.next());
            assertEquals(100 * 1024, result.getInt(1), "the large row is stored whole");
        }
    }

    @Test
    void anyTableWithAPrimaryKeyCanBeCapturedIncludingCompositeKeys() throws Exception {
        execute("CREATE TABLE order_lines (order_id int, line int, sku text, PRIMARY KEY (order_id, line))");
        execute("SELECT plank.capture('order_lines', 'ephemeral')");
        execute("INSERT INTO order_lines VALUES (7, 2, 'abc')");

        JsonObject frame = single();
        assertEquals("order_lines", frame.getString("table"));
        JsonObject key = frame.getJsonObject("id");
        assertEquals(7, key.getInt("order_id"));
        assertEquals(2, key.getInt("line"));
        assertTrue(tableNames().contains("order_lines"));

        execute("SELECT plank.release('order_lines')");
        execute("INSERT INTO order_lines VALUES (7, 3, 'def')");
        assertTrue(notifications(1, 300).isEmpty(), "a released table announces nothing");
        assertFalse(tableNames().contains("order_lines"));
    }

    @Test
    void tablesOutsidePublicAreNamedWithTheirSchema() throws Exception {
        execute("CREATE SCHEMA IF NOT EXISTS sales");
        execute("CREATE TABLE sales.invoices (number text PRIMARY KEY)");
        execute("SELECT plank.capture('sales.invoices', 'ephemeral')");
        execute("INSERT INTO sales.invoices VALUES ('A-1')");

        JsonObject frame = single();
        assertEquals("sales.invoices", frame.getString("table"));
        assertEquals("A-1", frame.getString("id"));
    }

    @Test
    void aTableWithoutPrimaryKeyIsRefused() throws Exception {
        execute("CREATE TABLE loose (note text)");
        var error = assertThrows(SQLException.class, () -> execute("SELECT plank.capture('loose')"));
        assertTrue(error.getMessage().contains("no primary key"), error.getMessage());
        assertThrows(SQLException.class, () -> execute("SELECT plank.capture('no_such_table; DROP TABLE items')"));
        assertThrows(SQLException.class, () -> execute("SELECT plank.capture('items', 'forgetful')"));
        assertTrue(tableNames().contains("items"));
    }

    private long insert(String name, int value) throws SQLException {
        try (var statement = writer.prepareStatement("INSERT INTO items (name, value) VALUES (?, ?) RETURNING id")) {
            statement.setString(1, name);
            statement.setInt(2, value);
            try (var result = statement.executeQuery()) {
                result.next();
                return result.getLong(1);
            }
        }
    }

    private void execute(String sql) throws SQLException {
        try (var statement = writer.createStatement()) {
            statement.execute(sql);
        }
    }

    private List<String> tableNames() throws SQLException {
        List<String> names = new ArrayList<>();
        try (var result = writer.createStatement().executeQuery("SELECT table_name FROM plank.captured_tables")) {
            while (result.next()) {
                names.add(result.getString(1));
            }
        }
        return names;
    }

    /** Exactly one notification arrives within a few seconds, and no second one right behind it. */
    private JsonObject single() throws SQLException {
        List<JsonObject> frames = notifications(1, 5_000);
        assertEquals(1, frames.size(), "one notification");
        assertTrue(notifications(1, 100).isEmpty(), "no further notification");
        return frames.get(0);
    }

    private List<JsonObject> notifications(int wanted, long timeoutMillis) throws SQLException {
        List<JsonObject> frames = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        PGConnection pg = listener.unwrap(PGConnection.class);
        while (frames.size() < wanted) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                break;
            }
            for (PGNotification notification : pg.getNotifications((int) left)) {
                assertEquals("plank_changes", notification.getName());
                frames.add(Json.createReader(new StringReader(notification.getParameter())).readObject());
            }
        }
        return frames;
    }
}
