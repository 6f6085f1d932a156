package io.plank.systemtests;

import static io.plank.systemtests.Changes.assertChange;
import static io.plank.systemtests.Changes.change;
import static io.plank.systemtests.Changes.insertWithJdbc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Row changes, however they are made, reach subscribed WebSocket clients. */
@ExtendWith(PlankExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ChangeFeedIT {

    @Test
    void rowInsertedWithJdbcArrivesAsInsert(RunningPlank plank) throws SQLException {
        String name = "jdbc-" + UUID.randomUUID();
        try (var client = SocketClient.subscribedTo(plank, "items"); var connection = plank.connect()) {
            long id = insertWithJdbc(connection, name, 7);

            JsonObject data = assertChange(client.await("INSERT of row " + id, change("INSERT", id)), "INSERT", id, name);
            assertEquals(7, data.getInt("value"));
            assertEquals(0, data.getInt("version"));
        }
    }

    @Test
    void apiWritesArriveAsInsertUpdateDelete(RunningPlank plank) {
        var api = new Api(plank);
        try (var client = SocketClient.subscribedTo(plank, "items")) {
            var created = api.post("/items", Api.JSON, "{\"name\":\"x\",\"value\":1}");
            assertEquals(201, created.statusCode(), created.body());
            JsonObject item = JsonText.object(created.body());
            long id = item.getJsonNumber("id").longValue();
            assertTrue(created.headers().firstValue("Location").orElse("").endsWith("/items/" + id),
                    "Location header names the new item: " + created.headers().map());
            assertEquals(0, item.getInt("version"), "a new item is at version 0: " + item);
            JsonObject inserted = assertChange(client.await("INSERT of " + id, change("INSERT", id)), "INSERT", id, "x");
            assertEquals(0, inserted.getInt("version"), "the row as inserted: " + inserted);

            var updated = api.put("/items/" + id, Api.JSON, "{\"name\":\"y\",\"value\":2,\"version\":0}");
            assertEquals(200, updated.statusCode(), updated.body());
            assertEquals("y", JsonText.object(updated.body()).getString("name"));
            JsonObject afterUpdate = assertChange(client.await("UPDATE of " + id, change("UPDATE", id)), "UPDATE", id, "y");
            assertEquals(2, afterUpdate.getInt("value"));
            assertEquals(1, afterUpdate.getInt("version"));

            var deleted = api.delete("/items/" + id);
            assertEquals(204, deleted.statusCode(), deleted.body());
            // DELETE carries the row as it was.
            assertChange(client.await("DELETE of " + id, change("DELETE", id)), "DELETE", id, "y");
        }
    }

    @Test
    void tablesQueryParameterSubscribesAtConnect(RunningPlank plank) throws SQLException {
        String name = "query-" + UUID.randomUUID();
        try (var client = SocketClient.connect(plank, "?tables=items"); var connection = plank.connect()) {
            JsonObject subscribed = client.awaitType("subscribed");
            assertEquals("items", subscribed.getString("table"));

            long id = insertWithJdbc(connection, name, 3);
            assertChange(client.await("INSERT of row " + id, change("INSERT", id)), "INSERT", id, name);
        }
    }

    @Test
    void aOneMegabyteRowArrivesWhole(RunningPlank plank) throws SQLException {
        String name = "big-" + "x".repeat(1024 * 1024);
        try (var client = SocketClient.subscribedTo(plank, "items"); var connection = plank.connect()) {
            long id = insertWithJdbc(connection, name, 1);

            JsonObject frame = client.await("INSERT of the 1 MB row " + id, change("INSERT", id));
            assertEquals(name, frame.getJsonObject("data").getString("name"), "the row arrives whole");
            assertTrue(frame.getJsonNumber("seq").longValue() > 0, "durable changes carry their seq: " + frame.getJsonNumber("seq"));
        }
    }

    @Test
    void anEphemeralTableAnnouncesRowsTooLargeForNotifyTruncated(RunningPlank plank) throws SQLException {
        try (var connection = plank.connect(); var statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS scratch_notes (id int PRIMARY KEY, body text)");
            statement.execute("SELECT plank.capture('scratch_notes', 'ephemeral')");
            try (var client = SocketClient.subscribedTo(plank, "scratch_notes")) {
                statement.execute("INSERT INTO scratch_notes VALUES (1, repeat('x', 10000))");

                JsonObject frame = client.await("truncated INSERT", change("scratch_notes", "INSERT", 1));
                assertEquals(true, frame.getBoolean("truncated", false), "truncated flag: " + frame);
                assertEquals(jakarta.json.JsonValue.ValueType.NULL, frame.get("data").getValueType(), "data is null: " + frame);
                assertTrue(frame.get("seq") == null, "ephemeral changes have no seq: " + frame);
            }
        }
    }

    @Test
    void statusCountsSessionsAndSubscriptions(RunningPlank plank) {
        try (var client = SocketClient.subscribedTo(plank, "items")) {
            var response = new Api(plank).get("/status");
            assertEquals(200, response.statusCode(), response.body());
            JsonObject status = JsonText.object(response.body());
            assertTrue(status.getJsonObject("sessions").getInt("open") >= 1, "sessions.open: " + status);
            assertTrue(status.getJsonObject("subscriptions").getInt("items") >= 1, "subscriptions.items: " + status);
            assertEquals("LISTENING", status.getJsonObject("listener").getString("state"), "listener: " + status);
        }
    }

    /**
     * The instance names itself after its host and server (no plank.instance is set here), saves its position under
     * that name, and status lists the instances the database knows of with their positions, this one marked.
     */
    @Test
    void statusNamesThisInstanceAndListsTheInstancesOfTheDatabase(RunningPlank plank) {
        JsonObject status = JsonText.object(new Api(plank).get("/status").body());
        String name = status.getJsonObject("listener").getString("instance");
        assertTrue(!name.isBlank() && !name.equals("default"), "a name of its own: " + name);
        Poll.until("this instance listed with its saved position", Duration.ofSeconds(20),
                () -> JsonText.object(new Api(plank).get("/status").body()).getJsonArray("instances").stream()
                        .map(JsonValue::asJsonObject)
                        .anyMatch(instance -> instance.getString("name").equals(name) && instance.getBoolean("self")
                                && instance.getJsonNumber("seq").longValue() >= 0),
                true);
    }

    /** The log's row count is PostgreSQL's running estimate, which follows writes within seconds, not the last ANALYZE. */
    @Test
    void statusCountsTheLogsRowsSoonAfterWrites(RunningPlank plank) throws Exception {
        try (var db = plank.connect()) {
            Sql.execute(db, "INSERT INTO items (name, value) SELECT 'counted ' || n, n FROM generate_series(1, 2000) n");
            long logged = Sql.queryLong(db, "SELECT count(*) FROM plank.change_log");
            Poll.until("approximate_rows at least " + logged, Duration.ofSeconds(20),
                    () -> JsonText.object(new Api(plank).get("/status").body()).getJsonObject("change_log")
                            .getJsonNumber("approximate_rows").longValue() >= logged, true);
        }
    }
}
