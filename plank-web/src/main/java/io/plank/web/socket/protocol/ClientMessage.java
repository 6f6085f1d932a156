package io.plank.web.socket.protocol;

import java.io.StringReader;
import java.math.BigDecimal;

import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.stream.JsonParsingException;

import io.plank.domain.filter.Filter;
import io.plank.domain.filter.InvalidFilterException;
import io.plank.domain.text.Excerpt;
import io.plank.web.limits.JsonNesting;

/**
 * A parsed client message: {@code subscribe} (a table; optionally an id {@code sub}, a {@code filter}, either
 * {@code since}, the last {@code seq} the client has, or {@code snapshot}, {@code tx_end}, whether it takes
 * {@code tx_end} frames, and {@code schema}, whether it takes {@code schema} frames), {@code unsubscribe} (by {@code sub}, or every subscription of a {@code table}) {@code ping}, or {@code auth}
 * (a bearer {@code token}: the connection's caller from now on, or a fresh token for the same subject).
 */
public record ClientMessage(Type type, String table, String sub, Long since, Filter filter, boolean snapshot, boolean txEnd, boolean schema,
                     String token) {

    public enum Type { SUBSCRIBE, UNSUBSCRIBE, PING, AUTH }

    static final int MAX_TABLE_NAME_LENGTH = 200;
    static final int MAX_SUB_LENGTH = 100;

    /** A plain subscription to {@code table}, as {@code ?tables=} asks for. */
    public static ClientMessage subscribe(String table) {
        return new ClientMessage(Type.SUBSCRIBE, table, null, null, null, false, false, false, null);
    }

    /**
     * The subscription of an event stream, from its query parameters (any may be null): checked as a
     * {@code subscribe} message with the same fields is. {@code since} is a number or refused as one.
     */
    public static ClientMessage stream(String table, String sub, String filter, String since, String snapshot, String txEnd) throws ProtocolError {
        var message = Frames.JSON.createObjectBuilder().add("type", "subscribe").add("table", table);
        if (sub != null) {
            message.add("sub", sub);
        }
        if (filter != null) {
            message.add("filter", filter);
        }
        if (since != null) {
            message.add("since", since.matches("[0-9]{1,19}") ? Frames.JSON.createValue(new BigDecimal(since)) : Frames.JSON.createValue(since));
        }
        if (snapshot != null) {
            message.add("snapshot", queryFlag(snapshot));
        }
        if (txEnd != null) {
            message.add("tx_end", queryFlag(txEnd));
        }
        return subscribe(message.build());
    }

    /** A query parameter's {@code true} or {@code false} as JSON; anything else as a string, refused as JSON would be. */
    private static JsonValue queryFlag(String value) {
        return switch (value) {
            case "true" -> JsonValue.TRUE;
            case "false" -> JsonValue.FALSE;
            default -> Frames.JSON.createValue(value);
        };
    }

    public static ClientMessage parse(String text) throws ProtocolError {
        JsonObject message = object(text);
        String type = string(message, "type", null);
        return switch (type) {
            case "subscribe" -> subscribe(message);
            case "unsubscribe" -> unsubscribe(message);
            case "ping" -> new ClientMessage(Type.PING, null, null, null, null, false, false, false, null);
            case "auth" -> new ClientMessage(Type.AUTH, null, null, null, null, false, false, false, string(message, "token", null));
            default -> throw new ProtocolError(ProtocolError.UNKNOWN_TYPE,
                    "Unknown message type '" + Excerpt.of(type) + "'; expected subscribe, unsubscribe, ping or auth");
        };
    }

    private static ClientMessage subscribe(JsonObject message) throws ProtocolError {
        String sub = sub(message);
        String table = table(message, sub);
        Long since = since(message, table, sub);
        boolean snapshot = flag(message, "snapshot", table, sub);
        if (since != null && snapshot) {
            throw new ProtocolError(ProtocolError.INVALID_MESSAGE,
                    "\"since\" and \"snapshot\" exclude each other: resume from a seq, or start again from a snapshot", table, sub);
        }
        return new ClientMessage(Type.SUBSCRIBE, table, sub, since, filter(message, table, sub), snapshot, flag(message, "tx_end", table, sub),
                flag(message, "schema", table, sub), null);
    }

    private static ClientMessage unsubscribe(JsonObject message) throws ProtocolError {
        String sub = sub(message);
        if (sub != null) {
            return new ClientMessage(Type.UNSUBSCRIBE, null, sub, null, null, false, false, false, null);
        }
        return new ClientMessage(Type.UNSUBSCRIBE, table(message, null), null, null, null, false, false, false, null);
    }

    private static JsonObject object(String text) throws ProtocolError {
        if (JsonNesting.tooDeep(text)) {
            throw new ProtocolError(ProtocolError.INVALID_JSON, "Not valid JSON for Plank: " + JsonNesting.refusal());
        }
        JsonValue value;
        try (var parser = Frames.JSON.createParser(new StringReader(text))) {
            parser.next();
            value = parser.getValue();
            if (parser.hasNext()) { // throws on anything but the end: one message is one JSON value
                throw new JsonParsingException("More after the JSON value", parser.getLocation());
            }
        } catch (JsonParsingException e) {
            throw new ProtocolError(ProtocolError.INVALID_JSON, "Not valid JSON: " + e.getMessage());
        } catch (RuntimeException e) {
            throw new ProtocolError(ProtocolError.INVALID_JSON, "Not valid JSON");
        }
        if (value.getValueType() != JsonValue.ValueType.OBJECT) {
            throw new ProtocolError(ProtocolError.INVALID_MESSAGE, "A message must be a JSON object with a \"type\"");
        }
        for (JsonValue member : value.asJsonObject().values()) {
            if (member instanceof JsonString string && !Utf8.encodable(string.getString())) {
                throw new ProtocolError(ProtocolError.INVALID_MESSAGE,
                        "A string holds an unpaired surrogate (\\uD800 to \\uDFFF alone), which is no character and cannot be sent back");
            }
        }
        return value.asJsonObject();
    }

    private static String sub(JsonObject message) throws ProtocolError {
        JsonValue value = message.get("sub");
        if (value == null || value.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (!(value instanceof JsonString string) || string.getString().isEmpty() || string.getString().length() > MAX_SUB_LENGTH) {
            throw new ProtocolError(ProtocolError.INVALID_MESSAGE, "\"sub\" must be a string of 1 to " + MAX_SUB_LENGTH + " characters");
        }
        return string.getString();
    }

    private static String table(JsonObject message, String sub) throws ProtocolError {
        String table = string(message, "table", sub);
        if (table.isEmpty() || table.length() > MAX_TABLE_NAME_LENGTH) {
            throw new ProtocolError(ProtocolError.INVALID_MESSAGE,
                    "\"table\" must be a table name of 1 to " + MAX_TABLE_NAME_LENGTH + " characters", null, sub);
        }
        return table;
    }

    private static Long since(JsonObject message, String table, String sub) throws ProtocolError {
        JsonValue value = message.get("since");
        if (value == null || value.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (value instanceof JsonNumber number && number.isIntegral()) {
            try {
                long since = number.longValueExact();
                if (since >= 0) {
                    return since;
                }
            } catch (ArithmeticException e) {
                // too large for a seq: refused below
            }
        }
        throw new ProtocolError(ProtocolError.INVALID_MESSAGE, "\"since\" must be a seq: a whole number, 0 or more", table, sub);
    }

    private static boolean flag(JsonObject message, String name, String table, String sub) throws ProtocolError {
        JsonValue value = message.get(name);
        if (value == null || value == JsonValue.NULL || value == JsonValue.FALSE) {
            return false;
        }
        if (value == JsonValue.TRUE) {
            return true;
        }
        throw new ProtocolError(ProtocolError.INVALID_MESSAGE, "\"" + name + "\" must be true or false", table, sub);
    }

    private static Filter filter(JsonObject message, String table, String sub) throws ProtocolError {
        JsonValue value = message.get("filter");
        if (value == null || value.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (!(value instanceof JsonString string)) {
            throw new ProtocolError(ProtocolError.INVALID_FILTER, "\"filter\" must be a string such as \"status=eq.paid\"", table, sub);
        }
        try {
            return Filter.parse(string.getString());
        } catch (InvalidFilterException e) {
            throw new ProtocolError(ProtocolError.INVALID_FILTER, e.getMessage(), table, sub);
        }
    }

    private static String string(JsonObject message, String field, String sub) throws ProtocolError {
        JsonValue value = message.get(field);
        if (!(value instanceof JsonString string)) {
            throw new ProtocolError(ProtocolError.INVALID_MESSAGE, "The message needs a string \"" + field + "\"", null, sub);
        }
        return string.getString();
    }
}
