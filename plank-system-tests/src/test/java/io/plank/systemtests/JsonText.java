package io.plank.systemtests;

import java.io.StringReader;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;

/** JSON-P for the tests: parse, never compare text, since the protocol fixes neither key order nor whitespace. */
final class JsonText {

    private JsonText() {
    }

    static JsonObject object(String text) {
        JsonValue value;
        try (var reader = Json.createReader(new StringReader(text))) {
            value = reader.readValue();
        }
        if (value.getValueType() != JsonValue.ValueType.OBJECT) {
            throw new AssertionError("Expected a JSON object, got: " + text);
        }
        return value.asJsonObject();
    }

    static JsonArray array(String text) {
        try (var reader = Json.createReader(new StringReader(text))) {
            return reader.readArray();
        }
    }

    static JsonObjectBuilder builder() {
        return Json.createObjectBuilder();
    }

    static jakarta.json.JsonArray array(java.util.List<String> values) {
        var array = Json.createArrayBuilder();
        values.forEach(array::add);
        return array.build();
    }

    static jakarta.json.JsonArray parseArray(String text) {
        try (var reader = Json.createReader(new StringReader(text))) {
            return reader.readArray();
        }
    }
}
