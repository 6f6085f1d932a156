package io.plank.domain.change;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ChangeEventTest {

    private static final long AT = 1_795_000_000_000_000L;

    @Test
    void aTruncatedChangeHasNoRowAndMayHaveNoKey() {
        // a row, or even a primary key, too large for a notification is announced without it
        var event = ChangeEvent.ephemeral("items", Action.UPDATE, null, null, AT, true);
        assertNull(event.key());
        assertNull(event.row());
        assertTrue(event.truncated());
    }

    @Test
    void tableAndActionAreRequired() {
        assertThrows(NullPointerException.class, () -> ChangeEvent.ephemeral(null, Action.INSERT, "1", "{}", AT, false));
        assertThrows(NullPointerException.class, () -> ChangeEvent.ephemeral("items", null, "1", "{}", AT, false));
    }

    @Test
    void durableChangesCarryTheirPlaceInTheLog() {
        var event = new ChangeEvent(42, "items", Action.INSERT, "1", "{\"id\":1}", null, AT, false);
        assertEquals(42, event.seq());
        assertTrue(event.durable());
        assertFalse(ChangeEvent.ephemeral("items", Action.INSERT, "1", "{}", AT, false).durable());
        assertThrows(IllegalArgumentException.class, () -> new ChangeEvent(-1, "items", Action.INSERT, "1", "{}", null, AT, false));
    }

    @Test
    void aChangeWithoutATransactionStandsAlone() {
        var event = new ChangeEvent(42, "items", Action.INSERT, "1", "{\"id\":1}", null, AT, false);
        assertFalse(event.tx().known());
        assertTrue(event.txFirst() && event.txLast(), "nothing more of its transaction will come");
        assertFalse(event.inSharedTx());
        assertFalse(ChangeEvent.ephemeral("items", Action.INSERT, "1", "{}", AT, false).tx().known());
        var middle = new ChangeEvent(43, "items", Action.INSERT, "2", "{}", null, AT, false, new ChangeEvent.Tx(7, 40, false));
        assertTrue(middle.tx().known());
        assertFalse(middle.txFirst());
        assertTrue(middle.inSharedTx());
        var last = new ChangeEvent(43, "items", Action.INSERT, "2", "{}", null, AT, false, new ChangeEvent.Tx(7, 40, true));
        assertTrue(last.inSharedTx(), "the last of several");
        var single = new ChangeEvent(43, "items", Action.INSERT, "2", "{}", null, AT, false, new ChangeEvent.Tx(7, 43, true));
        assertTrue(single.txFirst() && single.txLast());
        assertFalse(single.inSharedTx());
    }

    @Test
    void actionsAreNamedAsPostgresReportsThem() {
        assertEquals(Action.INSERT, Action.valueOf("INSERT"));
        assertEquals(Action.TRUNCATE, Action.valueOf("TRUNCATE"), "TG_OP of a statement-level TRUNCATE trigger");
        assertEquals(4, Action.values().length);
    }
}
