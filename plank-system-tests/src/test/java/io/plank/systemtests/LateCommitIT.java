package io.plank.systemtests;

import static io.plank.systemtests.Changes.change;
import static io.plank.systemtests.Changes.insertWithJdbc;
import static io.plank.systemtests.Delivery.seq;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import jakarta.json.JsonObject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A change whose transaction commits after a change with a higher seq was committed is delivered, first, not
 * skipped: the listener waits out the transaction holding the lower seq, whichever transaction is older.
 */
@ExtendWith(PlankExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LateCommitIT {

    private static final Duration LISTENER_READS_WITHIN = Duration.ofSeconds(10);

    /** The holder of the lower seq is the older transaction: it is in the xip list of the listener's snapshot. */
    @Test
    void lowerSeqOfTheOlderTransactionCommittedLateIsDeliveredFirst(RunningPlank plank) throws SQLException {
        try (var holder = plank.connect(); var committer = plank.connect(); var client = SocketClient.connect(plank)) {
            client.subscribe("items", null);
            holder.setAutoCommit(false);
            long held = insertWithJdbc(holder, "held", 1);
            long quick = insertWithJdbc(committer, "quick", 2);
            awaitListenerReadAfter(committer, now(committer));
            holder.commit();

            assertDeliveredInSeqOrder(client, held, quick);
        }
    }

    /**
     * The holder of the lower seq is the newer transaction: the committer took its transaction id first and its seq
     * second. While no transaction at least as new as the holder has ended, the holder's id is at or above the
     * snapshot's xmax, so it is not in the xip list, yet it is running and will commit the missing seq.
     */
    @Test
    void lowerSeqOfTheNewerTransactionCommittedLateIsDeliveredFirst(RunningPlank plank) throws SQLException {
        try (var holder = plank.connect(); var committer = plank.connect(); var client = SocketClient.connect(plank)) {
            client.subscribe("items", null);
            committer.setAutoCommit(false);
            transactionId(committer); // takes the older transaction id
            holder.setAutoCommit(false);
            long held = insertWithJdbc(holder, "held", 1); // newer transaction id, lower seq
            long quick = insertWithJdbc(committer, "quick", 2); // older transaction id, higher seq
            committer.commit();
            committer.setAutoCommit(true); // pg_stat_activity stands still inside a transaction
            awaitListenerReadAfter(committer, now(committer));
            holder.commit();

            assertDeliveredInSeqOrder(client, held, quick);
        }
    }

    private static void assertDeliveredInSeqOrder(SocketClient client, long heldRow, long quickRow) {
        JsonObject first = client.await("the INSERT of row " + heldRow + " or " + quickRow,
                change("INSERT", heldRow).or(change("INSERT", quickRow)));
        assertTrue(change("INSERT", heldRow).test(first), "the lower seq, committed late, comes first: got " + first);
        JsonObject second = client.await("the INSERT of row " + quickRow, change("INSERT", quickRow));
        assertTrue(seq(first) < seq(second), "seq order: " + first + " before " + second);
    }

    /**
     * Waits until the listener's backend ran a statement after {@code since}: it has read the log with the higher seq
     * committed and the lower one still open, which is what these cases are about.
     */
    private static void awaitListenerReadAfter(Connection db, Timestamp since) {
        Poll.until("the listener to read the change log after " + since, LISTENER_READS_WITHIN, () -> {
            try (var query = db.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    + "AND application_name = 'plank-listener' AND state_change > ?")) {
                query.setTimestamp(1, since);
                try (var rows = query.executeQuery()) {
                    rows.next();
                    return rows.getInt(1) > 0;
                }
            } catch (SQLException e) {
                throw new AssertionError("Could not read pg_stat_activity", e);
            }
        }, true);
    }

    private static Timestamp now(Connection db) throws SQLException {
        try (var statement = db.createStatement(); var rows = statement.executeQuery("SELECT clock_timestamp()")) {
            rows.next();
            return rows.getTimestamp(1);
        }
    }

    private static long transactionId(Connection db) throws SQLException {
        try (var statement = db.createStatement(); var rows = statement.executeQuery("SELECT txid_current()")) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
