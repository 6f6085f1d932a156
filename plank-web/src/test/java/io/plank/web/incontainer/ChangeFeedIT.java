package io.plank.web.incontainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;
import jakarta.json.JsonObject;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import io.plank.domain.change.Action;
import io.plank.domain.change.ChangeEvent;
import io.plank.persistence.capture.CapturedTables;
import io.plank.health.ListenerMonitor;
import io.plank.health.ListenerState;
import io.plank.testsupport.wait.Eventually;

/**
 * The listener singleton inside the server: it migrates the schema at deployment, LISTENs, and turns every
 * committed row change, whoever wrote it, into a CDI {@link ChangeEvent}; and the set of captured tables follows
 * the database without a restart.
 */
@ExtendWith(ArquillianExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChangeFeedIT {

    private static final Duration WITHIN = Duration.ofSeconds(20);

    @Deployment
    static WebArchive deployment() {
        return Deployments.plank();
    }

    @Inject
    ListenerMonitor monitor;

    @Inject
    ChangeRecorder changes;

    @Inject
    CapturedTables capturedTables;

    @Test
    void listenerStartsWithTheApplicationOnAMigratedSchema() throws Exception {
        Eventually.until("the listener reports LISTENING (now " + monitor.status() + ")", WITHIN,
                () -> monitor.status().state() == ListenerState.LISTENING);

        try (Connection sql = Sql.connect()) {
            assertEquals(2L, Sql.queryValue(sql, Long.class,
                    "SELECT count(*) FROM plank.flyway_schema_history WHERE success AND version IN ('1', '2')"),
                    "Flyway's history in the plank schema records V1 and V2");
            assertNotNull(Sql.queryValue(sql, String.class, "SELECT to_regclass('public.items')::text"), "items exists");
            assertEquals(1L, Sql.queryValue(sql, Long.class, "SELECT count(*) FROM plank.captured_tables WHERE table_name = 'items'"),
                    "items carries the capture trigger");
        }
    }

    @Test
    void insertByPlainJdbcArrivesAsChangeEvent() throws Exception {
        String name = unique("jdbc-insert");
        long id;
        try (Connection sql = Sql.connect()) {
            id = Sql.insertItem(sql, name, 7);
        }

        ChangeEvent change = changes.await("items", Action.INSERT, Long.toString(id), WITHIN);

        assertFalse(change.truncated());
        assertEquals("items", change.table());
        assertEquals(Action.INSERT, change.action());
        assertEquals(Long.toString(id), change.key());
        JsonObject row = ChangeRecorder.row(change);
        assertEquals(id, row.getJsonNumber("id").longValue());
        assertEquals(name, row.getString("name"));
        assertEquals(7, row.getInt("value"));
        assertEquals(0, row.getInt("version"));
    }

    @Test
    void updateByPlainJdbcArrivesAsChangeEventWithTheNewRow() throws Exception {
        String name = unique("jdbc-update");
        long id;
        try (Connection sql = Sql.connect()) {
            id = Sql.insertItem(sql, name, 1);
            assertEquals(1, Sql.update(sql, "UPDATE items SET value = 2 WHERE id = ?", id));
        }

        ChangeEvent change = changes.await("items", Action.UPDATE, Long.toString(id), WITHIN);

        assertEquals(Action.UPDATE, change.action());
        JsonObject row = ChangeRecorder.row(change);
        assertEquals(name, row.getString("name"));
        assertEquals(2, row.getInt("value"));
        assertEquals(1, row.getInt("version"), "the database's trigger bumped the version");
    }

    @Test
    void deleteByPlainJdbcArrivesAsChangeEventWithTheOldRow() throws Exception {
        String name = unique("jdbc-delete");
        long id;
        try (Connection sql = Sql.connect()) {
            id = Sql.insertItem(sql, name, 3);
            assertEquals(1, Sql.update(sql, "DELETE FROM items WHERE id = ?", id));
        }

        ChangeEvent change = changes.await("items", Action.DELETE, Long.toString(id), WITHIN);

        assertEquals(Action.DELETE, change.action());
        assertEquals(Long.toString(id), change.key());
        assertEquals(name, ChangeRecorder.row(change).getString("name"), "the row as it was");
    }

    @Test
    void rolledBackInsertFiresNoChangeEvent() throws Exception {
        long rolledBack;
        long marker;
        try (Connection sql = Sql.connect()) {
            sql.setAutoCommit(false);
            rolledBack = Sql.insertItem(sql, unique("rolled-back"), 1);
            sql.rollback();
            sql.setAutoCommit(true);
            marker = Sql.insertItem(sql, unique("after-rollback"), 2);
        }

        // Changes arrive in commit order: once the later insert is here, a change of the rolled-back one never will be.
        changes.await("items", Action.INSERT, Long.toString(marker), WITHIN);
        List<ChangeEvent> ofRolledBack = changes.matching(
                change -> change.table().equals("items") && Long.toString(rolledBack).equals(change.key()));
        assertEquals(List.of(), ofRolledBack);
    }

    @Test
    void capturedTablesKnowsItemsAndNoUnknownTable() throws Exception {
        assertTrue(capturedTables.contains("items"));
        assertFalse(capturedTables.contains("no_such_table"));

        String uncaptured = unique("uncaptured").replace('-', '_');
        try (Connection sql = Sql.connect()) {
            Sql.update(sql, "CREATE TABLE " + uncaptured + " (id integer PRIMARY KEY)");
        }
        assertFalse(capturedTables.contains(uncaptured), "a table without the capture trigger is not captured");
    }

    @Test
    void tableCapturedLaterBySqlBecomesKnownWithoutRestart() throws Exception {
        String table = unique("gadgets").replace('-', '_');
        try (Connection sql = Sql.connect()) {
            Sql.update(sql, "CREATE TABLE " + table + " (code text PRIMARY KEY, label text)");
            assertFalse(capturedTables.contains(table), "not captured yet");

            Sql.queryValue(sql, String.class, "SELECT plank.capture(?::regclass)::text", table);
            Eventually.until("CapturedTables knows " + table, WITHIN, () -> capturedTables.contains(table));

            Sql.update(sql, "INSERT INTO " + table + " (code, label) VALUES ('g-1', 'first')");
        }

        ChangeEvent change = changes.await(table, Action.INSERT, "\"g-1\"", WITHIN);
        assertEquals("first", ChangeRecorder.row(change).getString("label"));
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
