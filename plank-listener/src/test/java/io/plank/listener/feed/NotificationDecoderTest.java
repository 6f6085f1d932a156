package io.plank.listener.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.plank.domain.change.Action;

/** The ephemeral notification as the capture trigger writes it (json_build_object's spacing), and everything else. */
@Timeout(5)
class NotificationDecoderTest {

    private final NotificationDecoder decoder = new NotificationDecoder();

    @Test
    void anInsertKeepsItsRowAsJson() {
        var event = decoder.decode("{\"table\" : \"items\", \"action\" : \"INSERT\", \"id\" : 1, "
                + "\"data\" : {\"id\": 1, \"name\": \"a\", \"tags\": [1, {\"x\": null}]}, \"at\" : 1795000000000001}");
        assertEquals("items", event.table());
        assertEquals(Action.INSERT, event.action());
        assertEquals("1", event.key());
        assertEquals("{\"id\":1,\"name\":\"a\",\"tags\":[1,{\"x\":null}]}", event.row());
        assertEquals(1795000000000001L, event.atMicros());
        assertFalse(event.truncated());
        assertFalse(event.durable());
    }

    @Test
    void updateAndDelete() {
        assertEquals(Action.UPDATE, decoder.decode(payload("UPDATE", "7", "{\"id\": 7}")).action());
        var delete = decoder.decode(payload("DELETE", "8", "{\"id\": 8}"));
        assertEquals(Action.DELETE, delete.action());
        assertEquals("8", delete.key());
    }

    @Test
    void compositeKeyIsAJsonObject() {
        var event = decoder.decode(payload("INSERT", "{\"tenant\": \"acme\", \"n\": 3}", "{\"tenant\": \"acme\", \"n\": 3}"));
        assertEquals("{\"tenant\":\"acme\",\"n\":3}", event.key());
    }

    @Test
    void textKeyStaysQuotedJson() {
        assertEquals("\"a\\\"b\"", decoder.decode(payload("INSERT", "\"a\\\"b\"", "{}")).key());
    }

    @Test
    void aTruncatedChangeHasNoRow() {
        var event = decoder.decode("{\"table\" : \"audit.log\", \"action\" : \"UPDATE\", \"id\" : 5, "
                + "\"data\" : null, \"truncated\" : true, \"at\" : 1795000000000001}");
        assertTrue(event.truncated());
        assertNull(event.row());
        assertEquals("audit.log", event.table());
        assertEquals("5", event.key());
    }

    @Test
    void aKeyTooLongForANotificationIsNull() {
        var event = decoder.decode("{\"table\" : \"t\", \"action\" : \"DELETE\", \"id\" : null, "
                + "\"data\" : null, \"truncated\" : true, \"at\" : 1795000000000001}");
        assertNull(event.key());
        assertTrue(event.truncated());
    }

    @Test
    void aTruncateNamesNoRowAndCarriesNone() {
        var event = decoder.decode("{\"table\" : \"sales.invoices\", \"action\" : \"TRUNCATE\", \"id\" : null, "
                + "\"data\" : null, \"at\" : 1795000000000001}");
        assertEquals(Action.TRUNCATE, event.action());
        assertEquals("sales.invoices", event.table());
        assertNull(event.key());
        assertNull(event.row());
        assertFalse(event.truncated(), "not a row cut short: there is no row");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"table\" : \"t\", \"action\" : \"TRUNCATE\", \"id\" : 1, \"data\" : null, \"at\" : 1}",
            "{\"table\" : \"t\", \"action\" : \"TRUNCATE\", \"id\" : null, \"data\" : {\"id\": 1}, \"at\" : 1}",
            "{\"table\" : \"t\", \"action\" : \"TRUNCATE\", \"id\" : null, \"data\" : null, \"truncated\" : true, \"at\" : 1}"})
    void aTruncateWithARowIsRefused(String payload) {
        assertThrows(IllegalArgumentException.class, () -> decoder.decode(payload));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "", "hello", "42", "[1,2]", "{}",
            "{\"table\" : \"items\", \"action\" : \"INSERT\", \"id\" : 1, \"data\" : {\"id\": 1",
            "{\"table\" : \"items\", \"action\" : \"INSERT\", \"id\" : 1, \"data\" : {}, \"at\" : 1} trailing",
            "{\"table\" : \"items\", \"action\" : \"UPSERT\", \"id\" : 1, \"data\" : {}, \"at\" : 1}",
            "{\"table\" : 3, \"action\" : \"INSERT\", \"id\" : 1, \"data\" : {}, \"at\" : 1}",
            "{\"action\" : \"INSERT\", \"id\" : 1, \"data\" : {}, \"at\" : 1}",
            "{\"table\" : \"items\", \"action\" : \"INSERT\", \"id\" : 1, \"data\" : {}}",
            "{\"table\" : \"items\", \"action\" : \"INSERT\", \"id\" : 1, \"data\" : {}, \"at\" : \"2026-11-21\"}",
            "{\"table\" : \"items\", \"action\" : \"INSERT\", \"id\" : 1, \"data\" : {}, \"at\" : 1.5}",
            "{\"table\" : \"items\", \"action\" : \"INSERT\", \"id\" : 1, \"at\" : 1}",
            "{\"table\" : \"items\", \"action\" : \"INSERT\", \"id\" : 1, \"data\" : {}, \"at\" : 1, \"extra\" : 2}",
            "{\"type\" : \"change\", \"table\" : \"items\", \"action\" : \"INSERT\", \"id\" : 1, \"data\" : {}, \"at\" : 1}",
            "{\"table\" : \"items\", \"action\" : \"INSERT\", \"id\" : 1, \"data\" : {\"a\": ]}, \"at\" : 1}"
    })
    void anythingElseIsRejected(String payload) {
        assertThrows(IllegalArgumentException.class, () -> decoder.decode(payload));
    }

    private static String payload(String action, String key, String data) {
        return "{\"table\" : \"items\", \"action\" : \"" + action + "\", \"id\" : " + key
                + ", \"data\" : " + data + ", \"at\" : 1795000000000001}";
    }
}
