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
 * Reads the few fields Plank routes by out of a change frame, leaving the frame itself untouched.
 *
 * <p>A streaming pass: no tree is built for {@code data}, only tokens are checked. It still reads to the
 * end, because the frame goes to browsers as it is and anyone may {@code NOTIFY plank_changes} by hand,
 * so a frame that is not one complete JSON object must not get through.
 */
final class ChangeFrameDecoder {

    // Json.createParser looks the provider up on every call; the factory does it once.
    private final JsonParserFactory parsers = Json.createParserFactory(Map.of());

    /** @throws IllegalArgumentException if {@code payload} is not a change frame */
    ChangeEvent decode(String payload) {
        if (payload == null || payload.isBlank()) {
            throw new IllegalArgumentException("empty payload");
        }
        try (JsonParser parser = parsers.createParser(new StringReader(payload))) {
            return read(parser, payload);
        } catch (JsonException | IllegalStateException | NoSuchElementException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getMessage(), e);
        }
    }

    private static ChangeEvent read(JsonParser parser, String payload) {
        if (parser.next() != Event.START_OBJECT) {
            throw new IllegalArgumentException("not a JSON object");
        }
        String type = null;
        String table = null;
        String action = null;
        String key = null;
        boolean truncated = false;
        while (parser.next() != Event.END_OBJECT) {
            String name = parser.getString();
            Event value = parser.next();
            switch (name) {
                case "type" -> type = string(parser, value, name);
                case "table" -> table = string(parser, value, name);
                case "action" -> action = string(parser, value, name);
                case "id" -> key = value == Event.VALUE_NULL ? null : parser.getValue().toString();
                case "truncated" -> {
                    truncated = value == Event.VALUE_TRUE;
                    skip(parser, value);
                }
                default -> skip(parser, value);
            }
        }
        if (parser.hasNext()) {
            throw new IllegalArgumentException("content after the frame");
        }
        if (!"change".equals(type)) {
            throw new IllegalArgumentException("type is " + type + ", not change");
        }
        if (table == null || action == null) {
            throw new IllegalArgumentException("table or action missing");
        }
        return ChangeEvent.ephemeral(table, action(action), key, truncated, payload);
    }

    private static String string(JsonParser parser, Event value, String name) {
        if (value != Event.VALUE_STRING) {
            throw new IllegalArgumentException(name + " is not a string");
        }
        return parser.getString();
    }

    private static Action action(String name) {
        try {
            return Action.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown action " + name, e);
        }
    }

    private static void skip(JsonParser parser, Event value) {
        if (value != Event.START_OBJECT && value != Event.START_ARRAY) {
            return;
        }
        int depth = 1;
        while (depth > 0) {
            switch (parser.next()) {
                case START_OBJECT, START_ARRAY -> depth++;
                case END_OBJECT, END_ARRAY -> depth--;
                default -> {
                    // scalars and keys inside the skipped value
                }
            }
        }
    }
}
