package io.plank.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import jakarta.json.JsonObject;
import jakarta.json.JsonString;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Transactions as units: transfers between accounts, written by two transactions whose changes interleave in the log,
 * reach each subscription with their transaction's id and one end each ({@code tx_last} on the last change, or a
 * {@code tx_end} where a filter dropped it), live and again through a {@code since} resume.
 */
@ExtendWith(PlankExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TransactionsIT {

    private static final String ALL = "{\"type\":\"subscribe\",\"table\":\"accounts\",\"sub\":\"all\"%s}";
    private static final String RICH = "{\"type\":\"subscribe\",\"table\":\"accounts\",\"sub\":\"rich\",\"filter\":\"balance=gte.1000\",\"tx_end\":true%s}";
    /** The same, for a client written before tx_end frames existed: it does not ask for them, and gets none. */
    private static final String RICH_OLD = "{\"type\":\"subscribe\",\"table\":\"accounts\",\"sub\":\"old\",\"filter\":\"balance=gte.1000\"%s}";
    private static final String LEDGER = "{\"type\":\"subscribe\",\"table\":\"ledger\",\"sub\":\"ledger\"%s}";

    @Test
    void transfersArriveAsWholeTransactionsLiveAfterAResumeAndThroughAFilter(RunningPlank plank) throws SQLException {
        try (Connection db = plank.connect(); Connection other = plank.connect(); var live = SocketClient.connect(plank)) {
            Sql.createTable(db, "accounts", "(id int PRIMARY KEY, balance int NOT NULL)");
            Sql.createTable(db, "ledger", "(id serial PRIMARY KEY, from_id int, to_id int, amount int)");
            Sql.capture(plank, "accounts", "durable");
            Sql.capture(plank, "ledger", "durable");
            long start = Sql.queryLong(db, "SELECT COALESCE(max(seq), 0) FROM plank.change_log");
            for (String subscribe : List.of(ALL, RICH, RICH_OLD, LEDGER)) {
                live.send(subscribe.formatted(""));
                live.awaitType("subscribed");
            }

            db.setAutoCommit(false);
            Sql.execute(db, "INSERT INTO accounts VALUES (1, 1500), (2, 500), (3, 1200), (4, 100)");
            db.commit();
            // Two transfers at once, their changes interleaved in seq order; the second commits first.
            other.setAutoCommit(false);
            Sql.execute(db, "UPDATE accounts SET balance = balance - 600 WHERE id = 1");
            Sql.execute(other, "UPDATE accounts SET balance = balance - 300 WHERE id = 3");
            Sql.execute(db, "UPDATE accounts SET balance = balance + 600 WHERE id = 2");
            Sql.execute(other, "UPDATE accounts SET balance = balance + 300 WHERE id = 4");
            Sql.execute(db, "INSERT INTO ledger (from_id, to_id, amount) VALUES (1, 2, 600)");
            Sql.execute(other, "INSERT INTO ledger (from_id, to_id, amount) VALUES (3, 4, 300)");
            other.commit();
            db.commit();
            db.setAutoCommit(true);
            Sql.execute(db, "INSERT INTO accounts VALUES (99, 5000)"); // the sentinel, in every subscription's filter

            List<JsonObject> frames = live.takeUntil("the sentinel", sentinel("rich"));
            List<String> all = transactions(frames, "all");
            // Captured by trigger, the transfers' changes interleave in seq order and the one with the later last seq
            // ends last; by logical decoding, seq is commit order: the transfer that committed first comes first, whole.
            boolean commitOrder = "logical".equals(Sql.queryString(db, "SELECT plank.capture_method()"));
            List<String> allTransfers = List.of("transfer 1→2: 1 2 | last", "transfer 3→4: 3 4 | last");
            List<String> richTransfers = List.of("transfer 1→2: 1 2 | last", "transfer 3→4: 3 | tx_end");
            assertEquals(framed("insert: 1 2 3 4 | last", allTransfers, commitOrder, "sentinel: 99 | last"),
                    describe(all, frames, "all"), "every transaction whole, each with one last mark: " + frames);
            assertEquals(framed("insert: 1 3 | tx_end", richTransfers, commitOrder, "sentinel: 99 | last"),
                    describe(transactions(frames, "rich"), frames, "rich"), "the filter's part of each, then its end: " + frames);
            assertTrue(frames.stream().noneMatch(frame -> "tx_end".equals(frame.getString("type")) && "old".equals(frame.getString("sub", null))),
                    "no tx_end for a subscription that did not ask: " + frames);
            List<String> ledger = transactions(frames, "ledger");
            assertEquals(2, ledger.size());
            assertEquals(List.of(all.get(1), all.get(2)), ledger, "the ledger rows carry their transfer's transaction");
            assertNotEquals(all.get(1), all.get(2));

            try (var resumed = SocketClient.connect(plank)) {
                for (String subscribe : List.of(ALL, RICH)) {
                    resumed.send(subscribe.formatted(",\"since\":" + start));
                }
                List<JsonObject> replayed = resumed.takeUntil("the replayed sentinel", sentinel("all"));
                replayed.addAll(resumed.takeUntil("the sentinel replayed for rich", sentinel("rich"))); // the replays run in turn
                assertEquals(describe(all, frames, "all"), describe(transactions(replayed, "all"), replayed, "all"), "replayed alike: " + replayed);
                assertEquals(describe(transactions(frames, "rich"), frames, "rich"),
                        describe(transactions(replayed, "rich"), replayed, "rich"), "and through the filter: " + replayed);
            }
        }
    }

    /** {@code first}, the two transfers (the second first in commit order), {@code last}. */
    private static List<String> framed(String first, List<String> transfers, boolean commitOrder, String last) {
        return commitOrder ? List.of(first, transfers.get(1), transfers.get(0), last) : List.of(first, transfers.get(0), transfers.get(1), last);
    }

    private static Predicate<JsonObject> sentinel(String sub) {
        return frame -> "change".equals(frame.getString("type")) && frame.getInt("id") == 99 && forSub(List.of(frame), sub).size() == 1;
    }

    /**
     * The transactions {@code sub} received changes of, in the order they ended for it, checking on the way that
     * each ends once, after all its changes: with {@code tx_last} on its last frame or a {@code tx_end} after it.
     */
    private static List<String> transactions(List<JsonObject> frames, String sub) {
        Map<String, Boolean> ended = new LinkedHashMap<>();
        List<String> order = new ArrayList<>();
        for (JsonObject frame : forSub(frames, sub)) {
            String tx = frame.get("tx").toString();
            assertFalse(ended.getOrDefault(tx, false), "nothing of transaction " + tx + " after its end for " + sub + ": " + frames);
            if ("tx_end".equals(frame.getString("type"))) {
                assertTrue(ended.containsKey(tx), "a tx_end only for a transaction " + sub + " had changes of: " + frame);
            }
            boolean end = "tx_end".equals(frame.getString("type")) || frame.getBoolean("tx_last", false);
            ended.put(tx, end);
            if (end) {
                order.add(tx);
            }
        }
        assertFalse(ended.containsValue(false), sub + " was told of every transaction's end: " + ended);
        return order;
    }

    /** Each transaction as {@code name: ids | how it ended}, named by what it did. */
    private static List<String> describe(List<String> transactions, List<JsonObject> frames, String sub) {
        List<String> described = new ArrayList<>();
        for (String tx : transactions) {
            List<JsonObject> ofTx = forSub(frames, sub).stream().filter(frame -> frame.get("tx").toString().equals(tx)).toList();
            List<JsonObject> changes = ofTx.stream().filter(frame -> "change".equals(frame.getString("type"))).toList();
            String ids = String.join(" ", changes.stream().map(frame -> Integer.toString(frame.getInt("id"))).toList());
            String action = changes.get(0).getString("action");
            String name = switch (action) {
                case "UPDATE" -> "transfer " + changes.get(0).getInt("id") + "→" + (changes.get(0).getInt("id") + 1);
                default -> changes.get(0).getInt("id") == 99 ? "sentinel" : "insert";
            };
            long marks = ofTx.stream().filter(frame -> frame.getBoolean("tx_last", false)).count();
            assertTrue(marks <= 1, "one last mark at most: " + ofTx);
            described.add(name + ": " + ids + " | " + (marks == 1 ? "last" : "tx_end"));
        }
        return described;
    }

    /** The change frames naming {@code sub} and its own tx_end frames. */
    private static List<JsonObject> forSub(List<JsonObject> frames, String sub) {
        return frames.stream().filter(frame -> switch (frame.getString("type")) {
            case "change" -> frame.containsKey("subs") && frame.getJsonArray("subs").getValuesAs(JsonString::getString).contains(sub);
            case "tx_end" -> sub.equals(frame.getString("sub", null));
            default -> false;
        }).toList();
    }
}
