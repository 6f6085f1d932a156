package io.plank.listener.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.plank.domain.change.Action;

@Timeout(5)
class ChangeFrameDecoderTest {

    private final ChangeFrameDecoder decoder = new ChangeFrameDecoder();

    @Test
    void insertKeepsTheFrameUntouched() {
        String frame = "{\"type\" : \"change\", \"table\" : \"items\", \"action\" : \"INSERT\", \"id\" : 1, "
                + "\"data\" : {\"id\": 1, \"name\": \"a\", \"tags\": [1, {\"x\": null}]}, \"at\" : \"2026-11-21T09:00:00.000001Z\"}";
        var event = decoder.decode(frame);
        assertEquals("items", event.table());
        assertEquals(Action.INSERT, event.action());
        assertEquals("1", event.key());
        assertFalse(event.truncated());
        assertSame(frame, event.frame());
    }

    @Test
    void updateAndDelete() {
        assertEquals(Action.UPDATE, decoder.decode(frame("UPDATE", "7", "{\"id\": 7}")).action());
        var delete = decoder.decode(frame("DELETE", "8", "{\"id\": 8}"));
        assertEquals(Action.DELETE, delete.action());
        assertEquals("8", delete.key());
    }

    @Test
    void compositeKeyIsAJsonObject() {
        var event = decoder.decode(frame("INSERT", "{\"tenant\": \"acme\", \"n\": 3}", "{\"tenant\": \"acme\", \"n\": 3}"));
        assertEquals("{\"tenant\":\"acme\",\"n\":3}", event.key());
    }

    @Test
    void textKeyStaysQuotedJson() {
        assertEquals("\"a\\\"b\"", decoder.decode(frame("INSERT", "\"a\\\"b\"", "{}")).key());
    }

    @Test
    void truncatedFrame() {
        var event = decoder.decode("{\"type\" : \"change\", \"table\" : \"audit.log\", \"action\" : \"UPDATE\", \"id\" : 5, "
                + "\"data\" : null, \"truncated\" : true, \"at\" : \"2026-11-21T09:00:00.000001Z\"}");
        assertTrue(event.truncated());
        assertEquals("audit.log", event.table());
        assertEquals("5", event.key());
    }

    @Test
    void keyTooLongForAFrameIsNull() {
        var event = decoder.decode("{\"type\" : \"change\", \"table\" : \"t\", \"action\" : \"DELETE\", \"id\" : null, "
                + "\"data\" : null, \"truncated\" : true, \"at\" : \"2026-11-21T09:00:00.000001Z\"}");
        assertNull(event.key());
        assertTrue(event.truncated());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "", "hello", "42", "[1,2]", "{}",
            "{\"type\" : \"change\", \"table\" : \"items\", \"action\" : \"INSERT\", \"id\" : 1, \"data\" : {\"id\": 1",
            "{\"type\" : \"change\", \"table\" : \"items\", \"action\" : \"INSERT\", \"id\" : 1} trailing",
            "{\"type\" : \"change\", \"table\" : \"items\", \"action\" : \"UPSERT\", \"id\" : 1}",
            "{\"type\" : \"change\", \"table\" : 3, \"action\" : \"INSERT\", \"id\" : 1}",
            "{\"type\" : \"change\", \"action\" : \"INSERT\", \"id\" : 1}",
            "{\"type\" : \"hello\", \"table\" : \"items\", \"action\" : \"INSERT\", \"id\" : 1}",
            "{\"type\" : \"change\", \"table\" : \"items\", \"action\" : \"INSERT\", \"id\" : 1, \"data\" : {\"a\": ]}}"
    })
    void malformedPayloadIsRejected(String payload) {
        assertThrows(IllegalArgumentException.class, () -> decoder.decode(payload));
    }

    private static String frame(String action, String key, String data) {
        return "{\"type\" : \"change\", \"table\" : \"items\", \"action\" : \"" + action + "\", \"id\" : " + key
                + ", \"data\" : " + data + ", \"at\" : \"2026-11-21T09:00:00.000001Z\"}";
    }
}
