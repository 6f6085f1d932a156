package io.plank.web.socket.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.util.List;
import java.util.concurrent.TimeUnit;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.websocket.SendResult;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.plank.domain.change.Action;
import io.plank.domain.change.ChangeEvent;
import io.plank.domain.filter.Filter;
import io.plank.persistence.migration.SchemaMigrator;
import io.plank.persistence.rows.RowFilter;
import io.plank.persistence.rows.TableRows;
import io.plank.testsupport.db.FreshDatabase;
import io.plank.web.security.Caller;
import io.plank.web.socket.outbox.ScriptedRemote;
import io.plank.web.socket.outbox.Trouble;
import io.plank.web.socket.protocol.Frames;

/**
 * How a transaction's end reaches each subscription: {@code tx_last} on the frame of its last change to the table,
 * or, for a subscription whose filter dropped that change after passing earlier ones, a {@code tx_end} of its own,
 * live, held during catch-up, and replayed alike.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TransactionFramesTest {

    private static final TableStats STATS = new TableStats();
    @RegisterExtension
    static final FreshDatabase database = FreshDatabase.migratedBy(SchemaMigrator::migrate);
    private static RowFilter paid;

    private final Trouble trouble = new Trouble();
    private final ScriptedRemote remote = new ScriptedRemote(handler -> handler.onResult(new SendResult()));
    private final Client subscriber = new Client(trouble.outbox(remote, 1_000), Caller.anonymous(List.of()), "127.0.0.1", (ignored, subscription) -> { });

    @BeforeAll
    static void filter() throws Exception {
        try (var connection = database.connect(); var statement = connection.createStatement()) {
            statement.execute("CREATE TABLE accounts (id int PRIMARY KEY, status text)");
            statement.execute("SELECT plank.capture('accounts')");
        }
        var rows = new TableRows(database.dataSource());
        paid = rows.filter(rows.shape("accounts").orElseThrow(), Filter.parse("status=eq.paid"));
    }

    @Test
    void framesCarryTheTransactionAndMarkItsLastChangeToTheTable() {
        subscriber.put(Subscription.live(null, "accounts", RowFilter.ALL, true));
        deliver(change(1, 7, "first", "paid"), change(2, 7, "", "open"), change(3, 7, "last", "open"), change(4, 8, "first last", "open"));

        assertEquals(List.of("change 1 tx 7", "change 2 tx 7", "change 3 tx 7 last", "change 4 tx 8 last"), sent());
        assertEquals(Frames.change(change(3, 7, "last", "open")), remote.sent.toArray()[2], "the plain form gets the shared frame");
    }

    @Test
    void changesWithoutATransactionAreFramedAsBefore() {
        String frame = Frames.change(new ChangeEvent(5, "accounts", Action.INSERT, "5", "{}", null, 0, false));
        assertTrue(!frame.contains("tx"), frame);
        assertTrue(!Frames.change(ChangeEvent.ephemeral("accounts", Action.INSERT, "5", "{}", 0, false)).contains("tx"));
    }

    @Test
    void aFilterThatDropsTheLastChangeGetsATxEndAfterItsOwnFrames() {
        subscriber.put(Subscription.live("all", "accounts", RowFilter.ALL, true));
        subscriber.put(Subscription.live("paid", "accounts", paid, true));
        deliver(change(1, 7, "first", "paid"),        // both
                change(2, 9, "first last", "paid"),   // an interleaved transaction of one change
                change(3, 7, "last", "open"),         // paid is passed by: its tx 7 ends with a tx_end
                change(4, 8, "first", "open"),        // paid never sees tx 8: nothing to end
                change(5, 8, "last", "open"));

        assertEquals(List.of("change 1 tx 7 [all, paid]", "change 2 tx 9 last [all, paid]", "change 3 tx 7 last [all]",
                "tx_end 7 paid", "change 4 tx 8 [all]", "change 5 tx 8 last [all]"), sent());
    }

    @Test
    void aSubscriptionThatDidNotAskForTxEndsGetsNone() {
        subscriber.put(Subscription.live("paid", "accounts", paid)); // a client written before tx_end
        deliver(change(1, 7, "first", "paid"), change(2, 7, "last", "open"));

        assertEquals(List.of("change 1 tx 7 [paid]"), sent());
    }

    @Test
    void aTxEndIsMadeOncePerSubscriptionIdAndShared() {
        var fanout = new Fanout(change(3, 7, "last", "open"), STATS);
        assertTrue(fanout.txEnd("paid") == fanout.txEnd("paid"), "the same message for every client");
        assertEquals("{\"type\":\"tx_end\",\"table\":\"accounts\",\"tx\":7}", fanout.txEnd(null).text());
    }

    @Test
    void aRowLeavingTheFilterOnTheLastChangeCarriesTheMarkItself() {
        subscriber.put(Subscription.live("paid", "accounts", paid, true));
        deliver(change(1, 7, "first", "paid"), update(2, 7, "last", "open", "paid"));

        assertEquals(List.of("change 1 tx 7 [paid]", "change 2 tx 7 last [paid] leave"), sent());
    }

    @Test
    void aTxEndHeldDuringCatchUpFollowsTheReplayedChangesOfItsTransaction() {
        var subscription = Subscription.catchingUp("paid", "accounts", paid, 0, 10, true);
        subscriber.put(subscription);
        deliver(change(3, 7, "last", "open"), change(4, 8, "first last", "open")); // live, held: 4 is no end to hold
        // The replay up to the listener's position when the subscription started: the start of tx 7.
        assertTrue(subscription.replay(Fanout.replayed(change(1, 7, "first", "paid")), subscriber.outbox()));
        assertTrue(!subscription.replay(Fanout.replayed(change(2, 7, "", "open")), subscriber.outbox()));
        assertEquals(0, subscription.goLive(subscriber.outbox()).released());
        subscriber.outbox().flush();

        assertEquals(List.of("change 1 tx 7 [paid]", "tx_end 7 paid"), sent());
    }

    @Test
    void aReplayEndsTheTransactionsItSentPartOf() {
        var subscription = Subscription.catchingUp("paid", "accounts", paid, 0, 10, true);
        subscriber.put(subscription);
        for (ChangeEvent change : List.of(change(1, 7, "first", "paid"), change(2, 7, "last", "open"), change(3, 8, "first", "open"),
                change(4, 8, "last", "open"))) {
            subscription.replay(Fanout.replayed(change), subscriber.outbox());
        }
        subscription.goLive(subscriber.outbox());
        subscriber.outbox().flush();

        assertEquals(List.of("change 1 tx 7 [paid]", "tx_end 7 paid"), sent());
    }

    @Test
    void aResumeEndsTheTransactionsBegunBeforeItsSinceThatItsFilterDrops() {
        var subscription = Subscription.catchingUp("paid", "accounts", paid, 2, 10, true); // the client had seqs 1 and 2
        subscriber.put(subscription);
        for (ChangeEvent change : List.of(change(3, 7, "last", "open"), // tx 7 began at 1: the client may hold part of it
                new ChangeEvent(4, "accounts", Action.INSERT, "4", row(4, "open"), null, 0, false, new ChangeEvent.Tx(8, 3, true)))) {
            subscription.replay(Fanout.replayed(change), subscriber.outbox()); // tx 8 began after since: nothing of it was sent
        }
        subscription.goLive(subscriber.outbox());
        subscriber.outbox().flush();

        assertEquals(List.of("tx_end 7 paid"), sent());
    }

    @Test
    void aResetForgetsWhatWasSentBefore() {
        var subscription = Subscription.catchingUp(null, "accounts", paid, 0, 10, true);
        subscriber.put(subscription);
        subscription.replay(Fanout.replayed(change(1, 7, "first", "paid")), subscriber.outbox());
        subscription.restartAt(1, subscriber.outbox()); // the client reloads
        deliver(change(2, 7, "last", "open"));

        assertEquals(List.of("change 1 tx 7"), sent());
    }

    private void deliver(ChangeEvent... changes) {
        for (ChangeEvent change : changes) {
            subscriber.deliver(new Fanout(change, STATS));
        }
    }

    /** What was sent, in short: the type, seq or tx, the mark, the subscriptions, leave. */
    private List<String> sent() {
        return remote.sent.stream().map(TransactionFramesTest::json).map(frame -> {
            if (frame.getString("type").equals("tx_end")) {
                assertEquals("accounts", frame.getString("table"));
                return "tx_end " + frame.getJsonNumber("tx").longValue() + (frame.containsKey("sub") ? " " + frame.getString("sub") : "");
            }
            return "change " + frame.getInt("seq") + " tx " + frame.getJsonNumber("tx").longValue()
                    + (frame.getBoolean("tx_last", false) ? " last" : "")
                    + (frame.containsKey("subs") ? " " + frame.getJsonArray("subs").getValuesAs(JsonString::getString).stream().sorted().toList() : "")
                    + (frame.getBoolean("leave", false) ? " leave" : "");
        }).toList();
    }

    /** A change of transaction {@code tx}: its {@code first} change to the table, its {@code last}, both, or neither (then begun at seq 1). */
    private static ChangeEvent change(long seq, long tx, String place, String status) {
        return new ChangeEvent(seq, "accounts", Action.INSERT, Long.toString(seq), row(seq, status), null, 1_795_000_000_000_000L, false,
                tx(seq, tx, place));
    }

    private static ChangeEvent update(long seq, long tx, String place, String status, String before) {
        return new ChangeEvent(seq, "accounts", Action.UPDATE, Long.toString(seq), row(seq, status), row(seq, before), 1_795_000_000_000_000L,
                false, tx(seq, tx, place));
    }

    private static ChangeEvent.Tx tx(long seq, long tx, String place) {
        return new ChangeEvent.Tx(tx, place.contains("first") ? seq : 1, place.contains("last"));
    }

    private static String row(long id, String status) {
        return "{\"id\":" + id + ",\"status\":\"" + status + "\"}";
    }

    private static JsonObject json(String text) {
        try (var reader = Json.createReader(new StringReader(text))) {
            return reader.readObject();
        }
    }
}
