package io.plank.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import jakarta.json.JsonObject;

import io.plank.client.ConnectionState;
import io.plank.client.LiveView;
import io.plank.client.PlankClient;
import io.plank.client.Subscribe;
import io.plank.client.SubscriptionEvent;
import io.plank.testsupport.wait.Eventually;

/** What the tests of the Java client (plank-client) share: a client with short timings, a record of its events, the log to compare with. */
final class JavaClients {

    private JavaClients() {
    }

    /** Everything one subscription delivered, and the client's states. */
    static final class Record {
        final List<SubscriptionEvent.Change> changes = new CopyOnWriteArrayList<>();
        final List<SubscriptionEvent> events = new CopyOnWriteArrayList<>();
        final List<ConnectionState.Change> states = new CopyOnWriteArrayList<>();

        void accept(SubscriptionEvent event) {
            events.add(event);
            if (event instanceof SubscriptionEvent.Change change) {
                changes.add(change);
            }
        }

        List<Long> seqs() {
            return changes.stream().map(SubscriptionEvent.Change::seq).toList();
        }

        boolean sawClose(int code) {
            return states.stream().anyMatch(state -> state.code() != null && state.code() == code);
        }

        long opens() {
            return states.stream().filter(state -> state.state() == ConnectionState.OPEN).count();
        }
    }

    /** A client with timings short enough for tests, its states recorded in {@code record}. */
    static PlankClient.Builder client(RunningPlank plank, Record record) {
        return PlankClient.builder(plank.webSocket("")).ping(Duration.ofSeconds(1), Duration.ofMillis(1500))
                .connectTimeout(Duration.ofSeconds(3)).backoff(Duration.ofMillis(200), Duration.ofSeconds(2))
                .onState(record.states::add);
    }

    /** A new table, captured durably, that the server already serves. */
    static void capturedTable(RunningPlank plank, Connection db, String table) throws SQLException, InterruptedException {
        TableWriters.create(db, table);
        awaitSubscribable(plank, table, "durable");
    }

    /** Captures an existing table in {@code mode} and returns once the server serves it. */
    static void awaitSubscribable(RunningPlank plank, String table, String mode) {
        Sql.capture(plank, table, mode);
        try (var probe = PlankClient.builder(plank.webSocket("")).build()) {
            Eventually.until(table + " to be subscribable", Duration.ofSeconds(15), () -> {
                var subscription = probe.subscribe(Subscribe.to(table));
                try {
                    subscription.ready().get(5, TimeUnit.SECONDS);
                    return true;
                } catch (Exception refused) {
                    return false;
                } finally {
                    subscription.unsubscribe();
                }
            }, ready -> ready);
        }
    }

    /** Inserts a row after the writers have stopped; returns its id. A client that has its change has everything before it. */
    static long sentinel(Connection db, String table) throws SQLException {
        try (var insert = db.prepareStatement("INSERT INTO " + table + " (writer) VALUES (-1) RETURNING id")) {
            try (var rows = insert.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    static void awaitRow(Record record, long id, Duration within) {
        Eventually.until("the change of row " + id, within,
                () -> record.changes.stream().anyMatch(change -> change.id().toString().equals(Long.toString(id))), found -> found,
                () -> record.changes.size() + " changes, states " + record.states);
    }

    static List<Long> loggedSeqs(Connection db, String table) throws SQLException {
        try (var query = db.prepareStatement("SELECT seq FROM plank.change_log WHERE table_name = ? ORDER BY seq")) {
            query.setString(1, table);
            List<Long> seqs = new ArrayList<>();
            try (var rows = query.executeQuery()) {
                while (rows.next()) {
                    seqs.add(rows.getLong(1));
                }
            }
            return seqs;
        }
    }

    /** Every logged change delivered once, in seq order. */
    static void assertEveryChangeOnceInOrder(Connection db, String table, Record record) throws SQLException {
        List<Long> logged = loggedSeqs(db, table);
        List<Long> delivered = record.seqs();
        if (!logged.equals(delivered)) {
            var missing = new ArrayList<>(logged);
            missing.removeAll(delivered);
            throw new AssertionError("delivered " + delivered.size() + " changes, logged " + logged.size() + "; missing "
                    + missing.subList(0, Math.min(20, missing.size())) + ", repeated or out of order: "
                    + (delivered.size() - delivered.stream().distinct().count()));
        }
    }

    /** The view holds exactly the table's rows. */
    static void assertViewEquals(Connection db, String table, LiveView view) throws SQLException {
        Map<Long, Integer> rows = new TreeMap<>();
        try (var statement = db.createStatement(); var result = statement.executeQuery("SELECT id, n FROM " + table)) {
            while (result.next()) {
                rows.put(result.getLong(1), result.getInt(2));
            }
        }
        Map<Long, Integer> shown = new TreeMap<>();
        for (JsonObject row : view.rows()) {
            shown.put(row.getJsonNumber("id").longValue(), row.getInt("n"));
        }
        assertEquals(rows, shown, "the view equals the table");
    }
}
