package io.plank.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;

import jakarta.json.JsonObject;

import org.junit.jupiter.api.Test;

import io.plank.client.SubscriptionEvent.Change;
import io.plank.client.SubscriptionEvent.Kind;

/** A view's logic: snapshots, whole transactions, removals, resets. */
class LiveViewTest {

    private final LiveView view = new LiveView(null, "accounts", List.of("id"));
    private final List<LiveView.ViewChange> notes = new ArrayList<>();

    LiveViewTest() {
        view.onChange(notes::add);
    }

    private static Change change(Kind kind, String action, long id, long balance, Long tx, boolean txLast) {
        JsonObject data = Json.PROVIDER.createObjectBuilder().add("id", id).add("balance", balance).build();
        return new Change(kind, "accounts", action, Json.PROVIDER.createValue(id), data, id * 100 + balance, tx, txLast, null, null);
    }

    private void snapshot(long... ids) {
        var rows = new ArrayList<JsonObject>();
        for (long id : ids) {
            rows.add(Json.PROVIDER.createObjectBuilder().add("id", id).add("balance", 1000).build());
        }
        view.onEvent(new SubscriptionEvent.Snapshot(rows, true, null));
        view.flush();
    }

    private long balance(long id) {
        return view.get(id).getJsonNumber("balance").longValue();
    }

    @Test
    void aTransferIsShownWholeOrNotAtAll() {
        snapshot(1, 2);
        assertEquals(LiveView.Cause.SNAPSHOT, notes.get(0).cause());
        assertEquals(true, view.ready().isDone());
        view.onEvent(change(Kind.CHANGE, "UPDATE", 1, 900, 77L, false));
        view.flush();
        assertEquals(1000, balance(1), "half a transfer is held");
        assertEquals(1, notes.size(), "and nobody is told");
        view.onEvent(change(Kind.CHANGE, "UPDATE", 2, 1100, 77L, true));
        view.flush();
        assertEquals(900, balance(1));
        assertEquals(1100, balance(2));
        assertEquals(2, notes.get(1).changes().size(), "both changes in one notification");
    }

    @Test
    void aTxEndReleasesATransactionWhoseLastChangeTheFilterDropped() {
        snapshot(1);
        view.onEvent(change(Kind.CHANGE, "UPDATE", 1, 5, 9L, false));
        view.onEvent(new SubscriptionEvent.TxEnd(9, null));
        view.onEvent(new SubscriptionEvent.TxEnd(10, null));
        view.flush();
        assertEquals(5, balance(1));
    }

    @Test
    void deleteLeaveAndTruncateRemoveRows() {
        snapshot(1, 2, 3);
        view.onEvent(change(Kind.CHANGE, "DELETE", 1, 0, null, true));
        view.onEvent(change(Kind.LEAVE, "UPDATE", 2, 0, 3L, true));
        view.flush();
        assertNull(view.get(1));
        assertNull(view.get(2));
        assertEquals(1, view.size());
        view.onEvent(new Change(Kind.CHANGE, "accounts", "TRUNCATE", jakarta.json.JsonValue.NULL, null, 999L, 4L, true, null, null));
        view.flush();
        assertEquals(0, view.size());
    }

    @Test
    void aResetDropsHeldTransactionsAndKeepsTheRowsUntilTheNewSnapshot() {
        snapshot(1);
        view.onEvent(change(Kind.CHANGE, "UPDATE", 1, 1, 5L, false));
        view.onEvent(new SubscriptionEvent.Reset("gone", true, null));
        view.flush();
        assertEquals(1000, balance(1), "the rows stay on show");
        snapshot(1, 4);
        view.onEvent(change(Kind.CHANGE, "UPDATE", 1, 2, 5L, true));
        view.flush();
        assertEquals(2, balance(1), "the held change of the reset was dropped: only the new one applies");
        assertEquals(2, view.size());
    }

    @Test
    void anEndWithoutACodeKeepsTheRows() {
        snapshot(1);
        view.onEvent(new SubscriptionEvent.End("the client was closed", null, null));
        assertEquals(1, view.size());
        assertEquals(true, view.ready().isDone());
    }

    @Test
    void anEndForbiddingTheRowsEmptiesTheView() {
        snapshot(1, 2);
        view.onEvent(new SubscriptionEvent.End("revoked", "forbidden", null));
        assertEquals(0, view.size());
        assertEquals(LiveView.Cause.ENDED, notes.get(notes.size() - 1).cause());
    }
}
