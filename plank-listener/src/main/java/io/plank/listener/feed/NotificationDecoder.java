package io.plank.listener.feed;

import java.io.StringReader;
import java.util.Map;
import java.util.NoSuchElementException;

import jakarta.json.Json;
import jakarta.json.JsonException;
import jakarta.json.stream.JsonParser;
import jakarta.json.stream.JsonParser.Event;
import jakarta.json.stream.JsonParserFactory;

import io.plank.domain.change.Action;
import io.plank.domain.change.ChangeEvent;

/**
 * Reads an ephemeral change's notification on {@code plank_changes}, the fields the capture trigger sends
 * ({@code {"table","action","id","data","at"}}, see V3__fields_not_frames.sql; a TRUNCATE's {@code id} and
 * {@code data} are null, V7__truncate.sql), into a {@link ChangeEvent}.
 *
 * <p>Strict, since anyone may {@code NOTIFY plank_changes} by hand and what it carries goes on to browsers: one
 * complete JSON object, a known action, the key and row as JSON values (passed on as their JSON text), the time as a
 * whole number.
 */
final class NotificationDecoder {

    // Json.createParser looks the provider up on every call; the factory does it once.
    private final JsonParserFactory parsers = Json.createParserFactory(Map.of());

    /** @throws IllegalArgumentException if {@code payload} is not a change's notification */
    ChangeEvent decode(String payload) {
        if (payload == null || payload.isBlank()) {
            throw new IllegalArgumentException("empty payload");
        }
        try (JsonParser parser = parsers.createParser(new StringReader(payload))) {
            return read(parser);
        } catch (JsonException | IllegalStateException | NoSuchElementException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getMessage(), e);
        }
    }

    private static ChangeEvent read(JsonParser parser) {
        if (parser.next() != Event.START_OBJECT) {
            throw new IllegalArgumentException("not a JSON object");
        }
        String table = null;
        String action = null;
        String key = null;
        String row = null;
        Long at = null;
        boolean truncated = false;
        while (parser.next() != Event.END_OBJECT) {
            String name = parser.getString();
            Event value = parser.next();
            switch (name) {
                case "table" -> table = string(parser, value, name);
                case "action" -> action = string(parser, value, name);
                case "id" -> key = json(parser, value);
                case "data" -> row = json(parser, value);
                case "at" -> {
                    if (value != Event.VALUE_NUMBER || !parser.isIntegralNumber()) {
                        throw new IllegalArgumentException("at is not a whole number");
                    }
                    at = parser.getLong();
                }
                case "truncated" -> truncated = value == Event.VALUE_TRUE;
                default -> throw new IllegalArgumentException("unknown field " + name);
            }
        }
        if (parser.hasNext()) {
            throw new IllegalArgumentException("content after the object");
        }
        if (table == null || action == null || at == null) {
            throw new IllegalArgumentException("table, action or at missing");
        }
        Action kind = action(action);
        if (kind == Action.TRUNCATE) {
            if (key != null || row != null || truncated) {
                throw new IllegalArgumentException("a TRUNCATE names no row and carries none");
            }
            return ChangeEvent.ephemeral(table, kind, null, null, at, false);
        }
        if (row == null && !truncated) {
            throw new IllegalArgumentException("data missing from a change that is not truncated");
        }
        return ChangeEvent.ephemeral(table, kind, key, row, at, truncated);
    }

    private static String string(JsonParser parser, Event value, String name) {
        if (value != Event.VALUE_STRING) {
            throw new IllegalArgumentException(name + " is not a string");
        }
        return parser.getString();
    }

    /** The value just read, as JSON text; null for JSON null. */
    private static String json(JsonParser parser, Event value) {
        return value == Event.VALUE_NULL ? null : parser.getValue().toString();
    }

    private static Action action(String name) {
        try {
            return Action.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown action " + name, e);
        }
    }
}
