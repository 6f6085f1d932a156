package io.plank.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Several subscriptions per connection, server-side filters with rows leaving and entering them, and their
 * errors, on a table made by plain SQL and captured through the admin API.
 */
@ExtendWith(PlankExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SubscriptionsIT {

    @Test
    void framesNameTheSubscriptionsTheyMatchAndRowsLeaveAndEnterFilters(RunningPlank plank) throws SQLException {
        try (Connection db = plank.connect(); var client = SocketClient.connect(plank)) {
            Sql.createTable(db, "order_lines", "(region text, number int, status text, total numeric, PRIMARY KEY (region, number))");
            Sql.capture(plank, "order_lines", "durable");

            subscribed(client, "{\"type\":\"subscribe\",\"table\":\"order_lines\",\"sub\":\"all\"}", "all");
            subscribed(client, "{\"type\":\"subscribe\",\"table\":\"order_lines\",\"sub\":\"paid\",\"filter\":\"status=eq.paid\"}", "paid");
            client.subscribe("items", null); // the plain form, on the same connection

            Sql.execute(db, "INSERT INTO order_lines VALUES ('eu', 1, 'open', 10)");
            assertFrame(client.await("the open order", change("INSERT", 1)), Set.of("all"), null);

            Sql.execute(db, "INSERT INTO order_lines VALUES ('eu', 2, 'paid', 20)");
            assertFrame(client.await("the paid order, once for both", change("INSERT", 2)), Set.of("all", "paid"), null);

            Sql.execute(db, "UPDATE order_lines SET status = 'refunded' WHERE number = 2");
            List<JsonObject> refund = List.of(client.await("the refund", change("UPDATE", 2)), client.await("the refund", change("UPDATE", 2)));
            assertEquals(Set.of("all", "paid:leave"), labels(refund), "paid is told the row left its filter: " + refund);

            Sql.execute(db, "UPDATE order_lines SET status = 'paid' WHERE number = 1");
            List<JsonObject> paid = List.of(client.await("the payment", change("UPDATE", 1)), client.await("the payment", change("UPDATE", 1)));
            assertEquals(Set.of("all", "paid:enter"), labels(paid), "and that one entered it: " + paid);

            Sql.execute(db, "UPDATE order_lines SET total = 11 WHERE number = 2"); // outside paid before and after
            long marker = Changes.insertWithJdbc(db, "marker", 1);
            List<JsonObject> upToMarker = client.takeUntil("the marker", Changes.change("INSERT", marker));
            assertEquals(Set.of("all"), labels(upToMarker.stream().filter(change("UPDATE", 2)).toList()));
            JsonObject item = upToMarker.get(upToMarker.size() - 1);
            assertFalse(item.containsKey("subs"), "the plain form's frames are as they always were: " + item);

            Sql.execute(db, "DELETE FROM order_lines WHERE number = 1");
            assertFrame(client.await("the delete", change("DELETE", 1)), Set.of("all", "paid"), null);

            client.send("{\"type\":\"unsubscribe\",\"sub\":\"all\"}");
            JsonObject unsubscribed = client.awaitType("unsubscribed");
            assertEquals("all", unsubscribed.getString("sub"));
            assertEquals("order_lines", unsubscribed.getString("table"));
            client.send("{\"type\":\"unsubscribe\",\"sub\":\"all\"}");
            JsonObject unknown = client.awaitType("error");
            assertEquals("unknown_subscription", unknown.getString("code"));
            assertEquals("all", unknown.getString("sub"));

            Sql.execute(db, "INSERT INTO order_lines VALUES ('uk', 3, 'paid', 30)");
            assertFrame(client.await("a paid order after unsubscribing all", change("INSERT", 3)), Set.of("paid"), null);

            JsonObject table = JsonText.object(new Api(plank).get("/status").body()).getJsonObject("tables").getJsonObject("order_lines");
            assertEquals(1, table.getInt("subscribers"));
            assertTrue(table.getJsonNumber("frames_queued").longValue() >= 7, table.toString());
            assertEquals(Set.of("mode", "subscribers", "changes", "frames_queued", "changes_per_second", "delivery_latency_ms"), table.keySet(),
                    "the status's names, and nothing only the metrics use: " + table);
        }
    }

    @Test
    void aResumingSubscriptionReplaysWhatItsFilterMatchesWithLeavesAndEnters(RunningPlank plank) throws SQLException {
        try (Connection db = plank.connect(); var client = SocketClient.connect(plank)) {
            Sql.createTable(db, "deliveries", "(id int PRIMARY KEY, state text)");
            Sql.capture(plank, "deliveries", "durable");
            long since = Sql.queryLong(db, "SELECT COALESCE(max(seq), 0) FROM plank.change_log");
            Sql.execute(db, "INSERT INTO deliveries VALUES (1, 'late'), (2, 'on_time')");
            Sql.execute(db, "UPDATE deliveries SET state = 'on_time' WHERE id = 1");
            Sql.execute(db, "UPDATE deliveries SET state = 'late' WHERE id = 2");
            Sql.execute(db, "UPDATE deliveries SET state = 'early' WHERE id = 1");
            Sql.execute(db, "INSERT INTO deliveries VALUES (3, 'late')");

            client.send(JsonText.builder().add("type", "subscribe").add("table", "deliveries").add("sub", "late")
                    .add("filter", "state=eq.late").add("since", since).build().toString());
            List<JsonObject> replay = client.takeUntil("the replayed INSERT of 3", change("INSERT", 3));
            List<String> seen = replay.stream().filter(frame -> "change".equals(frame.getString("type")))
                    .map(frame -> frame.getString("action") + " " + frame.getInt("id") + " " + labels(List.of(frame))).toList();
            assertEquals(List.of("INSERT 1 [late]", "UPDATE 1 [late:leave]", "UPDATE 2 [late:enter]", "INSERT 3 [late]"), seen);
        }
    }

    @Test
    void onAnEphemeralTableARowNoLongerPassingTheFilterIsSentAsLeaving(RunningPlank plank) throws SQLException {
        try (Connection db = plank.connect(); var client = SocketClient.connect(plank)) {
            Sql.createTable(db, "beacons", "(id int PRIMARY KEY, zone text)");
            Sql.capture(plank, "beacons", "ephemeral");
            subscribed(client, "{\"type\":\"subscribe\",\"table\":\"beacons\",\"sub\":\"north\",\"filter\":\"zone=eq.north\"}", "north");

            Sql.execute(db, "INSERT INTO beacons VALUES (1, 'south'), (2, 'north')");
            Sql.execute(db, "UPDATE beacons SET zone = 'west' WHERE id = 2");
            Sql.execute(db, "INSERT INTO beacons VALUES (3, 'north')");
            List<JsonObject> frames = client.takeUntil("the insert of 3", change("INSERT", 3));
            List<String> seen = frames.stream().map(frame -> frame.getString("action") + " " + frame.getInt("id") + " " + labels(List.of(frame))).toList();
            assertEquals(List.of("INSERT 2 [north]", "UPDATE 2 [north:leave]", "INSERT 3 [north]"), seen);
        }
    }

    @Test
    void aConnectionHoldsAtMostTheConfiguredNumberOfSubscriptions(RunningPlank plank) {
        try (var client = SocketClient.connect(plank)) {
            for (int i = 0; i < 100; i++) {
                subscribed(client, "{\"type\":\"subscribe\",\"table\":\"items\",\"sub\":\"s" + i + "\"}", "s" + i);
            }
            client.send("{\"type\":\"subscribe\",\"table\":\"items\",\"sub\":\"one-too-many\"}");
            JsonObject error = client.awaitType("error");
            assertEquals("too_many_subscriptions", error.getString("code"), error.toString());
            assertEquals("one-too-many", error.getString("sub"));
            subscribed(client, "{\"type\":\"subscribe\",\"table\":\"items\",\"sub\":\"s5\",\"filter\":\"value=gt.1\"}", "s5");
        }
    }

    @Test
    void eachOperatorComparesWithTheColumnsOwnType(RunningPlank plank) throws SQLException {
        Map<String, String> filters = new LinkedHashMap<>();
        filters.put("eq", "status=eq.paid");
        filters.put("neq", "status=neq.paid");
        filters.put("lt", "total=lt.9.5");
        filters.put("lte", "total=lte.10");
        filters.put("gt", "total=gt.100");          // 20 > 100 as text, not as numbers
        filters.put("gte", "placed=gte.2026-02-01");
        filters.put("in", "id=in.(1,3,5)");
        filters.put("is_null", "status=is.null");
        filters.put("not_null", "placed=is.not_null");
        filters.put("instant", "due=lt.2026-01-01T12:00:00+02:00");
        filters.put("and", "status=eq.paid&total=gte.20");
        try (Connection db = plank.connect(); var client = SocketClient.connect(plank)) {
            Sql.createTable(db, "invoices", "(id int PRIMARY KEY, status text, total numeric(10,2), placed date, due timestamptz)");
            Sql.capture(plank, "invoices", "durable");
            for (var filter : filters.entrySet()) {
                subscribed(client, JsonText.builder().add("type", "subscribe").add("table", "invoices").add("sub", filter.getKey())
                        .add("filter", filter.getValue()).build().toString(), filter.getKey());
            }
            subscribed(client, "{\"type\":\"subscribe\",\"table\":\"invoices\",\"sub\":\"every\"}", "every");

            Sql.execute(db, """
                    INSERT INTO invoices VALUES
                    (1, 'paid', 9.00, '2026-01-15', '2026-01-01T09:00:00Z'),
                    (2, 'open', 10.00, '2026-02-01', '2026-01-01T10:00:00Z'),
                    (3, 'paid', 20.00, NULL, '2026-01-01T11:00:00Z'),
                    (4, NULL, 150.00, '2026-03-01', NULL),
                    (5, 'void', 9.50, '2025-12-31', '2025-12-31T23:00:00-05:00')""");
            Sql.execute(db, "INSERT INTO invoices VALUES (99, 'marker', 0, NULL, NULL)");
            List<JsonObject> frames = client.takeUntil("the marker", frame -> frame.getJsonNumber("id") != null
                    && frame.getJsonNumber("id").intValue() == 99);

            Map<String, Set<Integer>> received = new TreeMap<>();
            filters.keySet().forEach(sub -> received.put(sub, new TreeSet<>()));
            for (JsonObject frame : frames) {
                if ("change".equals(frame.getString("type", null)) && frame.getInt("id") != 99) {
                    subs(frame).stream().filter(received::containsKey).forEach(sub -> received.get(sub).add(frame.getInt("id")));
                }
            }
            Map<String, Set<Integer>> expected = new TreeMap<>(Map.ofEntries(
                    Map.entry("eq", Set.of(1, 3)),
                    Map.entry("neq", Set.of(2, 5)),
                    Map.entry("lt", Set.of(1)),
                    Map.entry("lte", Set.of(1, 2, 5)),
                    Map.entry("gt", Set.of(4)),
                    Map.entry("gte", Set.of(2, 4)),
                    Map.entry("in", Set.of(1, 3, 5)),
                    Map.entry("is_null", Set.of(4)),
                    Map.entry("not_null", Set.of(1, 2, 4, 5)),
                    Map.entry("instant", Set.of(1, 5))
                    , Map.entry("and", Set.of(3))));
            assertEquals(expected, received);
        }
    }

    @Test
    void badFiltersGetAnErrorNamingTheProblemAndTheConnectionCarriesOn(RunningPlank plank) throws SQLException {
        try (Connection db = plank.connect(); var client = SocketClient.connect(plank)) {
            Sql.createTable(db, "tickets", "(id int PRIMARY KEY, open boolean, priority int, opened timestamptz, tags jsonb)");
            Sql.capture(plank, "tickets", "durable");

            Map<String, String> cases = new LinkedHashMap<>();
            cases.put("owner=eq.me", "no column 'owner'");
            cases.put("priority=eq.high", "invalid input syntax for type integer: \"high\"");
            cases.put("priority=gt.1e3", "invalid input syntax for type integer");
            cases.put("opened=lt.yesterday-ish", "timestamp with time zone");
            cases.put("open=eq.perhaps", "boolean");
            cases.put("open=gt.false", "gt does not apply");
            cases.put("tags=eq.[]", "is.null and is.not_null");
            cases.put("priority=like.1", "no known operator");
            cases.put("priority=in.1,2", "in takes a list in parentheses");
            cases.put("priority", "must read column=operator.value");
            for (var bad : cases.entrySet()) {
                client.send(JsonText.builder().add("type", "subscribe").add("table", "tickets").add("sub", "t").add("filter", bad.getKey()).build().toString());
                JsonObject error = client.awaitFirst("the answer to " + bad.getKey());
                assertEquals("error", error.getString("type"), bad.getKey() + " -> " + error);
                assertEquals("invalid_filter", error.getString("code"), error.toString());
                assertEquals("t", error.getString("sub"), error.toString());
                assertTrue(error.getString("message").contains(bad.getValue()), bad.getKey() + " -> " + error.getString("message"));
            }
            client.send("{\"type\":\"ping\"}");
            assertEquals("pong", client.awaitFirst("pong").getString("type"), "no subscription was made and the connection is fine");
        }
    }

    @Test
    void hostileFilterValuesAreOnlyEverValues(RunningPlank plank) throws SQLException {
        String hostile = "O'Brien\"; DROP TABLE notes; -- ünï©ødé 🚀 & (x,y)";
        try (Connection db = plank.connect(); var client = SocketClient.connect(plank)) {
            Sql.createTable(db, "notes", "(id int PRIMARY KEY, body text)");
            Sql.capture(plank, "notes", "durable");
            try (var insert = db.prepareStatement("INSERT INTO notes VALUES (?, ?)")) {
                insert.setInt(1, 1);
                insert.setString(2, hostile);
                insert.execute();
                insert.setInt(1, 2);
                insert.setString(2, "plain");
                insert.execute();
            }
            String quoted = "\"" + hostile.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
            client.send(JsonText.builder().add("type", "subscribe").add("table", "notes").add("sub", "h")
                    .add("filter", "body=eq." + quoted).add("snapshot", true).build().toString());
            JsonObject snapshot = client.await("the snapshot", frame -> "snapshot".equals(frame.getString("type", null)));
            assertEquals(List.of(1), snapshot.getJsonArray("rows").stream().map(row -> row.asJsonObject().getInt("id")).toList());
            assertEquals(hostile, snapshot.getJsonArray("rows").getJsonObject(0).getString("body"));

            for (String value : List.of("'; DROP TABLE notes; --", "x".repeat(3_900), "\\'\\\"", "\u0000")) {
                client.send(JsonText.builder().add("type", "subscribe").add("table", "notes").add("sub", "v")
                        .add("filter", "body=in.(\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\",plain)")
                        .build().toString());
                JsonObject answer = client.awaitFirst("the answer to a hostile value");
                assertTrue(Set.of("subscribed", "error").contains(answer.getString("type")), answer.toString());
            }
            client.send(JsonText.builder().add("type", "subscribe").add("table", "notes").add("sub", "v")
                    .add("filter", "body=eq." + "x".repeat(5_000)).build().toString());
            assertTrue(client.awaitType("error").getString("message").contains("longer than"));

            Sql.execute(db, "INSERT INTO notes VALUES (3, 'plain')");
            assertFrame(client.await("the plain note", change("INSERT", 3)), Set.of("v"), null);
            assertEquals(3, Sql.queryLong(db, "SELECT count(*) FROM notes"), "the table is unharmed");
        }
    }

    private static void subscribed(SocketClient client, String message, String sub) {
        client.send(message);
        JsonObject answer = client.await("subscribed " + sub, frame -> sub.equals(frame.getString("sub", null)));
        assertEquals("subscribed", answer.getString("type"), answer.toString());
    }

    private static Predicate<JsonObject> change(String action, int id) {
        return frame -> "change".equals(frame.getString("type", null)) && action.equals(frame.getString("action", null))
                && frame.get("id") != null && id == idOf(frame);
    }

    private static int idOf(JsonObject frame) {
        JsonValue id = frame.get("id");
        return id.getValueType() == JsonValue.ValueType.OBJECT ? id.asJsonObject().getInt("number") : frame.getInt("id");
    }

    private static List<String> subs(JsonObject frame) {
        return frame.containsKey("subs") ? frame.getJsonArray("subs").getValuesAs(JsonString::getString) : List.of();
    }

    /** Each frame's subscriptions, marked with how the row moved for them. */
    private static Set<String> labels(List<JsonObject> frames) {
        Set<String> labels = new TreeSet<>();
        for (JsonObject frame : frames) {
            String mark = frame.getBoolean("leave", false) ? ":leave" : frame.getBoolean("enter", false) ? ":enter" : "";
            subs(frame).forEach(sub -> labels.add(sub + mark));
        }
        return labels;
    }

    private static void assertFrame(JsonObject frame, Set<String> subs, String mark) {
        assertEquals(new TreeSet<>(subs), new TreeSet<>(subs(frame)), frame.toString());
        assertEquals(mark != null && mark.equals("leave"), frame.getBoolean("leave", false), frame.toString());
        assertEquals(mark != null && mark.equals("enter"), frame.getBoolean("enter", false), frame.toString());
    }
}
