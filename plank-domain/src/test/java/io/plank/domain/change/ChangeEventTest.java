package io.plank.domain.change;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ChangeEventTest {

    private static final String FRAME = "{\"type\":\"change\",\"table\":\"items\",\"action\":\"DELETE\",\"id\":1,\"data\":null,\"truncated\":true}";

    @Test
    void carriesTheFrameUntouched() {
        var event = ChangeEvent.ephemeral("items", Action.DELETE, "1", true, FRAME);
        assertEquals(FRAME, event.frame());
        assertEquals("items", event.table());
    }

    @Test
    void aKeylessChangeIsAllowed() {
        // a primary key too large for a notification is announced without it
        assertNull(ChangeEvent.ephemeral("items", Action.UPDATE, null, true, FRAME).key());
    }

    @Test
    void tableActionAndFrameAreRequired() {
        assertThrows(NullPointerException.class, () -> ChangeEvent.ephemeral(null, Action.INSERT, "1", false, FRAME));
        assertThrows(NullPointerException.class, () -> ChangeEvent.ephemeral("items", null, "1", false, FRAME));
        assertThrows(NullPointerException.class, () -> ChangeEvent.ephemeral("items", Action.INSERT, "1", false, null));
    }

    @Test
    void durableChangesCarryTheirPlaceInTheLog() {
        var event = new ChangeEvent(42, "items", Action.INSERT, "1", false, FRAME, null);
        assertEquals(42, event.seq());
        assertTrue(event.durable());
        assertFalse(ChangeEvent.ephemeral("items", Action.INSERT, "1", false, FRAME).durable());
        assertThrows(IllegalArgumentException.class, () -> new ChangeEvent(-1, "items", Action.INSERT, "1", false, FRAME, null));
    }

    @Test
    void actionsAreNamedAsPostgresReportsThem() {
        assertEquals(Action.INSERT, Action.valueOf("INSERT"));
        assertEquals(3, Action.values().length);
    }
}
