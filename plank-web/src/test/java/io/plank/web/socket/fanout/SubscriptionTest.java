package io.plank.web.socket.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.plank.domain.change.Action;
import io.plank.domain.change.ChangeEvent;
import io.plank.persistence.rows.RowFilter;
import io.plank.web.security.Caller;
import io.plank.web.socket.outbox.Message;
import io.plank.web.socket.outbox.ScriptedRemote;
import io.plank.web.socket.outbox.Trouble;
import io.plank.web.socket.protocol.Frames;
import io.plank.web.socket.protocol.Relation;

/** Subscriptions on one connection: ids in frames, one frame per change, and the seams of catch-up and snapshots. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class SubscriptionTest {

    private static final TableStats STATS = new TableStats();

    private final Trouble trouble = new Trouble();
    private final ScriptedRemote remote = new ScriptedRemote(handler -> handler.onResult(new SendResult()));
    private final Client subscriber = new Client(trouble.outbox(remote, 1_000), Caller.anonymous(List.of()), "127.0.0.1", (ignored, subscription) -> { });

    @Test
    void thePlainFormGetsTheSharedFrameUntouched() {
        subscriber.put(Subscription.live(null, "items", RowFilter.ALL));
        ChangeEvent change = change(1, "items");
        subscriber.deliver(new Fanout(change, STATS));
        assertEquals(List.of(Frames.change(change)), List.copyOf(remote.sent));
    }

    @Test
    void oneFrameNamesEverySubscriptionItMatches() {
        subscriber.put(Subscription.live("a", "items", RowFilter.ALL));
        subscriber.put(Subscription.live("b\"quoted", "items", RowFilter.ALL));
        subscriber.put(Subscription.live("c", "other", RowFilter.ALL));
        assertEquals(1, subscriber.deliver(new Fanout(change(1, "items"), STATS)));

        JsonObject frame = json(remote.sent.getFirst());
        assertEquals(List.of("a", "b\"quoted"), frame.getJsonArray("subs").getValuesAs(jakarta.json.JsonString::getString).stream().sorted().toList());
        assertEquals("change", frame.getString("type"));
        assertEquals(1, frame.getInt("seq"));
    }

    @Test
    void framesForTheSameIdsAreMadeOnceAndShared() {
        var fanout = new Fanout(change(1, "items"), STATS);
        Message first = fanout.frame(Relation.CHANGE, List.of("feed"));
        assertTrue(first == fanout.frame(Relation.CHANGE, List.of("feed")), "the same message for every client");
        assertEquals("{\"subs\":[\"feed\"],\"leave\":true," + Frames.change(fanout.change()).substring(1), fanout.frame(Relation.LEAVE, List.of("feed")).text());
    }

    @Test
    void clientsWithLookalikeIdsEachGetTheirOwn() {
        subscriber.put(Subscription.live("a", "items", RowFilter.ALL));
        subscriber.put(Subscription.live("b", "items", RowFilter.ALL));
        var otherRemote = new ScriptedRemote(handler -> handler.onResult(new SendResult()));
        var other = new Client(trouble.outbox(otherRemote, 1_000), Caller.anonymous(List.of()), "127.0.0.1", (ignored, subscription) -> { });
        other.put(Subscription.live("a\u0000b", "items", RowFilter.ALL));
        other.put(Subscription.live("a,b", "other", RowFilter.ALL));

        var fanout = new Fanout(change(1, "items"), STATS);
        subscriber.deliver(fanout);
        other.deliver(fanout);

        assertEquals(List.of("a", "b"), json(remote.sent.getFirst()).getJsonArray("subs").getValuesAs(jakarta.json.JsonString::getString).stream().sorted().toList());
        assertEquals(List.of("a\u0000b"), json(otherRemote.sent.getFirst()).getJsonArray("subs").getValuesAs(jakarta.json.JsonString::getString));
    }

    @Test
    void aSnapshotSeamSkipsWhatTheSnapshotHoldsAndNothingElse() {
        var subscription = Subscription.catchingUp("a", "items", RowFilter.ALL, 0, 100);
        subscriber.put(subscription);
        // Held while the snapshot is read: 5 is at or below the listener's position when it started, 7 and 9 the
        // snapshot's own transaction saw; 6, 8 and 10 committed after it.
        for (long seq = 5; seq <= 10; seq++) {
            subscriber.deliver(new Fanout(change(seq, "items"), STATS));
        }
        assertTrue(remote.sent.isEmpty(), "nothing is sent while the snapshot is under way");

        subscription.goLiveAfterSnapshot(5, new long[] {7, 9, 11}, subscriber.outbox());
        subscriber.outbox().flush();
        for (long seq = 11; seq <= 12; seq++) {
            subscriber.deliver(new Fanout(change(seq, "items"), STATS));
        }

        assertEquals(List.of(6L, 8L, 10L, 12L), remote.sent.stream().map(text -> json(text).getJsonNumber("seq").longValue()).toList());
    }

    @Test
    void heldChangesThatOverflowAreReadFromTheLogInsteadOfClosingTheClient() {
        var subscription = Subscription.catchingUp("a", "items", RowFilter.ALL, 0, 3);
        subscriber.put(subscription);
        for (long seq = 1; seq <= 6; seq++) {
            subscriber.deliver(new Fanout(change(seq, "items"), STATS));
        }
        assertEquals(0, trouble.overflows.get(), "not closed as too slow");
        assertTrue(subscription.goLive(subscriber.outbox()).catchUpAgain(), "still catching up");
        assertEquals(Subscription.State.CATCHING_UP, subscription.state());
        assertEquals(0, subscription.lastSeq(), "from where it stands");

        // The further catch-up: the log from seq 1 on, while a new live change is held.
        subscriber.deliver(new Fanout(change(7, "items"), STATS));
        for (long seq = 1; seq <= 7; seq++) {
            subscription.replay(Fanout.replayed(change(seq, "items")), subscriber.outbox());
        }
        assertEquals(0, subscription.goLive(subscriber.outbox()).released(), "7 came from the log: the held one is not sent again");
        subscriber.deliver(new Fanout(change(8, "items"), STATS));
        subscriber.outbox().flush();

        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), remote.sent.stream().map(text -> json(text).getJsonNumber("seq").longValue()).toList());
    }

    @Test
    void aLiveClientThatFallsBehindABurstReadsOnFromTheLogInsteadOfBeingClosed() {
        var pending = new ConcurrentLinkedQueue<SendHandler>();
        var slow = new ScriptedRemote(pending::add); // a send completes only when the client takes it
        var fellBehind = new ArrayList<Subscription>();
        var client = new Client(trouble.outbox(slow, 8), Caller.anonymous(List.of()), "127.0.0.1", (who, subscription) -> fellBehind.add(subscription));
        var subscription = Subscription.catchingUp("a", "items", RowFilter.ALL, 0, 4);
        client.put(subscription);
        subscription.restartAt(0, client.outbox());
        var ephemeral = Subscription.live(null, "pulses", RowFilter.ALL);
        client.put(ephemeral);

        for (long seq = 1; seq <= 20; seq++) { // a burst: one in flight, the rest queued until three quarters of 8
            client.deliver(new Fanout(change(seq, "items"), STATS));
        }
        assertEquals(0, trouble.overflows.get(), "not closed as too slow");
        assertEquals(List.of(subscription), fellBehind, "told once, at the first change it had no room for");
        assertEquals(Subscription.State.LET_GO, subscription.state());
        assertEquals(6, subscription.lastSeq(), "the replay starts after the last change queued");
        assertEquals(6, client.outbox().queued(), "queued up to three quarters of the limit (one of them in flight)");

        // A change of a table with no log has nowhere to be read from later: it is sent while the outbox holds it.
        client.deliver(new Fanout(ChangeEvent.ephemeral("pulses", Action.INSERT, "1", "{\"id\":1}", 1_795_000_000_000_000L, false), STATS));
        assertEquals(0, trouble.overflows.get());

        // The replay goes on where the live stream stopped; what it let go comes from the log, each change once.
        for (long seq = 1; seq <= 20; seq++) {
            subscription.replay(Fanout.replayed(change(seq, "items")), client.outbox());
            client.outbox().flush();
            for (SendHandler next; (next = pending.poll()) != null; ) {
                next.onResult(new SendResult());
            }
        }
        assertTrue(subscription.goLive(client.outbox()).catchUpAgain(), "what it let go meanwhile is read again, from 20 on");
        subscription.goLive(client.outbox());
        client.deliver(new Fanout(change(21, "items"), STATS));
        for (SendHandler next; (next = pending.poll()) != null || client.outbox().queued() > 0; ) {
            if (next != null) {
                next.onResult(new SendResult());
            }
        }
        assertEquals(LongStream.rangeClosed(1, 21).boxed().toList(), slow.sent.stream().filter(text -> text.contains("\"items\""))
                .map(text -> json(text).getJsonNumber("seq").longValue()).toList(), "every change once, in order");
        assertEquals(0, trouble.overflows.get());
    }

    @Test
    void anEndedSubscriptionSendsNothingMore() {
        var subscription = Subscription.live("a", "items", RowFilter.ALL);
        subscriber.put(subscription);
        subscription.end();
        subscriber.remove(subscription.key());
        assertEquals(0, subscriber.deliver(new Fanout(change(1, "items"), STATS)));
        assertTrue(remote.sent.isEmpty());
    }

    @Test
    void aSubscriptionEndedDuringItsCatchUpReleasesNothingAndDoesNotFail() {
        var subscription = Subscription.catchingUp("a", "items", RowFilter.ALL, 0, 100);
        subscriber.put(subscription);
        subscriber.deliver(new Fanout(change(1, "items"), STATS));
        subscription.end();
        assertEquals(new Subscription.GoingLive(0, false), subscription.goLiveAfterSnapshot(0, new long[0], subscriber.outbox()));
        assertEquals(new Subscription.GoingLive(0, false), subscription.goLive(subscriber.outbox()));
        assertEquals(new Subscription.GoingLive(0, false), subscription.restartAt(5, subscriber.outbox()));
        assertEquals(Subscription.State.ENDED, subscription.state());
        assertTrue(remote.sent.isEmpty());
    }

    private static ChangeEvent change(long seq, String table) {
        return new ChangeEvent(seq, table, Action.INSERT, Long.toString(seq), "{\"id\":" + seq + "}", null, 1_795_000_000_000_000L, false);
    }

    private static JsonObject json(String text) {
        try (var reader = Json.createReader(new StringReader(text))) {
            return reader.readObject();
        }
    }
}
