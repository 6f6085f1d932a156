package io.plank.persistence.rows;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.plank.domain.filter.Filter;
import io.plank.domain.filter.InvalidFilterException;
import io.plank.persistence.migration.SchemaMigrator;
import io.plank.testsupport.db.FreshDatabase;

/**
 * Filters and snapshots against a real table of many column types. The central check: for every filter, the
 * rows a snapshot query selects (SQL) are exactly the rows the in-memory test passes (what the change stream uses).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TableRowsTest {

    @RegisterExtension
    final FreshDatabase database = FreshDatabase.migratedBy(SchemaMigrator::migrate);
    private TableRows rows;

    @BeforeEach
    void createTable() throws SQLException {
        rows = new TableRows(database.dataSource());
        try (var connection = database.connect(); var statement = connection.createStatement()) {
            statement.execute("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')");
            statement.execute("CREATE DOMAIN money_amount AS numeric(10,2)");
            statement.execute("""
                    CREATE TABLE orders (
                        region text, number int, status varchar(40), total money_amount, weight real, paid boolean,
                        placed date, due timestamptz, local_at timestamp, code uuid, mood mood, notes jsonb,
                        PRIMARY KEY (region, number))""");
            statement.execute("SELECT plank.capture('orders')");
            statement.execute("""
                    INSERT INTO orders VALUES
                    ('eu', 1, 'paid', 10.50, 1.5, true, '2026-01-01', '2026-01-01T10:00:00Z', '2026-01-01 10:00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'happy', '{"a":1}'),
                    ('eu', 2, 'open', 99.99, 0.1, false, '2026-02-01', '2026-02-01T10:00:00+02:00', '2026-02-01 10:00', 'B0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A12', 'sad', null),
                    ('uk', 1, 'paid', 100, 2.25, null, null, null, null, null, null, '[]'),
                    ('us', 7, null, 0, -3, true, '2025-12-31', '2025-12-31T23:59:59.999999Z', '2025-12-31 23:59:59.999999', null, 'ok', null),
                    ('zë', 3, 'Zoë 🚀', 1e6, 1e10, false, 'infinity', 'infinity', '-infinity', null, 'ok', null),
                    ('Ω', 4, 'O''Brien; DROP TABLE orders;--', 5, 5, true, '2026-03-01', '2026-03-01T00:00:00Z', '2026-03-01 00:00', null, 'happy', null)""");
        }
    }

    @Test
    void readsColumnsKindsAndKey() throws SQLException {
        TableShape shape = rows.shape("orders").orElseThrow();
        assertEquals(List.of("region", "number"), shape.key());
        assertEquals(ColumnKind.NUMBER, shape.columns().get("total").kind()); // a domain counts as its base type
        assertEquals(ColumnKind.ENUM, shape.columns().get("mood").kind());
        assertEquals(ColumnKind.TIMESTAMPTZ, shape.columns().get("due").kind());
        assertEquals(ColumnKind.OTHER, shape.columns().get("notes").kind());
        assertTrue(rows.shape("no_such_table").isEmpty());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "status=eq.paid                              | 2",
            "status=neq.paid                             | 3",
            "number=lt.3                                 | 3",
            "number=lte.3                                | 4",
            "number=gt.3                                 | 2",
            "number=gte.3                                | 3",
            "total=eq.10.5                               | 1",
            "total=gte.99.990                            | 3",
            "weight=lt.0.2                               | 2",
            "weight=gt.1e9                               | 1",
            "region=in.(eu,uk)                           | 3",
            "number=in.(1,7)                             | 3",
            "status=is.null                              | 1",
            "status=is.not_null                          | 5",
            "paid=eq.true                                | 3",
            "paid=neq.true                               | 2",
            "paid=is.false                               | 2",
            "paid=is.null                                | 1",
            "placed=gt.2026-01-15                        | 3",
            "placed=lt.2026-01-01                        | 1",
            "due=eq.2026-02-01T08:00:00Z                 | 1",
            "due=gte.2026-01-01 11:00+01                 | 4",
            "local_at=lt.2026-01-01                      | 2",
            "code=eq.b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12 | 1",
            "code=gt.a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11 | 1",
            "mood=in.(happy,sad)                         | 3",
            "mood=neq.ok                                 | 3",
            "notes=is.not_null                           | 2",
            "region=gt.z                                 | 2",
            "status=eq.Zoë 🚀                            | 1",
            "status=eq.O'Brien; DROP TABLE orders;--     | 1",
            "status=lt.P&paid=is.true                    | 1",
            "region=eq.eu&number=gt.1&total=lt.100       | 1"})
    void snapshotAndStreamAgreeOnEveryOperatorAndType(String filter, int expected) throws Exception {
        TableShape shape = rows.shape("orders").orElseThrow();
        RowFilter typed = rows.filter(shape, Filter.parse(filter));

        List<String> selected = snapshot(shape, typed);
        List<String> passed = new ArrayList<>();
        for (String row : snapshot(shape, RowFilter.ALL)) {
            if (typed.matches(json(row))) {
                passed.add(row);
            }
        }

        assertEquals(expected, selected.size(), () -> filter + " selected " + selected);
        assertEquals(passed, selected, filter);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "nope=eq.1                  | Table 'orders' has no column 'nope'; its columns are region, number, status",
            "number=eq.abc              | Column 'number' is integer: ERROR: invalid input syntax for type integer: \"abc\"",
            "number=in.(1,2,x)          | Column 'number' is integer: ERROR: invalid input syntax for type integer: \"x\"",
            "number=gt.99999999999      | Column 'number' is integer: ERROR: value \"99999999999\" is out of range for type integer",
            "placed=lt.2026-13-45       | Column 'placed' is date: ERROR: date/time field value out of range: \"2026-13-45\"",
            "paid=eq.maybe              | Column 'paid' is boolean: ERROR: invalid input syntax for type boolean: \"maybe\"",
            "mood=eq.grumpy             | Column 'mood' is mood: ERROR: invalid input value for enum mood: \"grumpy\"",
            "code=eq.42                 | Column 'code' is uuid: ERROR: invalid input syntax for type uuid: \"42\"",
            "paid=lt.true               | Column 'paid' is boolean: lt does not apply; use eq, neq, in and is (null, not_null, true, false)",
            "mood=gt.ok                 | Column 'mood' is mood: gt does not apply; use eq, neq, in, is.null and is.not_null",
            "notes=eq.{}                | Column 'notes' is jsonb: eq does not apply; use is.null and is.not_null",
            "status=is.true             | Column 'status' is character varying: is.true does not apply",
            "weight=eq.NaN              | Column 'weight' is real: 'NaN' cannot be compared (not a finite value)"})
    void refusesFiltersThatDoNotFitTheTable(String filter, String message) throws SQLException {
        TableShape shape = rows.shape("orders").orElseThrow();
        var error = assertThrows(InvalidFilterException.class, () -> rows.filter(shape, Filter.parse(filter)));
        assertTrue(error.getMessage().startsWith(message), error.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"'; DROP TABLE orders; --", "\" OR 1=1 --", "x') OR true --", "\\'", "ünï©ødé ✓"})
    void hostileValuesAreOnlyValues(String value) throws Exception {
        TableShape shape = rows.shape("orders").orElseThrow();
        String quoted = "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        RowFilter typed = rows.filter(shape, Filter.parse("status=eq." + quoted + "&region=neq." + quoted));

        assertEquals(List.of(), snapshot(shape, typed));
        assertEquals(6, snapshot(shape, RowFilter.ALL).size());
    }

    @Test
    void veryLongValuesAreComparedNotTruncated() throws Exception {
        try (var connection = database.connect(); var statement = connection.createStatement()) {
            statement.execute("INSERT INTO orders (region, number, notes) VALUES ('" + "r".repeat(3_000) + "', 9, null)");
        }
        TableShape shape = rows.shape("orders").orElseThrow();
        assertEquals(1, snapshot(shape, rows.filter(shape, Filter.parse("region=eq." + "r".repeat(3_000)))).size());
        assertEquals(0, snapshot(shape, rows.filter(shape, Filter.parse("region=eq." + "r".repeat(2_999)))).size());
    }

    @Test
    void pagesAreBoundedByRowsAndTheLastIsMarked() throws Exception {
        TableShape shape = rows.shape("orders").orElseThrow();
        List<Integer> sizes = new ArrayList<>();
        List<Boolean> lasts = new ArrayList<>();
        rows.snapshot(shape, RowFilter.ALL, 0, 100, 4, 1 << 20, (page, last) -> {
            sizes.add(page.size());
            lasts.add(last);
        });
        assertEquals(List.of(4, 2), sizes);
        assertEquals(List.of(false, true), lasts);
    }

    @Test
    void refusesASnapshotOverTheLimitBeforeSendingAnything() throws Exception {
        TableShape shape = rows.shape("orders").orElseThrow();
        List<String> sent = new ArrayList<>();
        var error = assertThrows(SnapshotTooLargeException.class,
                () -> rows.snapshot(shape, RowFilter.ALL, 0, 5, 100, 1 << 20, (page, last) -> sent.addAll(page)));
        assertTrue(error.getMessage().contains("More than 5 rows of 'orders' match"), error.getMessage());
        assertTrue(sent.isEmpty());
        assertEquals(6, rows.snapshot(shape, RowFilter.ALL, 0, 6, 100, 1 << 20, (page, last) -> { }).length);
    }

    @Test
    void returnsTheLoggedChangesTheSnapshotContains() throws Exception {
        long before = maxSeq();
        try (var connection = database.connect(); var statement = connection.createStatement()) {
            statement.execute("UPDATE orders SET status = 'shipped' WHERE region = 'eu'");
            statement.execute("UPDATE items SET name = name"); // another table's change is not this table's
        }
        TableShape shape = rows.shape("orders").orElseThrow();
        long[] visible = rows.snapshot(shape, RowFilter.ALL, before, 100, 100, 1 << 20, (page, last) -> { });
        assertArrayEquals(new long[] {before + 1, before + 2}, visible);
        assertFalse(rows.snapshot(shape, RowFilter.ALL, before + 2, 100, 100, 1 << 20, (page, last) -> { }).length > 0);
    }

    private long maxSeq() throws SQLException {
        try (var connection = database.connect(); var statement = connection.createStatement();
             var result = statement.executeQuery("SELECT COALESCE(max(seq), 0) FROM plank.change_log")) {
            result.next();
            return result.getLong(1);
        }
    }

    private List<String> snapshot(TableShape shape, RowFilter filter) throws Exception {
        List<String> all = new ArrayList<>();
        rows.snapshot(shape, filter, 0, 1_000, 100, 1 << 20, (page, last) -> all.addAll(page));
        return all;
    }

    private static JsonObject json(String text) {
        try (var reader = Json.createReader(new StringReader(text))) {
            return reader.readObject();
        }
    }
}
