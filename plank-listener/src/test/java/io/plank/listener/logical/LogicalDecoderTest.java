package io.plank.listener.logical;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.plank.domain.change.CaptureMode;
import io.plank.domain.change.TableName;
import io.plank.persistence.capture.Captures;
import io.plank.persistence.db.DatabaseSettings;
import io.plank.persistence.migration.SchemaMigrator;
import io.plank.testsupport.db.FreshDatabase;
import io.plank.testsupport.wait.Eventually;

/**
 * The decoder against the real PostgreSQL: the same writes give the same log rows as the trigger writes, a crash
 * between logging and acknowledging the slot logs nothing twice, and of two decoders only one reads the slot while
 * the other takes over when it goes.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LogicalDecoderTest {

    private static final Duration WITHIN = Duration.ofSeconds(30);

    @RegisterExtension
    final FreshDatabase database = FreshDatabase.migratedBy(SchemaMigrator::migrate);
    private DatabaseSettings settings;
    private final List<Thread> threads = new ArrayList<>();
    private final List<LogicalDecoder> decoders = new ArrayList<>();

    @BeforeEach
    void createTables() throws SQLException {
        settings = new DatabaseSettings(database.get().url(), database.get().user(), database.get().password());
        try (var connection = database.connect(); var statement = connection.createStatement()) {
            statement.execute("""
                    CREATE SCHEMA sales;
                    CREATE TABLE kinds (id int PRIMARY KEY, name text, doc jsonb, tags int[], at timestamptz,
                                        amount numeric, ratio float8, big text);
                    CREATE TABLE sales.pairs (a int, b text, v int, PRIMARY KEY (a, b));""");
        }
    }

    @AfterEach
    void stop() throws InterruptedException {
        decoders.forEach(LogicalDecoder::stop);
        for (Thread thread : threads) {
            thread.join(5_000);
        }
    }

    @Test
    void theSameWritesGiveTheSameLogRowsAsTheTrigger() throws SQLException {
        CaptureMethod.TRIGGER.apply(database.dataSource(), null);
        captureBoth();
        write();
        List<String> byTrigger = logRows();
        assertEquals(CHANGES, byTrigger.size(), "the trigger logged every change: " + byTrigger);
        assertEquals(List.of("kinds|TRUNCATE", "sales.pairs|TRUNCATE"),
                byTrigger.stream().filter(row -> row.contains("TRUNCATE")).toList(), "no key, no rows: " + byTrigger);

        try (var connection = database.connect(); var statement = connection.createStatement()) {
            statement.execute("TRUNCATE kinds, sales.pairs");
            statement.execute("TRUNCATE plank.change_log"); // after: the tables' TRUNCATE is logged too
        }
        CaptureMethod.LOGICAL.apply(database.dataSource(), null);
        assertEquals(List.of("items|durable|logical", "kinds|durable|logical", "sales.pairs|durable|logical"), captured(),
                "every durable table moved to the publication");
        assertEquals(List.of("0"), strings("SELECT count(*) FROM pg_trigger WHERE tgname IN ('plank_capture', 'plank_truncate')"),
                "no trigger is left on a published table, for rows or TRUNCATE");
        assertEquals(List.of("true"), strings("SELECT pubtruncate::text FROM pg_publication WHERE pubname = 'plank'"),
                "the publication publishes TRUNCATE");
        start(decoder());
        write();
        Eventually.until("the decoder logged every change", WITHIN, this::logRows, rows -> rows.size() >= CHANGES);
        assertEquals(byTrigger, logRows(), "same table, action, key, new and old row as the trigger wrote");
    }

    /**
     * The rows the decoder types itself (V10) against the same writes logged by the trigger and by the decoder leaving
     * every row to PostgreSQL, as before V10: a table of every plain type with the values whose JSON is easy to get
     * wrong, a composite key, a TOASTed value an UPDATE left as it was, and a table of other types in the same
     * transactions, so that rows typed either way are logged in commit order.
     */
    @Test
    void rowsTypedByTheDecoderAreTheRowsPostgresqlTypes() throws Exception {
        try (var connection = database.connect(); var statement = connection.createStatement()) {
            statement.execute("""
                    CREATE TABLE plain (id int PRIMARY KEY, b bool, s int2, l int8, n numeric, n2 numeric(10,2), r real,
                                        d float8, t text, v varchar(20), c char(5), nm name, u uuid, j json, jb jsonb, big text);""");
        }
        CaptureMethod.TRIGGER.apply(database.dataSource(), null);
        captureBoth();
        new Captures(database.dataSource()).capture(TableName.parse("plain"), CaptureMode.DURABLE);
        writePlain();
        List<String> byTrigger = logRows();
        assertEquals(PLAIN_CHANGES, byTrigger.size(), "the trigger logged every change: " + byTrigger);
        try (var connection = database.connect(); var statement = connection.createStatement()) {
            statement.execute("TRUNCATE plain, kinds, sales.pairs");
            statement.execute("TRUNCATE plank.change_log");
        }

        CaptureMethod.LOGICAL.apply(database.dataSource(), null);
        var typing = decoder();
        start(typing);
        writePlain();
        Eventually.until("the decoder logged every change", WITHIN, this::logRows, rows -> rows.size() >= PLAIN_CHANGES);
        List<String> typedByDecoder = logRows();
        typing.stop();
        threads.get(0).join(5_000);
        try (var connection = database.connect(); var statement = connection.createStatement()) {
            statement.execute("TRUNCATE plain, kinds, sales.pairs"); // logged as three TRUNCATEs by the next decoder
        }
        var notTyping = decoder();
        notTyping.typeRows = false;
        start(notTyping);
        Eventually.until("the three TRUNCATEs logged", WITHIN, this::logged, count -> count >= PLAIN_CHANGES + 3);
        strings("WITH emptied AS (DELETE FROM plank.change_log RETURNING 1) SELECT count(*) FROM emptied");
        writePlain();
        Eventually.until("the decoder logged every change", WITHIN, this::logRows, rows -> rows.size() >= PLAIN_CHANGES);

        assertEquals(byTrigger, typedByDecoder, "the decoder's rows are the trigger's");
        assertEquals(byTrigger, logRows(), "and those that PostgreSQL types from the decoder's text");
    }

    /** How many log rows {@link #writePlain} makes. */
    private static final int PLAIN_CHANGES = 9;

    private void writePlain() throws SQLException {
        try (var connection = database.connect(); var statement = connection.createStatement()) {
            statement.execute("""
                    INSERT INTO plain VALUES (1, true, -32768, -9223372036854775808, 'NaN', 12.5, 0.1, 1e20,
                        E'quote " back \\\\ tab\\t nl\\n cr\\r ctrl\\x01 é ✓', 'short', 'ab', 'nm',
                        'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', E'{"a": 1,\\n "a": 2, "b" : [1, 2.50, null, "x\\\\"y"]}',
                        '{"x": "y\\"z", "n": 1.10, "e": 1e3}',
                        (SELECT string_agg(md5(i::text), '') FROM generate_series(1, 400) i));
                    INSERT INTO plain VALUES (2, false, 0, 0, 'Infinity', -0.005, '-Infinity', 'NaN', '', '', '', '',
                        '00000000-0000-0000-0000-000000000000', '[]', '{}', NULL),
                        (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
                    BEGIN;
                    UPDATE plain SET n = 123456789012345678901234567890.123456789, r = 3.4028235e38, d = 1.2345678901234567,
                        l = 9223372036854775807 WHERE id = 1;
                    INSERT INTO kinds (id, at, tags) VALUES (10, '2024-05-01 12:34:56.789+02', '{1,NULL}');
                    UPDATE plain SET d = -0.0, r = 1e-7, n = -0 WHERE id = 2;
                    INSERT INTO sales.pairs VALUES (1, E'tab\\there', 10);
                    COMMIT;
                    DELETE FROM plain WHERE id = 1;
                    UPDATE plain SET id = 4 WHERE id = 3;""");
        }
    }

    @Test
    void changesLoggedAfterDdlKeepTheColumnsTheyWereWrittenWith() throws SQLException {
        CaptureMethod.LOGICAL.apply(database.dataSource(), null);
        try (var connection = database.connect(); var statement = connection.createStatement()) {
            statement.execute("""
                    CREATE TABLE shapes (id int PRIMARY KEY, legacy text, renamed int, retyped text, at timestamptz);
                    SELECT plank.capture('shapes');""");
            // All written before the decoder runs, so it logs the first rows after the DDL has committed.
            statement.execute("INSERT INTO shapes VALUES (1, 'old', 10, 'abc', '2026-12-07 10:00:00+00')");
            statement.execute("""
                    ALTER TABLE shapes DROP COLUMN legacy;
                    ALTER TABLE shapes RENAME COLUMN renamed TO counted;
                    UPDATE shapes SET retyped = '42';
                    ALTER TABLE shapes ALTER COLUMN retyped TYPE int USING retyped::int;
                    ALTER TABLE shapes ADD COLUMN added text DEFAULT 'new';""");
            statement.execute("INSERT INTO shapes VALUES (2, 20, 7, '2026-12-07 11:00:00+00', 'given')");
        }
        start(decoder());
        Eventually.until("the decoder logged 3 changes", WITHIN, () -> strings(
                "SELECT count(*)::text FROM plank.change_log WHERE table_name = 'shapes'"), rows -> rows.equals(List.of("3")));
        assertEquals(List.of(
                "INSERT|{\"at\": \"2026-12-07T10:00:00+00:00\", \"id\": 1, \"legacy\": \"old\", \"renamed\": 10, \"retyped\": \"abc\"}",
                "UPDATE|{\"at\": \"2026-12-07T10:00:00+00:00\", \"id\": 1, \"counted\": 10, \"retyped\": \"42\"}",
                "INSERT|{\"at\": \"2026-12-07T11:00:00+00:00\", \"id\": 2, \"added\": \"given\", \"counted\": 20, \"retyped\": 7}"),
                strings("SELECT action || '|' || new_row::text FROM plank.change_log WHERE table_name = 'shapes' ORDER BY seq"),
                "each change as it was written: the dropped column's value kept, the renamed one under its name then, the old type");
    }

    @Test
    void aCrashAfterLoggingButBeforeAcknowledgingLogsNothingTwice() throws SQLException {
        CaptureMethod.LOGICAL.apply(database.dataSource(), null);
        captureBoth();
        var decoder = decoder();
        var crashed = new AtomicBoolean();
        decoder.afterLogged = () -> {
            if (crashed.compareAndSet(false, true)) {
                throw new IllegalStateException("crash between the log's commit and the slot's acknowledgement");
            }
        };
        start(decoder);
        try (var connection = database.connect()) {
            for (int i = 0; i < 200; i++) {
                insert(connection, i);
            }
        }
        Eventually.until("200 changes logged after the crash", WITHIN, this::logged, count -> count >= 200);
        assertTrue(crashed.get(), "the decoder crashed once");
        try (var connection = database.connect()) {
            insert(connection, 1000); // the sentinel: anything repeated would be logged before it
        }
        Eventually.until("the sentinel logged", WITHIN, this::logged, count -> count >= 201);
        assertEquals(201, logged(), "every change once");
        assertEquals(201, distinctKeys(), "no key twice");
    }

    @Test
    void oneDecoderReadsTheSlotAndAnotherTakesOverWhenItStops() throws Exception {
        CaptureMethod.LOGICAL.apply(database.dataSource(), null);
        captureBoth();
        var first = decoder();
        start(first);
        Eventually.until("the first decoder reads the slot", WITHIN, first::state, "decoding"::equals);
        var second = decoder();
        start(second);
        Eventually.until("the second decoder stands by", WITHIN, second::state, state -> state.startsWith("standby"));
        try (var connection = database.connect()) {
            for (int i = 0; i < 50; i++) {
                insert(connection, i);
            }
        }
        Eventually.until("50 logged", WITHIN, this::logged, count -> count >= 50);
        first.stop();
        Eventually.until("the second decoder took the slot", WITHIN, second::state, "decoding"::equals);
        try (var connection = database.connect()) {
            for (int i = 50; i < 100; i++) {
                insert(connection, i);
            }
        }
        Eventually.until("100 logged", WITHIN, this::logged, count -> count >= 100);
        assertEquals(100, logged(), "every change once across the hand-over");
        assertEquals(100, distinctKeys());
        assertEquals(50, second.logged(), "the second decoder logged what came after the first stopped");
    }

    @Test
    void aLostSlotIsRecreatedAndTheHoleIsMarkedSoThatResumingClientsReload() throws Exception {
        CaptureMethod.LOGICAL.apply(database.dataSource(), null);
        captureBoth();
        var first = decoder();
        start(first);
        try (var connection = database.connect()) {
            for (int i = 0; i < 10; i++) {
                insert(connection, i);
            }
        }
        Eventually.until("10 logged", WITHIN, this::logged, count -> count >= 10);
        long lastLogged = Long.parseLong(strings("SELECT max(seq) FROM plank.change_log").get(0));
        first.stop();
        threads.get(0).join(5_000);
        Eventually.until("the slot released", WITHIN, () -> strings("SELECT count(*) FROM pg_replication_slots WHERE active AND slot_name = '"
                + first.slot() + "'").get(0), "0"::equals);
        strings("SELECT pg_drop_replication_slot('" + first.slot() + "')::text"); // as PostgreSQL does past max_slot_wal_keep_size
        try (var connection = database.connect()) {
            insert(connection, 100); // committed while no slot exists: never decoded
        }
        var second = decoder();
        start(second);
        Eventually.until("the slot recreated and read", WITHIN, second::state, "decoding"::equals);
        long prunedThrough = Long.parseLong(strings("SELECT pruned_through FROM plank.log_retention").get(0));
        assertTrue(prunedThrough > lastLogged, "a client at seq " + lastLogged + " missed the hole and must reload; pruned through " + prunedThrough);
        try (var connection = database.connect()) {
            insert(connection, 101);
        }
        Eventually.until("the change after the hole logged", WITHIN, this::logged, count -> count >= 11);
        assertEquals(List.of("101"), strings("SELECT key::text FROM plank.change_log WHERE seq > " + lastLogged),
                "after the hole, the decoder logs on; the change in the hole is not logged");
    }

    private void captureBoth() {
        var captures = new Captures(database.dataSource());
        captures.capture(TableName.parse("kinds"), CaptureMode.DURABLE);
        captures.capture(TableName.parse("sales.pairs"), CaptureMode.DURABLE);
    }

    /** How many log rows {@link #write} makes. */
    private static final int CHANGES = 12;

    /**
     * Every kind of change and value the log must carry alike: json, arrays, time, numbers, a TOASTed text left as it
     * was; a TRUNCATE of two tables (one log row each) between changes of the same transaction.
     */
    private void write() throws SQLException {
        try (var connection = database.connect(); var statement = connection.createStatement()) {
            statement.execute("""
                    INSERT INTO kinds VALUES (1, 'one "quoted"\\n', '{"a": [1, {"b": null}], "s": "x\\"y"}', '{1,2,NULL}',
                        '2024-05-01 12:34:56.789+02', 12.50, 'NaN', repeat(md5('x'), 4000));
                    INSERT INTO kinds (id, name) VALUES (2, NULL);
                    UPDATE kinds SET name = 'changed' WHERE id = 1;
                    UPDATE kinds SET big = 'small now', tags = '{}' WHERE id = 1;
                    DELETE FROM kinds WHERE id = 2;
                    INSERT INTO sales.pairs VALUES (1, 'x', 10);
                    UPDATE sales.pairs SET v = 11 WHERE a = 1;
                    DELETE FROM sales.pairs WHERE a = 1;
                    BEGIN;
                    INSERT INTO sales.pairs VALUES (2, 'y', 20);
                    TRUNCATE kinds, sales.pairs RESTART IDENTITY;
                    INSERT INTO kinds (id, name) VALUES (3, 'after the truncate');
                    COMMIT;""");
        }
    }

    private void insert(Connection connection, int id) throws SQLException {
        try (var statement = connection.prepareStatement("INSERT INTO kinds (id, name) VALUES (?, 'n')")) {
            statement.setInt(1, id);
            statement.executeUpdate();
        }
    }

    private LogicalDecoder decoder() {
        var decoder = new LogicalDecoder(settings, null, 50, 200);
        decoders.add(decoder);
        return decoder;
    }

    private void start(LogicalDecoder decoder) {
        var thread = new Thread(decoder, "decoder-under-test");
        threads.add(thread);
        thread.start();
    }

    private List<String> logRows() {
        return strings("SELECT concat_ws('|', table_name, action, key, new_row, old_row) FROM plank.change_log ORDER BY seq");
    }

    private List<String> captured() {
        return strings("SELECT concat_ws('|', table_name, mode, method) FROM plank.captured_tables ORDER BY 1");
    }

    private long logged() {
        return Long.parseLong(strings("SELECT count(*) FROM plank.change_log").get(0));
    }

    private long distinctKeys() {
        return Long.parseLong(strings("SELECT count(DISTINCT key) FROM plank.change_log").get(0));
    }

    private List<String> strings(String sql) {
        try (var connection = database.connect(); var statement = connection.createStatement();
             var result = statement.executeQuery(sql)) {
            List<String> rows = new ArrayList<>();
            while (result.next()) {
                rows.add(result.getString(1));
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
