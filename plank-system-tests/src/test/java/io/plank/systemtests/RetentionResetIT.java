package io.plank.systemtests;

import static io.plank.systemtests.Changes.change;
import static io.plank.systemtests.Changes.insertWithJdbc;
import static io.plank.systemtests.Delivery.seq;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.json.JsonObject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A client that asks to resume from before what the log retains, or on a table without a log, is told to reload
 * ({@code reset}) and then gets the live stream.
 */
@ExtendWith(PlankExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RetentionResetIT {

    /** The server re-reads the captured tables at most once a second when asked about one it does not know. */
    private static final Duration CAPTURE_SEEN_WITHIN = Duration.ofSeconds(10);

    @Test
    void sinceOlderThanRetainedGetsResetThenLiveStream(RunningPlank plank) throws SQLException {
        try (var db = plank.connect(); var live = SocketClient.connect(plank)) {
            live.subscribe("items", null);
            long[] seqs = new long[3];
            for (int i = 0; i < seqs.length; i++) {
                long id = insertWithJdbc(db, "retained-" + i, i);
                seqs[i] = seq(live.await("INSERT of row " + id, change("INSERT", id)));
            }
            // As LogPruner would: everything through the second row's INSERT is gone, the third is retained.
            assertTrue(LoggedChanges.prune(db, seqs[1]) >= 2, "pruned at least the first two rows' INSERTs");
            assertEquals(seqs[1], LoggedChanges.prunedThrough(db), "pruned_through");

            try (var tooOld = SocketClient.connect(plank); var retained = SocketClient.connect(plank)) {
                long tooOldFrom = seq(tooOld.subscribe("items", seqs[0]));
                JsonObject reset = tooOld.awaitFirst("the reset after since=" + seqs[0]);
                assertEquals("reset", reset.getString("type", null), "since " + seqs[0] + " < pruned_through " + seqs[1]
                        + " is answered by a reset: " + reset);
                assertEquals("items", reset.getString("table", null), "reset names the table: " + reset);
                assertFalse(reset.getString("reason", "").isBlank(), "reset gives a reason: " + reset);

                // since == pruned_through: the client has everything pruned, so it resumes normally.
                seq(retained.subscribe("items", seqs[1]));
                JsonObject replayed = retained.awaitFirst("the replay of seq " + seqs[2]);
                assertEquals(seqs[2], seq(replayed), "since=" + seqs[1] + " replays the retained seq " + seqs[2] + ": " + replayed);

                long id = insertWithJdbc(db, "after-reset-" + UUID.randomUUID(), 1);
                JsonObject afterReset = tooOld.awaitFirst("the live INSERT of row " + id + " after the reset");
                assertTrue(change("INSERT", id).test(afterReset), "the next frame after the reset is the new live change: " + afterReset);
                assertTrue(seq(afterReset) > tooOldFrom, "live changes after the reset come after its subscribed seq "
                        + tooOldFrom + ": " + afterReset);
                JsonObject afterReplay = retained.awaitFirst("the live INSERT of row " + id + " after the replay");
                assertTrue(change("INSERT", id).test(afterReplay), "then the live stream: " + afterReplay);
                assertEquals(List.of(), tooOld.takeAvailable(), "nothing else for the reset client");
            }
        }
    }

    @Test
    void sinceOnEphemeralTableGetsResetThenLiveStream(RunningPlank plank) throws SQLException {
        try (var db = plank.connect(); var statement = db.createStatement(); var client = SocketClient.connect(plank)) {
            statement.execute("CREATE TABLE IF NOT EXISTS passing_notes (id int PRIMARY KEY, body text)");
            statement.execute("SELECT plank.capture('passing_notes', 'ephemeral')");
            Poll.until("passing_notes to be subscribable", CAPTURE_SEEN_WITHIN,
                    () -> isSubscribable(client, "passing_notes"), true);

            JsonObject subscribed = client.subscribe("passing_notes", 5L);
            assertNull(subscribed.get("seq"), "an ephemeral table's subscribed answer has no seq: " + subscribed);
            JsonObject reset = client.awaitFirst("the reset after since on an ephemeral table");
            assertEquals("reset", reset.getString("type", null), "since on an ephemeral table is answered by a reset: " + reset);
            assertEquals("passing_notes", reset.getString("table", null), "reset names the table: " + reset);

            statement.execute("INSERT INTO passing_notes VALUES (1, 'hello')");
            JsonObject frame = client.awaitFirst("the live INSERT after the reset");
            assertTrue(change("passing_notes", "INSERT", 1).test(frame), "the live stream follows the reset: " + frame);
            assertNull(frame.get("seq"), "ephemeral changes have no seq: " + frame);
        }
    }

    /** Subscribes and unsubscribes again: true once the server knows the table is captured. */
    private static boolean isSubscribable(SocketClient client, String table) {
        client.send("{\"type\":\"subscribe\",\"table\":\"" + table + "\"}");
        JsonObject answer = client.awaitFirst("the answer to subscribing to " + table);
        if (!"subscribed".equals(answer.getString("type", null))) {
            return false;
        }
        client.send("{\"type\":\"unsubscribe\",\"table\":\"" + table + "\"}");
        client.awaitType("unsubscribed");
        return true;
    }
}
