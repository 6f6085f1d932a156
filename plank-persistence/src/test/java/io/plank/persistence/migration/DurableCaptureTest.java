package io.plank.persistence.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import jakarta.json.Json;
import jakarta.json.JsonObject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import io.plank.domain.change.Action;
import io.plank.domain.change.ChangeEvent;
import io.plank.persistence.changelog.ChangeLogRows;
import io.plank.testsupport.db.FreshDatabase;

/** Durable mode, the default: each change is written to plank.change_log in the writer's transaction. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DurableCaptureTest {

    @RegisterExtension
    static final FreshDatabase database = FreshDatabase.migratedBy(SchemaMigrator::migrate);

    private Connection writer;
    private Connection listener;

    @BeforeEach
    void connect() throws SQLException {
        writer = database.connection();
        listener = database.connection();
        try (var statement = listener.createStatement()) {
            statement.execute("LISTEN plank_log");
            statement.execute("LISTEN plank_changes");
        }
    }

    @Test
    void itemsAreCapturedDurablyByDefault() throws SQLException {
        assertEquals("durable", single("SELECT mode FROM plank.captured_tables WHERE table_name = 'items'"));
    }

    @Test
    void eachChangeIsLoggedWithItsRowsAndAWakeUpFollowsTheCommit() throws SQLException {
        long before = newestSeq();
        long id = Long.parseLong(single("INSERT INTO items (name, value) VALUES ('logged', 1) RETURNING id"));
        execute("UPDATE items SET value = 2 WHERE id = " + id);
        execute("DELETE FROM items WHERE id = " + id);

        List<ChangeEvent> changes = changesAfter(before);
        assertEquals(3, changes.size());
        assertEquals(List.of(Action.INSERT, Action.UPDATE, Action.DELETE), changes.stream().map(ChangeEvent::action).toList());
        for (int i = 0; i < 3; i++) {
            assertEquals(before + i + 1, changes.get(i).seq(), "seq counts up: " + changes.get(i));
            assertEquals(Long.toString(id), changes.get(i).key());
        }
        assertEquals(2, json(changes.get(1).row()).getInt("value"), "UPDATE carries the new row");
        assertEquals(1, json(changes.get(1).oldRow()).getInt("value"), "and the row before it");
        assertEquals(2, json(changes.get(2).row()).getInt("value"), "DELETE carries the row as it was");

        List<PGNotification> wakeUps = notifications(3, 5_000);
        assertEquals(3, wakeUps.size(), "one wake-up per committed transaction");
        for (PGNotification wakeUp : wakeUps) {
            assertEquals("plank_log", wakeUp.getName(), "durable tables do not announce frames on plank_changes");
            assertEquals("", wakeUp.getParameter(), "the wake-up carries nothing: the rows are in the log");
        }
    }

    @Test
    void aTransactionWakesTheListenerOnceWhateverItWrites() throws SQLException {
        writer.setAutoCommit(false);
        for (int i = 0; i < 10; i++) {
            execute("INSERT INTO items (name) VALUES ('batch " + i + "')");
        }
        writer.commit();
        writer.setAutoCommit(true);

        assertEquals(1, notifications(1, 5_000).size());
        assertTrue(notifications(1, 200).isEmpty(), "PostgreSQL folds identical notifications of one transaction");
    }

    @Test
    void rolledBackChangesLeaveNothingInTheLog() throws SQLException {
        long before = newestSeq();
        writer.setAutoCommit(false);
        execute("INSERT INTO items (name) VALUES ('never')");
        writer.rollback();
        writer.setAutoCommit(true);

        assertTrue(changesAfter(before).isEmpty());
        assertTrue(notifications(1, 300).isEmpty());
    }

    @Test
    void aOneMegabyteRowIsLoggedWhole() throws SQLException {
        long before = newestSeq();
        String name = "m".repeat(1024 * 1024);
        execute("INSERT INTO items (name) VALUES ('" + name + "')");

        ChangeEvent change = changesAfter(before).get(0);
        assertEquals(name, json(change.row()).getString("name"));
        assertFalse(change.truncated(), "nothing is cut short in durable mode");
    }

    @Test
    void compositeKeysAreLoggedAsObjects() throws SQLException {
        execute("CREATE TABLE stock (warehouse int, sku text, quantity int, PRIMARY KEY (warehouse, sku))");
        execute("SELECT plank.capture('stock')");
        long before = newestSeq();
        execute("INSERT INTO stock VALUES (3, 'A-7', 10)");

        ChangeEvent change = changesAfter(before).get(0);
        assertEquals("stock", change.table());
        assertEquals(3, json(change.key()).getInt("warehouse"));
        assertEquals("A-7", json(change.key()).getString("sku"));
    }

    @Test
    void eachChangeCarriesItsTransactionAndWhetherItIsItsFirstAndLastToTheTable() throws SQLException {
        execute("CREATE TABLE ledger (id int PRIMARY KEY, amount int)");
        execute("SELECT plank.capture('ledger')");
        long before = newestSeq();
        long alone = Long.parseLong(single("INSERT INTO items (name) VALUES ('alone') RETURNING id"));
        writer.setAutoCommit(false);
        long writing = Long.parseLong(single("SELECT pg_current_xact_id()::text"));
        execute("UPDATE items SET value = value - 10 WHERE id = " + alone);
        execute("INSERT INTO ledger VALUES (1, -10)");
        execute("INSERT INTO items (name, value) VALUES ('credited', 10)");
        execute("SAVEPOINT s");
        execute("INSERT INTO ledger VALUES (2, 10)"); // a savepoint's changes are the transaction's own
        execute("RELEASE SAVEPOINT s");
        writer.commit();
        writer.setAutoCommit(true);

        List<ChangeEvent> changes = changesAfter(before);
        assertEquals(5, changes.size());
        ChangeEvent.Tx single = changes.get(0).tx();
        assertTrue(single.known() && changes.get(0).txFirst() && single.last(), "an autocommit write is a transaction of one: " + single);
        List<ChangeEvent> transfer = changes.subList(1, 5);
        for (ChangeEvent change : transfer) {
            assertEquals(writing, change.tx().id(), "the writer's own transaction id: " + change);
        }
        assertEquals(List.of("items first", "ledger first", "items last", "ledger last"),
                transfer.stream().map(DurableCaptureTest::place).toList(), "first and last per table");
        assertTrue(single.id() != writing);
    }

    @Test
    void theLastChangeOfATransactionIsKnownThoughConcurrentTransactionsInterleaveInTheLog() throws SQLException {
        long before = newestSeq();
        try (Connection other = database.connect()) {
            writer.setAutoCommit(false);
            other.setAutoCommit(false);
            for (int i = 0; i < 3; i++) { // seq alternates between the two transactions
                execute("INSERT INTO items (name) VALUES ('a" + i + "')");
                try (var statement = other.createStatement()) {
                    statement.execute("INSERT INTO items (name) VALUES ('b" + i + "')");
                }
            }
            other.commit();
            writer.commit();
            writer.setAutoCommit(true);
        }

        List<ChangeEvent> changes = changesAfter(before);
        assertEquals(6, changes.size());
        assertEquals(List.of("items first", "items first", "items", "items", "items last", "items last"),
                changes.stream().map(DurableCaptureTest::place).toList());
        assertTrue(changes.get(0).tx().id() != changes.get(1).tx().id());
        for (int i = 2; i < 6; i++) {
            assertEquals(changes.get(i % 2).tx().id(), changes.get(i).tx().id(), "alternating: " + changes);
        }
        // Read up to the middle only, as a listener's page may end: still only the true last rows are marked.
        List<ChangeEvent> firstPage = changesAfter(before, 3);
        assertEquals(List.of("items first", "items first", "items"), firstPage.stream().map(DurableCaptureTest::place).toList());
    }

    @Test
    void rowsLoggedBeforeTransactionsWereRecordedStandAlone() throws SQLException {
        long before = newestSeq();
        execute("INSERT INTO plank.change_log (seq, table_name, action, key, new_row, tx)"
                + " VALUES (nextval('plank.change_seq'), 'items', 'INSERT', '1', '{\"id\":1}', NULL)");

        ChangeEvent.Tx tx = changesAfter(before).get(0).tx();
        assertFalse(tx.known());
        assertTrue(tx.last());
    }

    @Test
    void aTruncateIsLoggedInItsTransactionWithoutKeyOrRowsOncePerCapturedTable() throws SQLException {
        execute("CREATE TABLE drafts (id int PRIMARY KEY, text text)");
        execute("CREATE TABLE lines (draft int, n int, PRIMARY KEY (draft, n))");
        execute("CREATE TABLE scratch (id int PRIMARY KEY)"); // not captured: not logged
        execute("SELECT plank.capture('drafts')");
        execute("SELECT plank.capture('lines')");
        execute("INSERT INTO drafts VALUES (1, 'a')");
        execute("INSERT INTO lines VALUES (1, 1)");
        notifications(2, 5_000);
        long before = newestSeq();
        writer.setAutoCommit(false);
        long writing = Long.parseLong(single("SELECT pg_current_xact_id()::text"));
        execute("INSERT INTO drafts VALUES (2, 'b')");
        execute("TRUNCATE drafts, lines, scratch");
        execute("INSERT INTO drafts VALUES (3, 'after')");
        writer.commit();
        writer.setAutoCommit(true);

        List<ChangeEvent> changes = changesAfter(before);
        assertEquals(List.of("drafts INSERT", "drafts TRUNCATE", "lines TRUNCATE", "drafts INSERT"),
                changes.stream().map(change -> change.table() + " " + change.action()).toList());
        for (ChangeEvent truncate : List.of(changes.get(1), changes.get(2))) {
            assertEquals(null, truncate.key(), "no key, though lines has a composite one: " + truncate);
            assertEquals(null, truncate.row());
            assertEquals(null, truncate.oldRow());
            assertEquals(writing, truncate.tx().id(), "in the writer's transaction like its other changes");
        }
        assertEquals(List.of("drafts first", "drafts", "lines first last", "drafts last"),
                changes.stream().map(DurableCaptureTest::place).toList());
        assertEquals(1, notifications(1, 5_000).size(), "one wake-up for the transaction");
    }

    @Test
    void tablesCapturedBeforeTruncateWasCapturedLogItToo() throws SQLException {
        // items was captured by V2, before V7 added the TRUNCATE trigger: the migration gave it one.
        long before = newestSeq();
        execute("TRUNCATE items");

        List<ChangeEvent> changes = changesAfter(before);
        assertEquals(1, changes.size());
        assertEquals("items", changes.get(0).table());
        assertEquals(Action.TRUNCATE, changes.get(0).action());
    }

    @Test
    void releaseTakesTheTruncateTriggerAwayAndCaptureAndReleaseAnnounceTheCatalogChanged() throws SQLException {
        try (var statement = listener.createStatement()) {
            statement.execute("LISTEN plank_catalog");
        }
        execute("CREATE TABLE notes (id int PRIMARY KEY)");
        execute("SELECT plank.capture('notes')");
        assertEquals("1", single("SELECT count(*) FROM plank.captured_tables WHERE table_name = 'notes'"),
                "listed once, though it has two triggers");
        execute("SELECT plank.release('notes')");
        assertEquals("0", single("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'notes'::regclass AND tgname LIKE 'plank%'"));
        long before = newestSeq();
        execute("TRUNCATE notes");
        assertTrue(changesAfter(before).isEmpty(), "a released table's TRUNCATE is not logged");

        List<PGNotification> catalog = notifications(2, 5_000);
        assertEquals(List.of("plank_catalog", "plank_catalog"), catalog.stream().map(PGNotification::getName).toList());
    }

    private static String place(ChangeEvent change) {
        return change.table() + (change.txFirst() ? " first" : "") + (change.txLast() ? " last" : "");
    }

    private long newestSeq() throws SQLException {
        return Long.parseLong(single("SELECT COALESCE(max(seq), 0) FROM plank.change_log"));
    }

    /** The logged changes after {@code seq}, as the listener and replay read them. */
    private List<ChangeEvent> changesAfter(long seq) throws SQLException {
        return changesAfter(seq, Integer.MAX_VALUE);
    }

    private List<ChangeEvent> changesAfter(long seq, int limit) throws SQLException {
        List<ChangeEvent> changes = new ArrayList<>();
        try (var statement = writer.prepareStatement(
                "SELECT " + ChangeLogRows.COLUMNS + " FROM plank.change_log l WHERE seq > ? ORDER BY seq LIMIT ?")) {
            statement.setLong(1, seq);
            statement.setInt(2, limit);
            try (var result = statement.executeQuery()) {
                while (result.next()) {
                    changes.add(ChangeLogRows.event(result));
                }
            }
        }
        return changes;
    }

    private static JsonObject json(String text) {
        return Json.createReader(new StringReader(text)).readObject();
    }

    private String single(String sql) throws SQLException {
        try (var statement = writer.createStatement(); var result = statement.executeQuery(sql)) {
            assertTrue(result.next(), sql);
            return result.getString(1);
        }
    }

    private void execute(String sql) throws SQLException {
        try (var statement = writer.createStatement()) {
            statement.execute(sql);
        }
    }

    private List<PGNotification> notifications(int wanted, long timeoutMillis) throws SQLException {
        List<PGNotification> received = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        PGConnection pg = listener.unwrap(PGConnection.class);
        while (received.size() < wanted) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                break;
            }
            received.addAll(List.of(pg.getNotifications((int) left)));
        }
        return received;
    }
}
