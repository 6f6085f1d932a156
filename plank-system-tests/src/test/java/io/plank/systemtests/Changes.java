package io.plank.systemtests;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.function.Predicate;

import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

/** What change frames look like, and rows written behind the API's back. */
final class Changes {

    private Changes() {
    }

    /** A change frame for {@code items} with this action and primary key. */
    static Predicate<JsonObject> change(String action, long id) {
        return change("items", action, id);
    }

    /** A change frame for {@code table} with this action and primary key. */
    static Predicate<JsonObject> change(String table, String action, long id) {
        return frame -> "change".equals(frame.getString("type", null))
                && table.equals(frame.getString("table", null))
                && action.equals(frame.getString("action", null))
                && frame.get("id") instanceof JsonNumber number && number.longValue() == id;
    }

    /** The checks every change frame of a row that fits in a NOTIFY must pass; returns its data. */
    static JsonObject assertChange(JsonObject frame, String action, long id, String name) {
        assertEquals("items", frame.getString("table"), "table");
        assertEquals(action, frame.getString("action"), "action");
        assertEquals(id, frame.getJsonNumber("id").longValue(), "id");
        assertDoesNotThrow(() -> OffsetDateTime.parse(frame.getString("at")), "\"at\" is ISO-8601: " + frame);
        assertEquals(JsonValue.ValueType.OBJECT, frame.get("data").getValueType(), "data is the row: " + frame);
        JsonObject data = frame.getJsonObject("data");
        assertEquals(id, data.getJsonNumber("id").longValue(), "data.id");
        assertEquals(name, data.getString("name"), "data.name");
        for (String column : new String[] {"value", "version", "created_at", "updated_at"}) {
            assertEquals(true, data.containsKey(column), "data has snake_case column " + column + ": " + data);
        }
        return data;
    }

    /** Inserts a row with plain JDBC, as any other program could; returns its id. */
    static long insertWithJdbc(Connection connection, String name, int value) throws SQLException {
        try (var insert = connection.prepareStatement("INSERT INTO items (name, value) VALUES (?, ?) RETURNING id")) {
            insert.setString(1, name);
            insert.setInt(2, value);
            try (var rows = insert.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }
}
