package io.plank.web.socket.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.plank.domain.change.Action;
import io.plank.domain.change.ChangeEvent;
import io.plank.persistence.rows.RowFilter;
import io.plank.web.security.Caller;
import io.plank.web.socket.outbox.ScriptedRemote;
import io.plank.web.socket.outbox.Trouble;

/** The listener's side of the fan-out: one table's change to each client that watches it. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RouterTest {

    private final Router router = new Router();

    @Test
    void oneClientFailingDoesNotCostTheOthersTheChange() {
        var trouble = new Trouble();
        // A client that falls behind, and whose catch-up fails (as CatchUp's creation on the listener's thread did).
        var stuck = new Client(trouble.outbox(new ScriptedRemote(new ConcurrentLinkedQueue<SendHandler>()::add), 8),
                Caller.anonymous(List.of()), "127.0.0.1", (who, subscription) -> {
                    throw new IllegalStateException("Lookup failed");
                });
        var reading = new ScriptedRemote(handler -> handler.onResult(new SendResult()));
        var other = new Client(new Trouble().outbox(reading, 1_000), Caller.anonymous(List.of()), "127.0.0.1", (who, subscription) -> { });
        for (Client client : List.of(stuck, other)) {
            client.put(Subscription.live(null, "items", RowFilter.ALL));
            router.route(client, "items");
        }

        for (long seq = 1; seq <= 20; seq++) {
            router.onChange(new ChangeEvent(seq, "items", Action.INSERT, Long.toString(seq), "{\"id\":" + seq + "}", null,
                    1_795_000_000_000_000L, false));
        }

        assertEquals(LongStream.rangeClosed(1, 20).boxed().toList(),
                reading.sent.stream().map(text -> Long.parseLong(text.replaceAll(".*\"seq\":(\\d+).*", "$1"))).toList(),
                "the other client got every change, whichever order the clients were reached in");
        assertEquals(1, trouble.failures.get(), "the failing client is closed (1011), once, so that it resumes");
        assertTrue(stuck.closed());
    }
}
