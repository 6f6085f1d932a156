package io.plank.client;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import jakarta.json.JsonException;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;

/** Reading frames and their fields with JSON-P; the one place that knows the provider. */
final class Json {

    static final JsonProvider PROVIDER = JsonProvider.provider();

    private Json() {
    }

    /**
     * The frames of one WebSocket message: one object, or (with {@code ?batch=true}) an array of them. Elements that
     * are not objects with a string {@code type} are skipped.
     *
     * @throws JsonException when the text is not JSON
     */
    static List<JsonObject> frames(String text) {
        JsonValue value;
        try (var reader = PROVIDER.createReader(new StringReader(text))) {
            value = reader.readValue();
        }
        List<JsonObject> frames = new ArrayList<>();
        if (value instanceof JsonObject object) {
            add(frames, object);
        } else if (value.getValueType() == JsonValue.ValueType.ARRAY) {
            for (JsonValue element : value.asJsonArray()) {
                if (element instanceof JsonObject object) {
                    add(frames, object);
                }
            }
        }
        return frames;
    }

    private static void add(List<JsonObject> frames, JsonObject frame) {
        if (frame.get("type") instanceof JsonString) {
            frames.add(frame);
        }
    }

    static String string(JsonObject frame, String name) {
        return frame.get(name) instanceof JsonString string ? string.getString() : null;
    }

    /** A whole-number field, or null when absent or not a number. */
    static Long number(JsonObject frame, String name) {
        return frame.get(name) instanceof JsonNumber number ? number.longValue() : null;
    }

    static boolean isTrue(JsonObject frame, String name) {
        return frame.get(name) == JsonValue.TRUE;
    }

    static String write(Map<String, ?> message) {
        var builder = PROVIDER.createObjectBuilder();
        message.forEach((name, value) -> {
            if (value instanceof String string) {
                builder.add(name, string);
            } else if (value instanceof Long number) {
                builder.add(name, number);
            } else if (value instanceof Boolean flag) {
                builder.add(name, flag);
            }
        });
        return builder.build().toString();
    }

    /**
     * One string per key value, the same whichever way the key arrives: a change frame's {@code id} (a number, a
     * string, or an object whose fields come in PostgreSQL's order) or the key columns read from a snapshot row.
     */
    static String canonicalKey(JsonValue id) {
        if (id instanceof JsonObject object) {
            var sorted = new TreeMap<String, JsonValue>(object);
            StringBuilder text = new StringBuilder("{");
            sorted.forEach((name, value) -> text.append(text.length() > 1 ? "," : "")
                    .append(PROVIDER.createValue(name)).append(':').append(canonicalKey(value)));
            return text.append('}').toString();
        }
        if (id instanceof JsonNumber number) {
            return number.bigDecimalValue().stripTrailingZeros().toPlainString();
        }
        return id == null ? "null" : id.toString();
    }
}
