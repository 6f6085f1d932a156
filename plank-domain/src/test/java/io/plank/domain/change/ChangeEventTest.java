package io.plank.domain.change;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ChangeEventTest {

    private static final String FRAME = "{\"type\":\"change\",\"table\":\"items\",\"action\":\"DELETE\",\"id\":1,\"data\":null,\"truncated\":true}";

    @Test
    void carriesTheFrameUntouched() {
        var event = new ChangeEvent("items", Action.DELETE, "1", true, FRAME);
        assertEquals(FRAME, event.frame());
        assertEquals("items", event.table());
    }

    @Test
    void aKeylessChangeIsAllowed() {
        // a primary key too large for a notification is announced without it
        assertNull(new ChangeEvent("items", Action.UPDATE, null, true, FRAME).key());
    }

    @Test
    void tableActionAndFrameAreRequired() {
        assertThrows(NullPointerException.class, () -> new ChangeEvent(null, Action.INSERT, "1", false, FRAME));
        assertThrows(NullPointerException.class, () -> new ChangeEvent("items", null, "1", false, FRAME));
        assertThrows(NullPointerException.class, () -> new ChangeEvent("items", Action.INSERT, "1", false, null));
    }

    @Test
    void actionsAreNamedAsPostgresReportsThem() {
        assertEquals(Action.INSERT, Action.valueOf("INSERT"));
        assertEquals(3, Action.values().length);
    }
}
