package io.plank.web.socket.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import org.junit.jupiter.api.Test;

import io.plank.domain.change.Action;
import io.plank.domain.change.ChangeEvent;

/** The change frame, made in one place from a change's fields, as docs/PROTOCOL.md describes it. */
class FramesTest {

    /** 2026-11-21T09:08:34.411430Z */
    private static final long AT = 1_795_252_114_411_430L;

    @Test
    void aDurableChangeHasItsSeqKeyRowAndTime() {
        JsonObject frame = json(Frames.change(new ChangeEvent(1235, "items", Action.UPDATE, "42",
                "{\"id\": 42, \"name\": \"x\"}", "{\"id\": 42, \"name\": \"w\"}", AT, false)));
        assertEquals("change", frame.getString("type"));
        assertEquals(1235, frame.getJsonNumber("seq").longValue());
        assertEquals("items", frame.getString("table"));
        assertEquals("UPDATE", frame.getString("action"));
        assertEquals(42, frame.getInt("id"));
        assertEquals("x", frame.getJsonObject("data").getString("name"));
        assertEquals("2026-11-21T09:08:34.411430Z", frame.getString("at"));
        assertFalse(frame.containsKey("truncated"));
        assertFalse(frame.containsKey("old"), "the row before an update is Plank's, for filters, not the client's");
    }

    @Test
    void anEphemeralChangeHasNoSeqAndATruncatedOneNoRow() {
        JsonObject frame = json(Frames.change(ChangeEvent.ephemeral("sales.invoices", Action.DELETE, null, null, AT, true)));
        assertFalse(frame.containsKey("seq"));
        assertEquals(JsonValue.NULL, frame.get("id"));
        assertEquals(JsonValue.NULL, frame.get("data"));
        assertTrue(frame.getBoolean("truncated"));
        assertEquals("sales.invoices", frame.getString("table"));
    }

    @Test
    void aTruncateIsAChangeWithoutKeyOrRowInItsTransaction() {
        JsonObject frame = json(Frames.change(new ChangeEvent(1240, "items", Action.TRUNCATE, null, null, null, AT, false,
                new ChangeEvent.Tx(777, 1239, true))));
        assertEquals("change", frame.getString("type"));
        assertEquals(1240, frame.getJsonNumber("seq").longValue());
        assertEquals(777, frame.getJsonNumber("tx").longValue());
        assertTrue(frame.getBoolean("tx_last"));
        assertEquals("TRUNCATE", frame.getString("action"));
        assertEquals(JsonValue.NULL, frame.get("id"));
        assertEquals(JsonValue.NULL, frame.get("data"));
        assertFalse(frame.containsKey("truncated"), "truncated means a row cut short, not a table emptied");
        assertEquals(new Frames.Head("change", 1240, false), Frames.head(frame.toString()));
    }

    @Test
    void compositeKeysAndOddNamesStayJson() {
        JsonObject frame = json(Frames.change(new ChangeEvent(7, "we\"ird\u2028", Action.INSERT, "{\"region\": \"eu\", \"number\": 9}",
                "{\"region\": \"eu\", \"number\": 9}", null, AT, false)));
        assertEquals("we\"ird\u2028", frame.getString("table"));
        assertEquals("eu", frame.getJsonObject("id").getString("region"));
    }

    @Test
    void timesKeepTheirMicrosecondsWhateverTheDigits() {
        assertEquals("1970-01-01T00:00:00.000001Z", json(Frames.change(ChangeEvent.ephemeral("t", Action.INSERT, "1", "{}", 1, false))).getString("at"));
        assertEquals("2026-11-21T09:08:34.000000Z", json(Frames.change(ChangeEvent.ephemeral("t", Action.INSERT, "1", "{}", 1_795_252_114_000_000L, false))).getString("at"));
    }

    private static JsonObject json(String text) {
        try (var reader = Json.createReader(new StringReader(text))) {
            return reader.readObject();
        }
    }

    @Test
    void anEventStreamReadsAFramesTypeSeqAndLastFromItsFirstFields() {
        String change = Frames.change(new ChangeEvent(77, "items", Action.INSERT, "1", "{\"id\": 1, \"seq\": 5, \"type\": \"x\"}", null, AT, false));
        assertEquals(new Frames.Head("change", 77, false), Frames.head(change));
        assertEquals(new Frames.Head("change", 77, false), Frames.head(Frames.annotated(change, Relation.LEAVE, java.util.List.of("a", "b"))),
                "ids and leave in front are skipped");
        assertEquals(new Frames.Head("subscribed", 9, false), Frames.head(Frames.subscribed("items", "s", 9)));
        assertEquals(new Frames.Head("subscribed", -1, false), Frames.head(Frames.subscribed("items", null)), "no seq: -1");
        assertEquals(new Frames.Head("snapshot", -1, true), Frames.head(Frames.snapshot("items", null, java.util.List.of("{\"last\": false}"), true)),
                "a row's own fields are never read");
        assertEquals(new Frames.Head("error", -1, false), Frames.head(Frames.error("invalid_filter", "no", "items", null)));
    }
}
