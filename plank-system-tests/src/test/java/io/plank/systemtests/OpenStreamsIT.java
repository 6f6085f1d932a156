package io.plank.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import jakarta.json.JsonObject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What changes under open streams besides rows, made while a WebSocket subscriber and an event stream are open: a
 * grant revoked and a row binding added (the streams end, and no change committed after the new rule reaches them),
 * a captured table dropped, created again, renamed, and its columns dropped, renamed and retyped under a filter (the
 * subscriptions concerned end with a code that says which; the others carry on), and a table captured from SQL being
 * subscribable with a filter at once.
 */
@ExtendWith(PlankExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class OpenStreamsIT {

    /** Stored rules and the catalog reach open streams within this (PROTOCOL.md: at once, or within a second). */
    private static final Duration NOTICED = Duration.ofSeconds(5);

    @Test
    void aRevokedGrantEndsOpenStreamsBeforeAnyLaterChange(RunningPlank plank) throws SQLException {
        String table = "revoked_orders";
        try (Connection db = plank.connect()) {
            Sql.createTable(db, table, "(id int PRIMARY KEY, item text)");
            Sql.capture(plank, table, "durable");
            SecurityIT.grant(plank, table, List.of("clerk"), List.of());
            String token = TestTokens.token("carol", List.of("clerk"));
            try (var client = SocketClient.connect(plank); var stream = EventStreamClient.open(plank.api("/changes/" + table), null, token)) {
                assertEquals("authenticated", client.authenticate(token).getString("type"));
                client.subscribe(table, null);
                client.subscribe("items", null); // still open to anyone: the marker's way
                assertEquals("subscribed", stream.nextEvent().name());

                Sql.execute(db, "INSERT INTO " + table + " VALUES (1, 'before')");
                client.await("the change before the revoke", change(table, "INSERT", 1));
                stream.takeUntil(event -> event.name().equals("change"));

                // Revoked from clerks (to another role: this test server opens tables without grants of their own to anyone).
                SecurityIT.grant(plank, table, List.of("auditor"), List.of());
                // At once: no pause lets the revoke reach the servers before this change commits.
                Sql.execute(db, "INSERT INTO " + table + " VALUES (2, 'after')");

                JsonObject ended = client.await("the subscription ended", frame -> "unsubscribed".equals(frame.getString("type", null)));
                assertEquals("forbidden", ended.getString("code"), ended.toString());
                assertEquals(table, ended.getString("table"));
                long marker = Changes.insertWithJdbc(db, "after the revoke", 1);
                List<JsonObject> later = client.takeUntil("the marker", Changes.change("INSERT", marker));
                assertTrue(later.stream().noneMatch(frame -> table.equals(frame.getString("table", null))),
                        "nothing of the revoked table after the revoke: " + later);

                var events = stream.takeUntil(event -> event.name().equals("unsubscribed"));
                assertTrue(events.stream().noneMatch(event -> event.name().equals("change")), "the stream sent nothing more: " + events);
                assertEquals("forbidden", events.get(events.size() - 1).data().getString("code"));
                assertTrue(stream.endsWithin(NOTICED), "the event stream ended with its subscription");

                JsonObject refused = subscribeAnswer(client, table, null);
                assertEquals("forbidden", refused.getString("code"), "a new subscribe is refused too: " + refused);
            }
        }
    }

    @Test
    void aNewRowBindingEndsStreamsThatWouldNowReadOtherRows(RunningPlank plank) throws SQLException {
        String table = "bound_later";
        try (Connection db = plank.connect()) {
            Sql.createTable(db, table, "(id int PRIMARY KEY, tenant text)");
            Sql.capture(plank, table, "durable");
            SecurityIT.grant(plank, table, List.of("authenticated"), List.of());
            String acme = TestTokens.token("ann", List.of(), Map.of("tenant", "acme"), Duration.ofMinutes(10));
            String none = TestTokens.token("bob", List.of());
            try (var tenant = SocketClient.connect(plank); var claimless = SocketClient.connect(plank);
                 var stream = EventStreamClient.open(plank.api("/changes/" + table), null, none)) {
                tenant.authenticate(acme);
                claimless.authenticate(none);
                tenant.subscribe(table, null);
                claimless.subscribe(table, null);
                assertEquals("subscribed", stream.nextEvent().name());

                var bind = new Api(plank).put("/tables/" + table + "/binding", Api.JSON, "{\"column\":\"tenant\",\"claim\":\"tenant\"}");
                assertEquals(200, bind.statusCode(), bind.body());
                Sql.execute(db, "INSERT INTO " + table + " VALUES (1, 'globex'), (2, 'acme')");

                JsonObject rebound = tenant.await("the tenant's subscription ended", type("unsubscribed"));
                assertEquals("access_changed", rebound.getString("code"), rebound.toString());
                JsonObject refused = claimless.await("the claimless one ended", type("unsubscribed"));
                assertEquals("forbidden", refused.getString("code"), refused.toString());
                var events = stream.takeUntil(event -> event.name().equals("unsubscribed"));
                assertTrue(events.stream().noneMatch(event -> event.name().equals("change")), "no row after the binding: " + events);

                // Subscribed again, the tenant reads its own rows only.
                tenant.subscribe(table, null);
                Sql.execute(db, "INSERT INTO " + table + " VALUES (3, 'globex'), (4, 'acme')");
                JsonObject own = tenant.await("the tenant's row", change(table, "INSERT", 4));
                assertEquals("acme", own.getJsonObject("data").getString("tenant"));
                for (JsonObject frame : tenant.takeAvailable()) {
                    assertFalse(frame.toString().contains("globex"), "another tenant's row: " + frame);
                }
            } finally {
                new Api(plank).delete("/tables/" + table + "/binding");
            }
        }
    }

    @Test
    void aDroppedTableEndsItsStreamsAndIsNoLongerCaptured(RunningPlank plank) throws SQLException {
        String table = "doomed";
        try (Connection db = plank.connect()) {
            Sql.createTable(db, table, "(id int PRIMARY KEY, note text)");
            Sql.capture(plank, table, "durable");
            try (var client = SocketClient.connect(plank); var stream = EventStreamClient.open(plank.api("/changes/" + table), null)) {
                client.subscribe(table, null);
                assertEquals("subscribed", stream.nextEvent().name());
                Sql.execute(db, "INSERT INTO " + table + " VALUES (1, 'last words')");
                boolean logical = "logical".equals(Sql.queryString(db, "SELECT plank.capture_method()"));
                if (logical) {
                    // The decoder logs a change once its table's key can be read: one the DROP overtakes is not logged.
                    Poll.until("the last change logged", NOTICED, () -> countLogged(db, table), 1L);
                }
                Sql.execute(db, "DROP TABLE " + table);

                List<JsonObject> frames = client.takeUntil("the subscription ended", type("unsubscribed"));
                assertTrue(frames.stream().anyMatch(change(table, "INSERT", 1)), "the last change before the drop: " + frames);
                JsonObject ended = frames.get(frames.size() - 1);
                assertEquals("table_dropped", ended.getString("code"), ended.toString());
                var events = stream.takeUntil(event -> event.name().equals("unsubscribed"));
                assertEquals("table_dropped", events.get(events.size() - 1).data().getString("code"));
                assertTrue(stream.endsWithin(NOTICED), "the event stream ended");

                assertFalse(capturedTables(plank).containsKey(table), "no longer listed as captured");
                assertEquals("unknown_table", subscribeAnswer(client, table, null).getString("code"));

                Sql.execute(db, "CREATE TABLE " + table + " (id int PRIMARY KEY, note text)");
                JsonObject again = subscribeAnswer(client, table, null);
                assertEquals("unknown_table", again.getString("code"), "a table of the same name is not captured by itself: " + again);
                assertEquals(0, Sql.queryLong(db, "SELECT count(*) FROM plank.captured_tables WHERE table_name = '" + table + "'"));
            }
        }
    }

    @Test
    void aRenamedTableEndsItsStreamsAndIsFollowedUnderItsNewName(RunningPlank plank) throws SQLException {
        try (Connection db = plank.connect()) {
            Sql.createTable(db, "old_name", "(id int PRIMARY KEY)");
            Sql.execute(db, "DROP TABLE IF EXISTS new_name");
            Sql.capture(plank, "old_name", "durable");
            try (var client = SocketClient.connect(plank)) {
                client.subscribe("old_name", null);
                Sql.execute(db, "ALTER TABLE old_name RENAME TO new_name");
                JsonObject ended = client.await("the subscription ended", type("unsubscribed"));
                assertEquals("table_renamed", ended.getString("code"), ended.toString());
                assertTrue(ended.getString("reason").contains("new_name"), ended.toString());

                Poll.until("new_name listed as captured", NOTICED, () -> capturedTables(plank).containsKey("new_name"), true);
                client.subscribe("new_name", null);
                Sql.execute(db, "INSERT INTO new_name VALUES (7)");
                client.await("a change under the new name", change("new_name", "INSERT", 7));
            }
        }
    }

    @Test
    void columnChangesEndTheFiltersTheyBreakAndOthersCarryOn(RunningPlank plank) throws SQLException {
        String table = "reshaped";
        try (Connection db = plank.connect()) {
            Sql.createTable(db, table, "(id int PRIMARY KEY, status text, region text, total int, note text)");
            Sql.capture(plank, table, "durable");
            try (var client = SocketClient.connect(plank); var noticed = SocketClient.connect(plank)) {
                subscribe(client, table, "all", null);
                noticed.send("{\"type\":\"subscribe\",\"table\":\"" + table + "\",\"sub\":\"shape\",\"schema\":true}");
                noticed.awaitType("subscribed");
                subscribe(client, table, "by_status", "status=eq.paid");
                subscribe(client, table, "by_region", "region=eq.eu");
                subscribe(client, table, "by_total", "total=gt.5");

                Sql.execute(db, "ALTER TABLE " + table + " DROP COLUMN status");
                assertEquals("invalid_filter", ended(client, "by_status").getString("code"));
                Sql.execute(db, "ALTER TABLE " + table + " RENAME COLUMN region TO area");
                assertEquals("invalid_filter", ended(client, "by_region").getString("code"));
                Sql.execute(db, "ALTER TABLE " + table + " ALTER COLUMN total TYPE text");
                assertEquals("invalid_filter", ended(client, "by_total").getString("code"));

                Sql.execute(db, "INSERT INTO " + table + " VALUES (1, 'eu', '9', 'new shape')");
                JsonObject row = client.await("the unfiltered subscription carries on", change(table, "INSERT", 1));
                assertEquals(List.of("all"), row.getJsonArray("subs").getValuesAs(jakarta.json.JsonString.class).stream()
                        .map(jakarta.json.JsonString::getString).toList());
                assertEquals("eu", row.getJsonObject("data").getString("area"), "the new row shape: " + row);
                assertFalse(row.getJsonObject("data").containsKey("status"));

                List<JsonObject> notices = noticed.takeUntil("the row", change(table, "INSERT", 1));
                JsonObject last = notices.stream().filter(type("schema")).reduce((a, b) -> b).orElseThrow(() -> new AssertionError("no schema frame: " + notices));
                assertEquals("[{\"name\":\"id\",\"type\":\"integer\"},{\"name\":\"area\",\"type\":\"text\"},{\"name\":\"total\",\"type\":\"text\"},"
                        + "{\"name\":\"note\",\"type\":\"text\"}]", last.getJsonArray("columns").toString(), "the columns now, in order");
                assertTrue(notices.stream().noneMatch(type("unsubscribed")), "a subscription without a filter carries on: " + notices);
            }
        }
    }

    @Test
    void aTableCapturedFromSqlIsSubscribableWithAFilterAtOnce(RunningPlank plank) throws SQLException {
        String table = "captured_by_sql";
        try (Connection db = plank.connect(); var client = SocketClient.connect(plank)) {
            Sql.createTable(db, table, "(id int PRIMARY KEY, status text)");
            Sql.execute(db, "SELECT plank.capture('" + table + "')");
            long start = System.nanoTime();
            Poll.until("a filtered subscribe answered", Duration.ofSeconds(2),
                    () -> subscribeAnswer(client, table, "status=eq.new").getString("type"), "subscribed");
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(millis < 1_500, "subscribable within a second or so, took " + millis + " ms");
            subscribe(client, table, "new", "status=eq.new");
            Sql.execute(db, "INSERT INTO " + table + " VALUES (1, 'new')");
            client.await("the change", change(table, "INSERT", 1));
        }
    }

    @Test
    void aFlywayMigrationUnderEightWritersAndThreeStreams(RunningPlank plank) throws Exception {
        try (Connection db = plank.connect()) {
            Sql.execute(db, "DROP TABLE IF EXISTS shipments");
            Sql.execute(db, "DROP TABLE IF EXISTS shipments_history");
        }
        var flyway = org.flywaydb.core.Flyway.configure(OpenStreamsIT.class.getClassLoader())
                .dataSource(plank.dataSource())
                .locations("classpath:db/shipments").table("shipments_history").baselineOnMigrate(true).baselineVersion("0");
        flyway.target("1").load().migrate();
        try (var probe = SocketClient.connect(plank)) {
            Poll.until("shipments subscribable", NOTICED, () -> subscribeAnswer(probe, "shipments", null).getString("type"), "subscribed");
        }
        try (var all = SocketClient.connect(plank); var sent = SocketClient.connect(plank); var legacy = SocketClient.connect(plank)) {
            subscribe(all, "shipments", "all", null);
            subscribe(sent, "shipments", "sent", "status=eq.sent");
            subscribe(legacy, "shipments", "legacy", "legacy_code=is.null");
            var written = new java.util.concurrent.ConcurrentLinkedQueue<long[]>(); // id, 1 if sent
            var failures = new java.util.concurrent.ConcurrentLinkedQueue<Throwable>();
            var stop = new java.util.concurrent.atomic.AtomicBoolean();
            var writers = java.util.concurrent.Executors.newFixedThreadPool(8);
            for (int w = 0; w < 8; w++) {
                long first = w * 1_000_000L;
                writers.execute(() -> {
                    try (Connection own = plank.connect()) {
                        for (long id = first; !stop.get(); id++) {
                            boolean isSent = id % 2 == 0;
                            try (var insert = own.prepareStatement("INSERT INTO shipments (id, status, weight) VALUES (?, ?, 7)")) {
                                insert.setLong(1, id);
                                insert.setString(2, isSent ? "sent" : "packed");
                                insert.executeUpdate();
                            }
                            written.add(new long[] {id, isSent ? 1 : 0});
                            Thread.sleep(5);
                        }
                    } catch (Exception e) {
                        failures.add(e);
                    }
                });
            }
            Poll.until("writes before the migration", NOTICED, () -> written.size() > 200, true);
            flyway.target("latest").load().migrate();
            int atMigration = written.size();
            Poll.until("writes after the migration", Duration.ofSeconds(20), () -> written.size() > atMigration + 200, true);
            stop.set(true);
            writers.shutdown();
            assertTrue(writers.awaitTermination(20, TimeUnit.SECONDS));
            assertEquals(List.of(), List.copyOf(failures), "the writers wrote through the migration");

            try (Connection db = plank.connect()) {
                Sql.execute(db, "INSERT INTO shipments (id, status, carrier) VALUES (-1, 'sent', 'the end')");
            }
            java.util.Set<Long> sentIds = new java.util.TreeSet<>();
            java.util.Set<Long> allIds = new java.util.TreeSet<>();
            written.forEach(write -> {
                allIds.add(write[0]);
                if (write[1] == 1) {
                    sentIds.add(write[0]);
                }
            });
            assertEquals(allIds, ids(all.takeUntil("the last shipment", change("shipments", "INSERT", -1))), "every shipment, once");
            assertEquals(sentIds, ids(sent.takeUntil("the last shipment", change("shipments", "INSERT", -1))), "every sent one, once");
            JsonObject ended = legacy.await("the filter on the dropped column ended", type("unsubscribed"));
            assertEquals("invalid_filter", ended.getString("code"), ended.toString());
            assertTrue(ended.getString("reason").contains("legacy_code"), ended.toString());
        }
    }

    /** The ids of the change frames among {@code frames} (without the sentinel), failing on any id twice. */
    private static java.util.Set<Long> ids(List<JsonObject> frames) {
        java.util.Set<Long> ids = new java.util.TreeSet<>();
        for (JsonObject frame : frames) {
            if ("change".equals(frame.getString("type", null))) {
                long id = frame.getJsonNumber("id").longValue();
                assertTrue(ids.add(id) || id == -1, "shipment " + id + " twice");
            }
        }
        ids.remove(-1L);
        return ids;
    }

    private static long countLogged(Connection db, String table) {
        try {
            return Sql.queryLong(db, "SELECT count(*) FROM plank.change_log WHERE table_name = '" + table + "'");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Subscribes (with an id, for the frames to name it) and waits for the answer. */
    private static void subscribe(SocketClient client, String table, String sub, String filter) {
        var message = JsonText.builder().add("type", "subscribe").add("table", table).add("sub", sub);
        if (filter != null) {
            message.add("filter", filter);
        }
        client.send(message.build().toString());
        JsonObject answer = client.await("the answer for " + sub, frame -> sub.equals(frame.getString("sub", null)));
        assertEquals("subscribed", answer.getString("type"), answer.toString());
    }

    private static JsonObject ended(SocketClient client, String sub) {
        JsonObject frame = client.await(sub + " ended", type("unsubscribed"));
        assertEquals(sub, frame.getString("sub", null), frame.toString());
        return frame;
    }

    /** The answer to a plain subscribe: {@code subscribed} or an error. */
    private static JsonObject subscribeAnswer(SocketClient client, String table, String filter) {
        var message = JsonText.builder().add("type", "subscribe").add("table", table).add("sub", "probe");
        if (filter != null) {
            message.add("filter", filter);
        }
        client.send(message.build().toString());
        JsonObject answer = client.await("an answer", frame -> "probe".equals(frame.getString("sub", null)));
        if ("subscribed".equals(answer.getString("type"))) {
            client.send("{\"type\":\"unsubscribe\",\"sub\":\"probe\"}");
            client.await("unsubscribed", frame -> "unsubscribed".equals(frame.getString("type", null)) && "probe".equals(frame.getString("sub", null)));
        }
        return answer;
    }

    private static Map<String, jakarta.json.JsonValue> capturedTables(RunningPlank plank) {
        var response = new Api(plank).get("/tables");
        assertEquals(200, response.statusCode(), response.body());
        var tables = new java.util.HashMap<String, jakarta.json.JsonValue>();
        for (JsonObject entry : JsonText.array(response.body()).getValuesAs(JsonObject.class)) {
            tables.put(entry.getString("table"), entry);
        }
        return tables;
    }

    private static Predicate<JsonObject> type(String type) {
        return frame -> type.equals(frame.getString("type", null));
    }

    private static Predicate<JsonObject> change(String table, String action, int id) {
        return frame -> "change".equals(frame.getString("type", null)) && table.equals(frame.getString("table", null))
                && action.equals(frame.getString("action", null)) && frame.get("id") != null && frame.get("id").toString().equals(Integer.toString(id));
    }
}
