package io.plank.persistence.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.plank.domain.change.CaptureMode;

/** Telling a drop, a release, a rename, a table made again and a change of columns apart, by relation id. */
class TableChangeTest {

    private static CapturedTable table(String name, long relid, String... columns) {
        Map<String, String> typed = new LinkedHashMap<>();
        for (int i = 0; i < columns.length; i += 2) {
            typed.put(columns[i], columns[i + 1]);
        }
        return new CapturedTable(name, CaptureMode.DURABLE, relid, typed);
    }

    private static Map<String, CapturedTable> catalog(CapturedTable... tables) {
        Map<String, CapturedTable> catalog = new LinkedHashMap<>();
        for (CapturedTable table : tables) {
            catalog.put(table.name(), table);
        }
        return catalog;
    }

    private static final CapturedTable ORDERS = table("orders", 1, "id", "integer", "status", "text");

    @Test
    void aTableAsItWasHasNoChange() {
        assertTrue(TableChange.of(ORDERS, catalog(ORDERS, table("other", 2)), relid -> true).isEmpty());
    }

    @Test
    void aTableGoneIsDroppedUnlessItsRelationStillExists() {
        assertEquals(TableChange.Why.DROPPED, TableChange.of(ORDERS, catalog(), relid -> false).orElseThrow().why());
        assertEquals(TableChange.Why.RELEASED, TableChange.of(ORDERS, catalog(), relid -> relid == 1).orElseThrow().why());
    }

    @Test
    void theSameRelationUnderAnotherNameIsARename() {
        var change = TableChange.of(ORDERS, catalog(table("purchases", 1, "id", "integer", "status", "text")),
                relid -> { throw new AssertionError("a rename needs no look-up"); }).orElseThrow();
        assertEquals(TableChange.Why.RENAMED, change.why());
        assertEquals("purchases", change.renamedTo());
    }

    @Test
    void anotherRelationUnderTheSameNameReplacesIt() {
        assertEquals(TableChange.Why.REPLACED, TableChange.of(ORDERS, catalog(table("orders", 2, "id", "integer", "status", "text")),
                relid -> false).orElseThrow().why());
    }

    @Test
    void columnsDroppedRenamedOrRetypedAreNamedAndAddedOnesChangeTheShapeOnly() {
        var seen = table("t", 1, "id", "integer", "status", "text", "region", "text", "total", "integer", "note", "text");
        var change = TableChange.of(seen, catalog(table("t", 1, "id", "integer", "area", "text", "total", "text", "note", "text", "extra", "jsonb")),
                relid -> true).orElseThrow();
        assertEquals(TableChange.Why.RESHAPED, change.why());
        assertEquals(Set.of("status", "region", "total"), change.changedColumns());

        var added = TableChange.of(table("t", 1, "id", "integer"), catalog(table("t", 1, "id", "integer", "more", "text")), relid -> true).orElseThrow();
        assertEquals(Set.of(), added.changedColumns(), "a column added breaks no filter, but the shape changed");
    }
}
