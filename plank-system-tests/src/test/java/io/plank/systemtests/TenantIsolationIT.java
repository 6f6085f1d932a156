package io.plank.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A multi-tenant table bound to the tokens' {@code tenant} claim: while 20 writers update, move between tenants, delete
 * and re-insert both tenants' rows, each tenant's live, snapshot-then-stream, resumed and event-stream readers see
 * only their own rows, a row that moves away arrives as a {@code leave} without its new data, and every reader's copy
 * ends equal to the tenant's rows in the database. A token whose claim is a list reads both; one without the claim
 * reads nothing.
 */
@ExtendWith(PlankExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TenantIsolationIT {

    private static final String TABLE = "tenant_accounts";
    private static final int ROWS = 40;
    private static final int WRITERS = 20;
    private static final Duration WRITING = Duration.ofSeconds(4);

    /** One reader's copy of the table, built from the frames it was sent, and every row it was ever shown. */
    private static final class View {
        final String tenant;
        final Map<String, JsonObject> rows = new TreeMap<>();
        final List<JsonObject> shown = new ArrayList<>();
        int withdrawn;

        View(String tenant) {
            this.tenant = tenant;
        }

        void apply(JsonObject frame) {
            switch (frame.getString("type")) {
                case "snapshot" -> frame.getJsonArray("rows").getValuesAs(JsonObject.class).forEach(row -> {
                    shown.add(row);
                    rows.put(String.valueOf(row.getInt("id")), row);
                });
                case "change" -> {
                    String id = frame.get("id").toString();
                    if (frame.getBoolean("leave", false)) {
                        assertEquals(JsonValue.ValueType.NULL, frame.get("data").getValueType(), tenant + ": a row that left is not shown: " + frame);
                        withdrawn++;
                        rows.remove(id);
                        return;
                    }
                    JsonObject data = frame.getJsonObject("data");
                    shown.add(data);
                    if ("DELETE".equals(frame.getString("action"))) {
                        rows.remove(id);
                    } else {
                        rows.put(id, data);
                    }
                }
                default -> { }
            }
        }
    }

    @Test
    void eachTenantSeesOnlyItsRowsLiveAfterASnapshotOnResumeAndAsAStream(RunningPlank plank) throws Exception {
        long start;
        try (Connection db = plank.connect()) {
            Sql.createTable(db, TABLE, "(id int PRIMARY KEY, tenant text NOT NULL, balance int NOT NULL)");
            Sql.capture(plank, TABLE, "durable");
            start = Sql.queryLong(db, "SELECT COALESCE(max(seq), 0) FROM plank.change_log");
        }
        SecurityIT.grant(plank, TABLE, List.of("authenticated"), List.of());
        var binding = new Api(plank).put("/tables/" + TABLE + "/binding", Api.JSON, "{\"column\":\"tenant\",\"claim\":\"tenant\"}");
        assertEquals(200, binding.statusCode(), binding.body());

        String alice = TestTokens.token("alice", List.of(), Map.of("tenant", "a"), Duration.ofMinutes(10));
        String bob = TestTokens.token("bob", List.of(), Map.of("tenant", "b"), Duration.ofMinutes(10));
        String carol = TestTokens.token("carol", List.of(), Map.of("tenant", List.of("a", "b")), Duration.ofMinutes(10));
        String nobody = TestTokens.token("nora", List.of("sales"));

        try (var noClaim = SocketClient.connect(plank)) {
            noClaim.authenticate(nobody);
            noClaim.send("{\"type\":\"subscribe\",\"table\":\"" + TABLE + "\"}");
            assertEquals("forbidden", noClaim.awaitType("error").getString("code"), "a token without the claim reads nothing");
        }

        var liveA = reader(plank, alice, "{\"type\":\"subscribe\",\"table\":\"" + TABLE + "\",\"sub\":\"live\"}");
        var liveB = reader(plank, bob, "{\"type\":\"subscribe\",\"table\":\"" + TABLE + "\",\"sub\":\"live\"}");
        var liveBoth = reader(plank, carol, "{\"type\":\"subscribe\",\"table\":\"" + TABLE + "\",\"sub\":\"live\"}");
        // A client may filter further, but not out of its binding: asking for tenant b through alice's token gets nothing.
        var sneaky = reader(plank, alice, "{\"type\":\"subscribe\",\"table\":\"" + TABLE + "\",\"sub\":\"sneaky\",\"filter\":\"tenant=eq.b\"}");
        var streamA = EventStreamClient.open(plank.api("/changes/" + TABLE), null, alice);
        try (Connection db = plank.connect()) {
            for (int id = 1; id <= ROWS; id++) {
                Sql.execute(db, "INSERT INTO " + TABLE + " VALUES (" + id + ", '" + (id % 2 == 1 ? "a" : "b") + "', 100)");
            }
        }

        SocketClient snapshotA;
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger writes = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(WRITERS);
        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            int seed = w;
            writers.add(threads.submit(() -> write(plank, new Random(seed), stop, writes)));
        }
        try {
            Thread.sleep(WRITING.toMillis() / 2); // the snapshot lands in the middle of the writing
            snapshotA = reader(plank, alice, "{\"type\":\"subscribe\",\"table\":\"" + TABLE + "\",\"sub\":\"snap\",\"snapshot\":true}");
            Thread.sleep(WRITING.toMillis() / 2);
        } finally {
            stop.set(true);
            for (Future<?> writer : writers) {
                writer.get(30, TimeUnit.SECONDS);
            }
            threads.shutdown();
        }
        assertTrue(writes.get() > 200, "the writers wrote: " + writes.get());
        var resumedA = reader(plank, alice, "{\"type\":\"subscribe\",\"table\":\"" + TABLE + "\",\"sub\":\"resumed\",\"since\":" + start + "}");

        try (Connection db = plank.connect()) {
            Sql.execute(db, "INSERT INTO " + TABLE + " VALUES (1000, 'a', 0), (1001, 'b', 0)");
            Map<String, Map<String, JsonObject>> expected = Map.of("a", rows(db, "a"), "b", rows(db, "b"));
            Map<String, JsonObject> both = new TreeMap<>(expected.get("a"));
            both.putAll(expected.get("b"));

            check("live a", liveA, new View("a"), "live", expected.get("a"));
            check("snapshot a", snapshotA, new View("a"), "snap", expected.get("a"));
            check("resumed a", resumedA, new View("a"), "resumed", expected.get("a"));
            check("live b", liveB, new View("b"), "live", expected.get("b"));
            View carolView = new View("a,b");
            check("live a and b", liveBoth, carolView, "live", both);

            View streamView = new View("a");
            while (!streamView.rows.containsKey("1000")) {
                var event = streamA.next(SocketClient.WAIT);
                if (event.data() != null) {
                    streamView.apply(event.data());
                }
            }
            assertOnly("stream a", streamView, List.of("a"));
            assertEquals(expected.get("a"), streamView.rows, "stream a: the tenant's rows");

            sneaky.send("{\"type\":\"ping\"}");
            List<JsonObject> sneakyFrames = sneaky.takeUntil("pong", frame -> "pong".equals(frame.getString("type", null)));
            assertTrue(sneakyFrames.stream().noneMatch(frame -> frame.containsKey("data") && !frame.isNull("data")
                    && "b".equals(frame.getJsonObject("data").getString("tenant"))), "tenant b's rows never reach alice: " + sneakyFrames.size());
        } finally {
            for (var client : List.of(liveA, liveB, liveBoth, sneaky, snapshotA, resumedA)) {
                client.close();
            }
            streamA.close();
        }
    }

    private static SocketClient reader(RunningPlank plank, String token, String subscribe) {
        var client = SocketClient.connect(plank);
        assertEquals("authenticated", client.authenticate(token).getString("type"));
        client.send(subscribe);
        return client;
    }

    /** Reads until the tenant's sentinel row arrives (1000 for a, 1001 for b), then checks every row it was shown. */
    private static void check(String what, SocketClient client, View view, String sub, Map<String, JsonObject> expected) {
        String sentinel = view.tenant.startsWith("a") ? "1000" : "1001";
        String otherSentinel = view.tenant.contains("b") ? "1001" : null;
        while (!view.rows.containsKey(sentinel) || (otherSentinel != null && !view.rows.containsKey(otherSentinel))) {
            JsonObject frame = client.awaitFirst("the sentinel for " + what);
            if ("error".equals(frame.getString("type", null))) {
                throw new AssertionError(what + ": " + frame);
            }
            view.apply(frame);
        }
        assertOnly(what, view, List.of(view.tenant.split(",")));
        assertEquals(expected, view.rows, what + ": the copy equals the tenant's rows");
    }

    private static void assertOnly(String what, View view, List<String> tenants) {
        for (JsonObject row : view.shown) {
            assertTrue(tenants.contains(row.getString("tenant")), what + " was shown another tenant's row: " + row);
        }
    }

    private static Map<String, JsonObject> rows(Connection db, String tenant) throws SQLException {
        Map<String, JsonObject> rows = new TreeMap<>();
        try (var statement = db.prepareStatement("SELECT id, to_jsonb(t)::text FROM " + TABLE + " t WHERE tenant = ?")) {
            statement.setString(1, tenant);
            try (var result = statement.executeQuery()) {
                while (result.next()) {
                    rows.put(String.valueOf(result.getInt(1)), JsonText.object(result.getString(2)));
                }
            }
        }
        return rows;
    }

    /** Updates balances, moves rows between tenants, deletes and re-inserts them, until told to stop. */
    private static Void write(RunningPlank plank, Random random, AtomicBoolean stop, AtomicInteger writes) throws SQLException {
        try (Connection db = plank.connect()) {
            while (!stop.get()) {
                int id = 1 + random.nextInt(ROWS);
                String sql = switch (random.nextInt(4)) {
                    case 0 -> "UPDATE " + TABLE + " SET tenant = CASE tenant WHEN 'a' THEN 'b' ELSE 'a' END WHERE id = " + id;
                    case 1 -> "DELETE FROM " + TABLE + " WHERE id = " + id;
                    case 2 -> "INSERT INTO " + TABLE + " VALUES (" + id + ", '" + (random.nextBoolean() ? "a" : "b") + "', 1) ON CONFLICT DO NOTHING";
                    default -> "UPDATE " + TABLE + " SET balance = balance + 1 WHERE id = " + id;
                };
                Sql.execute(db, sql);
                writes.incrementAndGet();
                // Some 1,000 changes a second in all: enough to interleave every kind of write across both tenants, and
                // little enough that the readers, read one after another below, stay within the harness's low backlog limit.
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }
}
