package io.plank.web.socket.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.plank.persistence.rows.RowFilter;
import io.plank.web.security.Caller;
import io.plank.web.socket.outbox.ScriptedRemote;
import io.plank.web.socket.outbox.Trouble;

/** What operators see of a connection: its subscriptions as they stand, and what it has not yet taken. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class SessionInfoTest {

    private final Trouble trouble = new Trouble();
    /** Never completes a send: what is queued stays queued. */
    private final ScriptedRemote stuck = new ScriptedRemote(handler -> { });
    private final Client client = new Client(trouble.outbox(stuck, 1_000), Caller.anonymous(List.of()), "127.0.0.1", (ignored, subscription) -> { });

    @Test
    void listsSubscriptionsByTableWithTheirStateAndWhatWaits() {
        client.put(Subscription.live("z", "orders", RowFilter.ALL));
        client.put(Subscription.catchingUp("a", "orders", RowFilter.ALL, 41, 10));
        client.put(Subscription.live(null, "items", RowFilter.ALL));
        client.send("{\"type\":\"pong\"}");
        client.send("{\"type\":\"pong\"}");

        SessionInfo info = client.info();

        assertEquals("t", info.id());
        assertEquals("websocket", info.transport());
        assertTrue(!Instant.parse(info.openedAt()).isAfter(Instant.now()), info.openedAt());
        assertEquals(List.of(
                new SessionInfo.Sub(null, "items", "", true, 0),
                new SessionInfo.Sub("a", "orders", "", false, 41),
                new SessionInfo.Sub("z", "orders", "", true, 0)), info.subscriptions());
        assertEquals(2, info.queued(), "one in flight, one queued behind it");
        assertEquals(2 * "{\"type\":\"pong\"}".length(), info.backlogChars());
        assertTrue(info.waitingMs() >= 0, "unread since the first was queued: " + info.waitingMs());
    }

    @Test
    void aConnectionWithNothingWaitingHasWaitedForNothing() {
        SessionInfo info = client.info();
        assertEquals(0, info.queued());
        assertEquals(0, info.waitingMs());
        assertEquals(List.of(), info.subscriptions());
    }
}
