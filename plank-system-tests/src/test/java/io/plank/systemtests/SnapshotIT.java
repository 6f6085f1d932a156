package io.plank.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import io.plank.testsupport.server.Logs;
import io.plank.testsupport.wait.Eventually;

/**
 * Snapshot, then stream: the rows matching now, then every later change, with nothing lost or repeated at the
 * seam while 20 writers are busy, checked row by row against the table's final state and each row's versions. The
 * writers stop only once both snapshots are done and the stream has carried their changes, however fast the machine.
 */
@ExtendWith(PlankExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SnapshotIT {

    private static final Logger LOG = Logger.getLogger(SnapshotIT.class.getName());
    private static final int ROWS = 6_000;
    private static final int WRITERS = 20;
    private static final long MARKER = -1;
    private static final int WARM_UP_WRITES = 200;
    private static final int STREAMED = 100;
    private static final Duration WRITERS_WITHIN = Duration.ofSeconds(30);

    @Test
    void snapshotPlusStreamEqualsTheTableUnderTwentyWriters(RunningPlank plank) throws Exception {
        // Batches, as the JavaScript client takes them: under logical decoding nothing slows the twenty writers, and on
        // Payara one send per frame falls behind them until the send queue is full (1013, as for any slow client).
        try (Connection db = plank.connect(); var client = SocketClient.connect(plank, "?batch=true")) {
            Sql.createTable(db, "ledger", "(id bigint PRIMARY KEY, owner int NOT NULL, version int NOT NULL, note text)");
            Sql.execute(db, "DROP SEQUENCE IF EXISTS ledger_ids");
            Sql.execute(db, "CREATE SEQUENCE ledger_ids START " + (ROWS + 1));
            Sql.execute(db, "INSERT INTO ledger SELECT n, n % 20, 0, 'row ' || n FROM generate_series(1, " + ROWS + ") n");
            Sql.capture(plank, "ledger", "durable");

            var stop = new AtomicBoolean();
            var writes = new AtomicLong();
            ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < WRITERS; i++) {
                running.add(writers.submit(() -> write(plank, stop, writes)));
            }
            Eventually.until("the writers under way", WRITERS_WITHIN, writes::get, count -> count >= WARM_UP_WRITES);
            long writesBefore = writes.get();
            client.send("{\"type\":\"subscribe\",\"table\":\"ledger\",\"sub\":\"all\",\"snapshot\":true}");
            client.send("{\"type\":\"subscribe\",\"table\":\"ledger\",\"sub\":\"mine\",\"snapshot\":true,\"filter\":\"owner=lt.5\"}");
            // The seam is behind both subscriptions, with the writers still busy, once both snapshots have ended and
            // the stream has carried more than STREAMED of the writers' changes since.
            List<JsonObject> frames = new ArrayList<>(client.takeUntil("both snapshots, then more than " + STREAMED
                    + " changes for 'all'", new Seam()::passed));
            stop.set(true);
            for (Future<?> writer : running) {
                writer.get(60, TimeUnit.SECONDS);
            }
            writers.shutdown();
            Sql.execute(db, "INSERT INTO ledger VALUES (" + MARKER + ", 0, 0, 'marker')");

            var all = new View("all", true);
            var mine = new View("mine", false);
            // One frame naming both, or one each: a subscription whose held changes overflowed replays them from the log
            // before it goes live, and may still be doing so when the marker is written.
            Set<String> markerSeen = new HashSet<>();
            frames.addAll(client.takeUntil("the marker for both", frame -> {
                if ("change".equals(frame.getString("type", null)) && frame.getJsonNumber("id").longValue() == MARKER) {
                    markerSeen.addAll(subs(frame));
                }
                return markerSeen.containsAll(List.of("all", "mine"));
            }));
            for (JsonObject frame : frames) {
                assertTrue(Set.of("subscribed", "snapshot", "change").contains(frame.getString("type")), frame.toString());
                all.apply(frame);
                mine.apply(frame);
            }
            LOG.info(() -> "Snapshot seam: " + WRITERS + " writers made " + writes.get() + " writes, " + writesBefore
                    + " before the subscriptions; " + frames.size() + " frames; snapshot rows all " + all.snapshotRows
                    + ", mine " + mine.snapshotRows + "; changes all " + all.changes + ", mine " + mine.changes);

            assertTrue(all.snapshotRows >= ROWS / 2 && mine.snapshotRows > 0, all.snapshotRows + " / " + mine.snapshotRows);
            assertTrue(all.changes > STREAMED, "the stream carried the writers' changes: " + all.changes);
            assertEquals(table(db, "SELECT id, owner, version FROM ledger"), all.rows, "snapshot + stream = the table");
            assertEquals(table(db, "SELECT id, owner, version FROM ledger WHERE owner < 5"), mine.rows, "and for the filter too");
        }
    }

    @Test
    void aSnapshotTooLargeOrOfAnEphemeralTableIsRefusedClearly(RunningPlank plank) throws SQLException {
        try (Connection db = plank.connect(); var client = SocketClient.connect(plank)) {
            Sql.createTable(db, "readings", "(id int PRIMARY KEY, sensor int)");
            Sql.execute(db, "INSERT INTO readings SELECT n, n % 3 FROM generate_series(1, 10001) n");
            Sql.capture(plank, "readings", "durable");

            client.send("{\"type\":\"subscribe\",\"table\":\"readings\",\"sub\":\"r\",\"snapshot\":true}");
            JsonObject error = client.awaitFirst("the answer to a snapshot too large");
            assertEquals("error", error.getString("type"), "refused, not first subscribed: " + error);
            assertEquals("snapshot_too_large", error.getString("code"), error.toString());
            assertEquals("r", error.getString("sub"));
            assertTrue(error.getString("message").contains("More than 10000 rows"), error.getString("message"));

            client.send("{\"type\":\"subscribe\",\"table\":\"readings\",\"sub\":\"r\",\"snapshot\":true,\"filter\":\"sensor=eq.1\"}");
            List<JsonObject> snapshot = client.takeUntil("the last page", frame -> frame.getBoolean("last", false));
            int rows = snapshot.stream().filter(frame -> "snapshot".equals(frame.getString("type")))
                    .mapToInt(frame -> frame.getJsonArray("rows").size()).sum();
            assertEquals(3334, rows, "a filter narrows it enough");
            assertTrue(snapshot.stream().filter(frame -> "snapshot".equals(frame.getString("type"))).count() > 1, "sent in pages");

            Sql.createTable(db, "pings", "(id int PRIMARY KEY)");
            Sql.capture(plank, "pings", "ephemeral");
            client.send("{\"type\":\"subscribe\",\"table\":\"pings\",\"snapshot\":true}");
            JsonObject unavailable = client.awaitType("error");
            assertEquals("snapshot_unavailable", unavailable.getString("code"), unavailable.toString());
        }
    }

    /**
     * A client that subscribes with a snapshot and unsubscribes at once, 300 times on one socket, gets exactly the
     * answers it asked for: no error, nothing about a subscription after its {@code unsubscribed}, nothing failing in
     * the server.
     */
    @Test
    void subscribingWithASnapshotAndUnsubscribingAtOnceEndsCleanly(RunningPlank plank) throws SQLException {
        try (Connection db = plank.connect(); var client = SocketClient.connect(plank)) {
            Sql.createTable(db, "catalogue", "(id int PRIMARY KEY, title text)");
            Sql.execute(db, "INSERT INTO catalogue SELECT n, repeat('t', 200) FROM generate_series(1, 5000) n");
            Sql.createTable(db, "catalogue_end", "(id int PRIMARY KEY)");
            Sql.capture(plank, "catalogue", "durable");
            Sql.capture(plank, "catalogue_end", "durable");
            long logPosition = Logs.size(plank.logFile());

            for (int i = 0; i < 300; i++) {
                client.send("{\"type\":\"subscribe\",\"table\":\"catalogue\",\"sub\":\"s" + i + "\",\"snapshot\":true}");
                client.send("{\"type\":\"unsubscribe\",\"sub\":\"s" + i + "\"}");
                if (i % 40 == 39) {
                    pause(); // within plank.ws.max-messages-per-second (100 a second, a burst of 100)
                }
            }
            // A client's snapshots are taken in turn: once this one's last page is out, every earlier one has ended.
            client.send("{\"type\":\"subscribe\",\"table\":\"catalogue_end\",\"sub\":\"end\",\"snapshot\":true}");
            List<JsonObject> frames = client.takeUntil("the last snapshot page of 'end'",
                    frame -> "end".equals(frame.getString("sub", null)) && frame.getBoolean("last", false));

            Set<String> ended = new HashSet<>();
            for (JsonObject frame : frames) {
                String sub = frame.getString("sub", null);
                assertTrue(!"error".equals(frame.getString("type")), "no errors: " + frame);
                assertTrue(!ended.contains(sub), "nothing about " + sub + " after its unsubscribed: " + frame);
                if ("unsubscribed".equals(frame.getString("type"))) {
                    ended.add(sub);
                }
            }
            assertEquals(300, ended.size(), "every unsubscribe answered");
            String log = Logs.since(plank.logFile(), logPosition);
            assertTrue(!log.contains("NullPointerException") && !log.contains("Snapshot of 'catalogue'"),
                    "no snapshot failed in the server:\n" + log);
        }
    }

    /** One writer: updates (bumping the version, moving rows between owners), inserts and deletes, some two at a time. */
    private static void write(RunningPlank plank, AtomicBoolean stop, AtomicLong writes) {
        var random = ThreadLocalRandom.current();
        try (Connection db = plank.connect(); var statement = db.createStatement()) {
            while (!stop.get()) {
                long id = random.nextLong(1, ROWS + 1);
                int op = random.nextInt(10);
                if (op < 6) {
                    statement.execute("UPDATE ledger SET version = version + 1, owner = " + random.nextInt(20) + " WHERE id = " + id);
                } else if (op < 8) {
                    statement.execute("INSERT INTO ledger SELECT nextval('ledger_ids'), " + random.nextInt(20) + ", 0, 'new'");
                } else if (op < 9) {
                    statement.execute("DELETE FROM ledger WHERE id = " + id);
                } else {
                    db.setAutoCommit(false);
                    statement.execute("UPDATE ledger SET version = version + 1 WHERE id = " + id);
                    Thread.sleep(random.nextInt(5));
                    statement.execute("UPDATE ledger SET version = version + 1 WHERE id = " + random.nextLong(1, ROWS + 1));
                    db.commit();
                    db.setAutoCommit(true);
                }
                writes.incrementAndGet();
                Thread.sleep(random.nextInt(10));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Map<Long, String> table(Connection db, String sql) throws SQLException {
        Map<Long, String> rows = new HashMap<>();
        try (var statement = db.createStatement(); var result = statement.executeQuery(sql)) {
            while (result.next()) {
                rows.put(result.getLong(1), result.getInt(2) + "/" + result.getInt(3));
            }
        }
        rows.remove(MARKER);
        return rows;
    }

    private static List<String> subs(JsonObject frame) {
        return frame.containsKey("subs") ? frame.getJsonArray("subs").getValuesAs(JsonString::getString) : List.of();
    }

    /** Counts, frame by frame, whether both snapshots have ended and 'all' has streamed more than {@link #STREAMED} changes since. */
    private static final class Seam {
        private final Set<String> snapshotsEnded = new HashSet<>();
        private int streamed;

        boolean passed(JsonObject frame) {
            String type = frame.getString("type", "");
            if (type.equals("snapshot") && frame.getBoolean("last", false)) {
                snapshotsEnded.add(frame.getString("sub"));
            } else if (type.equals("change") && snapshotsEnded.contains("all") && subs(frame).contains("all")) {
                streamed++;
            }
            return snapshotsEnded.size() == 2 && streamed > STREAMED;
        }
    }

    /**
     * A client's view of one subscription, built as a client would: snapshot rows, then changes applied on top.
     * With {@code strict}, every change must follow from the row the view holds: an UPDATE has the next version,
     * a DELETE the current one, an INSERT a new row; a change lost or sent twice at the seam breaks that chain.
     */
    private static final class View {
        final String sub;
        final boolean strict;
        final Map<Long, String> rows = new HashMap<>();
        final Map<Long, Integer> versions = new HashMap<>();
        final Set<Long> seqs = new HashSet<>();
        int snapshotRows;
        int changes;
        boolean snapshotDone;

        View(String sub, boolean strict) {
            this.sub = sub;
            this.strict = strict;
        }

        void apply(JsonObject frame) {
            switch (frame.getString("type")) {
                case "snapshot" -> {
                    if (!sub.equals(frame.getString("sub"))) {
                        return;
                    }
                    assertTrue(!snapshotDone, "snapshot pages after the last: " + frame.getString("sub"));
                    for (JsonValue value : frame.getJsonArray("rows")) {
                        put(value.asJsonObject());
                        snapshotRows++;
                    }
                    snapshotDone = frame.getBoolean("last");
                }
                case "change" -> {
                    if (!subs(frame).contains(sub)) {
                        return;
                    }
                    assertTrue(snapshotDone, sub + " got a change before its snapshot ended: " + frame);
                    assertTrue(seqs.add(frame.getJsonNumber("seq").longValue()), sub + " got seq twice: " + frame);
                    long id = frame.getJsonNumber("id").longValue();
                    if (id == MARKER) {
                        return;
                    }
                    changes++;
                    JsonObject data = frame.getJsonObject("data");
                    String action = frame.getString("action");
                    if (strict) {
                        Integer held = versions.get(id);
                        int version = data.getInt("version");
                        switch (action) {
                            case "INSERT" -> assertEquals(null, held, "INSERT of a row the view has: " + frame);
                            case "UPDATE" -> assertEquals(Integer.valueOf(version - 1), held, "UPDATE not following the view's version: " + frame);
                            default -> assertEquals(Integer.valueOf(version), held, "DELETE of another version: " + frame);
                        }
                    }
                    if (action.equals("DELETE") || frame.getBoolean("leave", false)) {
                        rows.remove(id);
                        versions.remove(id);
                    } else {
                        put(data);
                    }
                }
                default -> {
                }
            }
        }

        private void put(JsonObject row) {
            long id = row.getJsonNumber("id").longValue();
            rows.put(id, row.getInt("owner") + "/" + row.getInt("version"));
            versions.put(id, row.getInt("version"));
        }
    }

    private static void pause() {
        try {
            Thread.sleep(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted", e);
        }
    }
}
