package io.plank.web.socket;

import java.io.StringReader;

import jakarta.json.Json;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.stream.JsonParsingException;

/**
 * A parsed client message: {@code subscribe} (with a table and, to resume, {@code since}: the last {@code seq}
 * the client has), {@code unsubscribe} (with a table) or {@code ping}.
 */
record ClientMessage(Type type, String table, Long since) {

    enum Type { SUBSCRIBE, UNSUBSCRIBE, PING }

    static final int MAX_TABLE_NAME_LENGTH = 200;

    static ClientMessage parse(String text) throws ProtocolError {
        JsonObject message = object(text);
        String type = string(message, "type");
        return switch (type) {
            case "subscribe" -> new ClientMessage(Type.SUBSCRIBE, table(message), since(message));
            case "unsubscribe" -> new ClientMessage(Type.UNSUBSCRIBE, table(message), null);
            case "ping" -> new ClientMessage(Type.PING, null, null);
            default -> throw new ProtocolError(ProtocolError.UNKNOWN_TYPE,
                    "Unknown message type '" + Frames.abbreviate(type) + "'; expected subscribe, unsubscribe or ping");
        };
    }

    private static JsonObject object(String text) throws ProtocolError {
        JsonValue value;
        try (var reader = Json.createReader(new StringReader(text))) {
            value = reader.readValue();
        } catch (JsonParsingException e) {
            throw new ProtocolError(ProtocolError.INVALID_JSON, "Not valid JSON: " + e.getMessage());
        } catch (RuntimeException e) {
            throw new ProtocolError(ProtocolError.INVALID_JSON, "Not valid JSON");
        }
        if (value.getValueType() != JsonValue.ValueType.OBJECT) {
            throw new ProtocolError(ProtocolError.INVALID_MESSAGE, "A message must be a JSON object with a \"type\"");
        }
        return value.asJsonObject();
    }

    private static String table(JsonObject message) throws ProtocolError {
        String table = string(message, "table");
        if (table.isEmpty() || table.length() > MAX_TABLE_NAME_LENGTH) {
            throw new ProtocolError(ProtocolError.INVALID_MESSAGE,
                    "\"table\" must be a table name of 1 to " + MAX_TABLE_NAME_LENGTH + " characters");
        }
        return table;
    }

    private static Long since(JsonObject message) throws ProtocolError {
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
        throw new ProtocolError(ProtocolError.INVALID_MESSAGE, "\"since\" must be a seq: a whole number, 0 or more");
    }

    private static String string(JsonObject message, String field) throws ProtocolError {
        JsonValue value = message.get(field);
        if (!(value instanceof JsonString string)) {
            throw new ProtocolError(ProtocolError.INVALID_MESSAGE, "The message needs a string \"" + field + "\"");
        }
        return string.getString();
    }
}
