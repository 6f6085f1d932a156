package io.plank.web.items;

import java.lang.reflect.Type;
import java.math.BigDecimal;

import jakarta.json.JsonNumber;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.bind.JsonbException;
import jakarta.json.bind.serializer.DeserializationContext;
import jakarta.json.bind.serializer.JsonbDeserializer;
import jakarta.json.stream.JsonParser;

/**
 * JSON types as written, for request fields: JSON-B (Yasson) would take {@code 5} for a string as {@code "5"}, and
 * Payara's takes {@code ["x"]} as {@code "x"}; Plank answers both with 400 like any other wrong type. A JSON
 * {@code null} never reaches a deserializer: the field stays null and Bean Validation speaks for it.
 */
public final class StrictJson {

    private StrictJson() {
    }

    /** A JSON string, nothing else. */
    public static final class Text implements JsonbDeserializer<String> {
        @Override
        public String deserialize(JsonParser parser, DeserializationContext context, Type type) {
            JsonString text = expect(parser, JsonString.class, "string");
            return text == null ? null : text.getString();
        }
    }

    /** A JSON number, as written (see {@link Int32}), nothing else: not {@code "12"}. */
    public static final class Number implements JsonbDeserializer<BigDecimal> {
        @Override
        public BigDecimal deserialize(JsonParser parser, DeserializationContext context, Type type) {
            JsonNumber number = expect(parser, JsonNumber.class, "number");
            return number == null ? null : number.bigDecimalValue();
        }
    }

    private static <T extends JsonValue> T expect(JsonParser parser, Class<T> kind, String name) {
        JsonValue value = parser.getValue();
        if (value.getValueType() == JsonValue.ValueType.NULL) {
            return null; // absent, as far as the fields go: Bean Validation says which must be there
        }
        if (kind.isInstance(value)) {
            return kind.cast(value);
        }
        throw new JsonbException("Expected a JSON " + name + ", got " + value.getValueType());
    }
}
