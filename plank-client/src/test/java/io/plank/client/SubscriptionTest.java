package io.plank.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;

import org.junit.jupiter.api.Test;

import io.plank.client.SubscriptionEvent.Change;

/** Resuming and de-duplication by seq, driven frame by frame as the client would. */
class SubscriptionTest {

    private final List<Map<String, Object>> sent = new ArrayList<>();
    private final List<SubscriptionEvent> events = new ArrayList<>();

    private Subscription subscription(Subscribe request) {
        var link = new Subscription.Link() {
            @Override
            public void send(Map<String, Object> message) {
                sent.add(message);
            }

            @Override
            public void remove(Subscription subscription) {
            }

            @Override
            public ScheduledFuture<?> schedule(Runnable task, long delayMillis) {
                return null;
            }

            @Override
            public Backoff backoff(long initialMillis, long maxMillis) {
                return new Backoff(Duration.ofMillis(initialMillis), Duration.ofMillis(maxMillis), () -> 0.5);
            }
        };
        return new Subscription("s1", request, link).onEvent(events::add);
    }

    private List<Long> deliveredSeqs() {
        return events.stream().filter(Change.class::isInstance).map(e -> ((Change) e).seq()).toList();
    }

    @Test
    void resumesAfterTheLastDeliveredChangeAndDropsWhatCameBefore() {
        var s = subscription(Subscribe.to("items"));
        s.requestNow();
        assertFalse(sent.get(0).containsKey("since"), "a plain subscribe first");
        s.receive(Frames.subscribed("s1", 10));
        s.receive(Frames.change("s1", 11, 5, true, "INSERT", 1, "{'id':1}"));
        s.receive(Frames.change("s1", 12, 6, true, "INSERT", 2, "{'id':2}"));
        s.disconnected();
        s.requestNow();
        assertEquals(12L, sent.get(1).get("since"), "resumes after the last change delivered");
        s.receive(Frames.subscribed("s1", 14));
        // A server replaying from an older point, or a frame repeated: dropped by seq.
        s.receive(Frames.change("s1", 12, 6, true, "INSERT", 2, "{'id':2}"));
        s.receive(Frames.change("s1", 13, 7, true, "UPDATE", 1, "{'id':1}"));
        s.receive(Frames.change("s1", 13, 7, true, "UPDATE", 1, "{'id':1}"));
        assertEquals(List.of(11L, 12L, 13L), deliveredSeqs());
        assertEquals(13L, s.lastSeq());
    }

    @Test
    void aResumeIgnoresFramesOfTheSubscriptionItReplacedUntilSubscribed() {
        var s = subscription(Subscribe.to("items").since(20));
        s.requestNow();
        assertEquals(20L, sent.get(0).get("since"));
        s.receive(Frames.change("s1", 25, 1, true, "INSERT", 1, "{'id':1}"));
        s.receive(Frames.subscribed("s1", 30));
        s.receive(Frames.change("s1", 21, 2, true, "INSERT", 2, "{'id':2}"));
        assertEquals(List.of(21L), deliveredSeqs(), "the frame before `subscribed` belonged to the replaced request");
    }

    @Test
    void aResetOfAPlainSubscriptionCarriesOnFromTheSubscribedSeq() {
        var s = subscription(Subscribe.to("items").since(3));
        s.requestNow();
        s.receive(Frames.subscribed("s1", 40));
        s.receive(Frames.parse("{'type':'reset','table':'items','sub':'s1','reason':'gone'}"));
        var reset = (SubscriptionEvent.Reset) events.get(events.size() - 1);
        assertFalse(reset.resnapshot());
        assertEquals(40L, s.lastSeq());
        s.receive(Frames.change("s1", 39, 2, true, "INSERT", 2, "{'id':2}"));
        assertEquals(List.of(), deliveredSeqs(), "nothing at or below the new position");
    }

    @Test
    void aSnapshotIsResumableOnlyOnceWholeAndAResetAsksForANewOne() {
        var s = subscription(Subscribe.to("items").withSnapshot());
        s.requestNow();
        assertEquals(true, sent.get(0).get("snapshot"));
        s.receive(Frames.subscribed("s1", 50));
        s.receive(Frames.parse("{'type':'snapshot','table':'items','sub':'s1','last':false,'rows':[{'id':1}]}"));
        assertEquals(null, s.lastSeq(), "not resumable in the middle of a snapshot");
        s.disconnected();
        assertTrue(events.stream().anyMatch(e -> e instanceof SubscriptionEvent.Reset r && r.resnapshot()));
        s.requestNow();
        assertEquals(true, sent.get(1).get("snapshot"), "a snapshot cut short is asked for again");
        s.receive(Frames.subscribed("s1", 51));
        s.receive(Frames.parse("{'type':'snapshot','table':'items','sub':'s1','last':true,'rows':[]}"));
        assertEquals(51L, s.lastSeq());
        s.receive(Frames.parse("{'type':'reset','table':'items','sub':'s1','reason':'gone'}"));
        assertEquals(true, sent.get(2).get("snapshot"), "a reset of a snapshot subscription reloads");
    }

    @Test
    void aFilterAsksForTxEndAndARefusalEndsTheSubscription() {
        var s = subscription(Subscribe.to("items").filter("value=gte.10"));
        s.requestNow();
        assertEquals(true, sent.get(0).get("tx_end"));
        s.receive(Frames.parse("{'type':'error','code':'invalid_filter','message':'no','table':'items','sub':'s1'}"));
        assertFalse(s.active());
        assertTrue(s.ready().isCompletedExceptionally());
        assertTrue(events.get(events.size() - 1) instanceof SubscriptionEvent.End);
    }
}
