package io.plank.web.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.websocket.CloseReason;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.plank.web.security.Caller;
import io.plank.web.socket.fanout.Client;
import io.plank.web.socket.outbox.Backlog;
import io.plank.web.socket.outbox.Outbox;
import io.plank.web.socket.outbox.ScriptedRemote;
import io.plank.web.socket.outbox.WebSocketTransport;

/** Whom relief closes when all clients together hold too much: a stalled client before a larger one that reads. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BacklogReliefTest {

    private static final long LIMIT = 1_000;

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final Backlog backlog = new Backlog(LIMIT, () -> { });
    private final List<Client> clients = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<Client> closed = new ConcurrentLinkedQueue<>();
    private final BacklogRelief relief = new BacklogRelief(() -> clients, (client, reason) -> {
        assertEquals(CloseReason.CloseCodes.TRY_AGAIN_LATER, reason.getCloseCode());
        closed.add(client);
        client.close();
    }, scheduler, Runnable::run);

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    @Test
    void aClientThatTookNothingGoesBeforeALargerOneThatReads() throws InterruptedException {
        var stalled = client(new ConcurrentLinkedDeque<>());
        stalled.send("x".repeat(400));
        var readerSends = new ConcurrentLinkedDeque<SendHandler>();
        var reader = client(readerSends);
        reader.send("y".repeat(300));
        reader.send("y".repeat(500));
        Thread.sleep(TimeUnit.NANOSECONDS.toMillis(BacklogRelief.READING_NANOS) + 50);
        readerSends.poll().onResult(new SendResult()); // the reader takes its first message now; the second is in flight
        reader.send("y".repeat(200));
        assertTrue(backlog.over(), "over the limit: " + backlog.chars());

        relief.relieve(backlog);

        assertEquals(List.of(stalled), List.copyOf(closed), "the stalled client, though the reader holds more");
        assertFalse(backlog.over(), "back under the limit: " + backlog.chars());
    }

    @Test
    void whenEveryClientIsReadingReliefWaitsOnceThenClosesTheLargest() throws InterruptedException {
        var small = client(new ConcurrentLinkedDeque<>());
        small.send("s".repeat(300));
        var large = client(new ConcurrentLinkedDeque<>());
        large.send("l".repeat(900));
        assertTrue(backlog.over());

        relief.relieve(backlog);
        assertTrue(closed.isEmpty(), "every client took something (or got its first message) just now: nobody closed yet");

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (closed.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(List.of(large), List.copyOf(closed), "after one wait, the largest");
        assertFalse(backlog.over());
    }

    /** A client whose sends complete only when the test completes them ({@code sends}). */
    private Client client(ConcurrentLinkedDeque<SendHandler> sends) {
        var remote = new ScriptedRemote(sends::add);
        var outbox = new Outbox(new WebSocketTransport("c" + clients.size(), remote, null, false), new Outbox.Limits(100, Long.MAX_VALUE),
                backlog, Runnable::run, reason -> { });
        var client = new Client(outbox, Caller.anonymous(List.of()), "127.0.0.1", (ignored, subscription) -> { });
        clients.add(client);
        return client;
    }
}
