package io.plank.systemtests;

import static io.plank.systemtests.Delivery.seq;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import io.plank.systemtests.EventStreamClient.Event;

/**
 * TRUNCATE under open streams: every subscriber of the table (plain, filtered, an event stream) is told, in its place
 * among the other changes, with a change frame without row ({@code "action":"TRUNCATE","id":null,"data":null}); a
 * client resuming from before it gets it in the replay; a snapshot taken after it holds only the newer rows, and one
 * taken while writers insert and truncate, with its stream applied, equals the table.
 */
@ExtendWith(PlankExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TruncateIT {

    @Test
    void everySubscriberIsToldInOrderAndAResumeAndASnapshotAfterwardsAgree(RunningPlank plank) throws SQLException {
        try (Connection db = plank.connect(); var plain = SocketClient.connect(plank); var filtered = SocketClient.connect(plank)) {
            Sql.createTable(db, "drafts", "(id int PRIMARY KEY, status text)");
            Sql.capture(plank, "drafts", "durable");
            long since = seq(plain.subscribe("drafts", null));
            filtered.send("{\"type\":\"subscribe\",\"table\":\"drafts\",\"sub\":\"paid\",\"filter\":\"status=eq.paid\"}");
            assertEquals("subscribed", filtered.awaitType("subscribed").getString("type"));
            List<JsonObject> all;
            try (var stream = EventStreamClient.open(plank.api("/changes/drafts"), null)) {
                assertEquals("subscribed", stream.nextEvent().name());

                Sql.execute(db, "INSERT INTO drafts VALUES (1, 'open'), (2, 'paid')");
                Sql.execute(db, "TRUNCATE drafts");
                Sql.execute(db, "INSERT INTO drafts VALUES (3, 'paid')");

                all = changes(plain.takeUntil("the INSERT after the TRUNCATE", insertOf(3)));
                assertEquals(List.of("INSERT 1", "INSERT 2", "TRUNCATE", "INSERT 3"), actions(all));
                JsonObject truncate = all.get(2);
                assertEquals(JsonValue.NULL, truncate.get("id"), truncate.toString());
                assertEquals(JsonValue.NULL, truncate.get("data"), truncate.toString());
                assertFalse(truncate.containsKey("truncated"), truncate.toString());
                assertTrue(truncate.getBoolean("tx_last"), "a transaction of its own: " + truncate);
                assertTrue(seq(all.get(1)) < seq(truncate) && seq(truncate) < seq(all.get(3)), "in seq order: " + all);

                List<JsonObject> paid = changes(filtered.takeUntil("the paid INSERT after the TRUNCATE", insertOf(3)));
                assertEquals(List.of("INSERT 2", "TRUNCATE", "INSERT 3"), actions(paid), "the filter passes the TRUNCATE whatever it tests");
                assertEquals("[\"paid\"]", paid.get(1).getJsonArray("subs").toString(), paid.get(1).toString());

                List<Event> events = stream.takeUntil(event -> event.data() != null && insertOf(3).test(event.data()));
                List<Event> changeEvents = events.stream().filter(event -> "change".equals(event.name())).toList();
                assertEquals(List.of("INSERT 1", "INSERT 2", "TRUNCATE", "INSERT 3"), actions(changeEvents.stream().map(Event::data).toList()));
                assertEquals(Long.toString(seq(truncate)), changeEvents.get(2).id(), "its event id is its seq, as for any change");
            }

            try (var resumed = SocketClient.connect(plank)) {
                resumed.subscribe("drafts", since);
                List<JsonObject> replay = changes(resumed.takeUntil("the replayed INSERT after the TRUNCATE", insertOf(3)));
                assertEquals(List.of("INSERT 1", "INSERT 2", "TRUNCATE", "INSERT 3"), actions(replay), "replayed from the log");
                assertEquals(seq(truncate(replay)), seq(truncate(all)));
            }

            try (var late = SocketClient.connect(plank)) {
                late.send("{\"type\":\"subscribe\",\"table\":\"drafts\",\"sub\":\"s\",\"snapshot\":true}");
                List<JsonObject> snapshot = late.takeUntil("the snapshot's last page", frame -> frame.getBoolean("last", false));
                assertEquals("[{\"id\":3,\"status\":\"paid\"}]", snapshot.get(snapshot.size() - 1).getJsonArray("rows").toString(),
                        "only the row written after the TRUNCATE");
                Sql.execute(db, "INSERT INTO drafts VALUES (4, 'open')");
                List<JsonObject> after = changes(late.takeUntil("the INSERT after the snapshot", insertOf(4)));
                assertEquals(List.of("INSERT 4"), actions(after), "the TRUNCATE the snapshot reflects is not sent again");
            }
        }
    }

    @Test
    void oneStatementTruncatingTwoTablesTellsEachTablesSubscribers(RunningPlank plank) throws SQLException {
        try (Connection db = plank.connect(); var client = SocketClient.connect(plank)) {
            Sql.createTable(db, "carts", "(id int PRIMARY KEY)");
            Sql.createTable(db, "cart_lines", "(cart int, n int, PRIMARY KEY (cart, n))");
            Sql.capture(plank, "carts", "durable");
            Sql.capture(plank, "cart_lines", "durable");
            for (String table : List.of("carts", "cart_lines")) {
                client.send("{\"type\":\"subscribe\",\"table\":\"" + table + "\",\"sub\":\"" + table + "\"}");
                assertEquals("subscribed", client.await("subscribed " + table, frame -> table.equals(frame.getString("sub", null))).getString("type"));
            }
            Sql.execute(db, "INSERT INTO carts VALUES (1)");
            Sql.execute(db, "INSERT INTO cart_lines VALUES (1, 1)");
            Sql.execute(db, "TRUNCATE carts, cart_lines");
            Sql.execute(db, "INSERT INTO carts VALUES (2)");

            List<JsonObject> frames = changes(client.takeUntil("the INSERT after the TRUNCATE", frame -> "carts".equals(frame.getString("table", null))
                    && "INSERT".equals(frame.getString("action", null)) && frame.getInt("id") == 2));
            assertEquals(List.of("carts INSERT", "cart_lines INSERT", "carts TRUNCATE", "cart_lines TRUNCATE", "carts INSERT"),
                    frames.stream().map(frame -> frame.getString("table") + " " + frame.getString("action")).toList());
            assertEquals(frames.get(2).getJsonNumber("tx"), frames.get(3).getJsonNumber("tx"), "one statement, one transaction");
        }
    }

    @Test
    void onAnEphemeralTableTheTruncateIsAnnouncedWithoutSeq(RunningPlank plank) throws SQLException {
        try (Connection db = plank.connect(); var client = SocketClient.connect(plank)) {
            Sql.createTable(db, "pulses", "(id int PRIMARY KEY)");
            Sql.capture(plank, "pulses", "ephemeral");
            client.subscribe("pulses", null);
            Sql.execute(db, "INSERT INTO pulses VALUES (1)");
            Sql.execute(db, "TRUNCATE pulses");
            Sql.execute(db, "INSERT INTO pulses VALUES (2)");
            List<JsonObject> frames = changes(client.takeUntil("the INSERT after the TRUNCATE", insertOf(2)));
            assertEquals(List.of("INSERT 1", "TRUNCATE", "INSERT 2"), actions(frames));
            assertFalse(frames.get(1).containsKey("seq"), frames.get(1).toString());
        }
    }

    /**
     * A snapshot taken while writers insert and truncate, with the stream after it applied (a TRUNCATE empties what is
     * held), equals the table: a TRUNCATE is either reflected in the snapshot or sent after it, never both.
     */
    @Test
    void aSnapshotTakenWhileTablesAreTruncatedPlusItsStreamEqualsTheTable(RunningPlank plank) throws Exception {
        // Batches, as the JavaScript client takes them: one send per frame can fall behind an unthrottled writer (1013).
        try (Connection db = plank.connect(); var client = SocketClient.connect(plank, "?batch=true")) {
            Sql.createTable(db, "batches", "(id int PRIMARY KEY, round int)");
            Sql.capture(plank, "batches", "durable");
            Sql.execute(db, "INSERT INTO batches SELECT n, 0 FROM generate_series(1, 2000) n");
            var failed = new AtomicReference<Throwable>();
            var writer = new Thread(() -> {
                try (Connection writing = plank.connect()) {
                    for (int round = 1; round <= 40; round++) {
                        Sql.execute(writing, "INSERT INTO batches SELECT n, " + round + " FROM generate_series(" + (round * 10_000)
                                + ", " + (round * 10_000 + 19) + ") n");
                        if (round % 3 == 0) {
                            Sql.execute(writing, "TRUNCATE batches");
                        }
                    }
                } catch (SQLException | RuntimeException e) {
                    failed.set(e);
                }
            }, "truncating-writer");
            writer.start();
            client.send("{\"type\":\"subscribe\",\"table\":\"batches\",\"sub\":\"s\",\"snapshot\":true}");
            writer.join(60_000);
            assertEquals(null, failed.get(), "the writer wrote every round");
            Sql.execute(db, "INSERT INTO batches VALUES (-1, -1)");
            List<JsonObject> frames = client.takeUntil("the sentinel", insertOf(-1));

            Map<Integer, String> view = new TreeMap<>();
            for (JsonObject frame : frames) {
                switch (frame.getString("type")) {
                    case "snapshot" -> frame.getJsonArray("rows").getValuesAs(JsonObject.class)
                            .forEach(row -> view.put(row.getInt("id"), row.toString()));
                    case "change" -> {
                        switch (frame.getString("action")) {
                            case "TRUNCATE" -> view.clear();
                            case "DELETE" -> view.remove(frame.getInt("id"));
                            default -> view.put(frame.getInt("id"), frame.getJsonObject("data").toString());
                        }
                    }
                    default -> { }
                }
            }
            assertEquals(table(db), view, "snapshot + stream = the table");
        }
    }

    private static Map<Integer, String> table(Connection db) throws SQLException {
        Map<Integer, String> rows = new TreeMap<>();
        try (var statement = db.createStatement(); var result = statement.executeQuery("SELECT id, to_jsonb(b)::text FROM batches b")) {
            while (result.next()) {
                rows.put(result.getInt(1), JsonText.object(result.getString(2)).toString());
            }
        }
        return rows;
    }

    private static Predicate<JsonObject> insertOf(int id) {
        return frame -> "change".equals(frame.getString("type", null)) && "INSERT".equals(frame.getString("action", null))
                && frame.getInt("id") == id;
    }

    private static List<JsonObject> changes(List<JsonObject> frames) {
        return frames.stream().filter(frame -> "change".equals(frame.getString("type", null))).toList();
    }

    private static JsonObject truncate(List<JsonObject> changes) {
        return changes.stream().filter(frame -> "TRUNCATE".equals(frame.getString("action"))).findFirst().orElseThrow();
    }

    private static List<String> actions(List<JsonObject> changes) {
        List<String> actions = new ArrayList<>();
        for (JsonObject change : changes) {
            String action = change.getString("action");
            actions.add(change.get("id").getValueType() == JsonValue.ValueType.NUMBER ? action + " " + change.getInt("id") : action);
        }
        return actions;
    }
}
