package io.plank.web.socket;

import java.util.Collection;
import java.util.Comparator;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

import jakarta.websocket.CloseReason;

import io.plank.web.socket.fanout.Client;
import io.plank.web.socket.outbox.Backlog;

/**
 * What is done when all clients together hold more than {@code plank.ws.total-queue-chars}: the clients holding the
 * most are closed (1013) until all together are back under the limit, those that have taken nothing for
 * {@link #READING_NANOS} first. A burst (sixty 200 KB rows at once) fills every client's queue alike, and the largest
 * may then be one that reads as fast as it can (ChangeStreamIT closed such a reader instead of a stalled stream now
 * and then). If every client took something that recently, relief waits that long once and looks again; the
 * per-client limits bound what is held meanwhile.
 */
final class BacklogRelief {

    /** A client that took something within this long is reading. */
    static final long READING_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final CloseReason FULL = new CloseReason(CloseReason.CloseCodes.TRY_AGAIN_LATER,
            "Too slow: Plank's memory for waiting messages is full and this connection holds the most");
    /** Stalled clients first, then the largest. */
    private static final Comparator<Client> FIRST_TO_GO = Comparator
            .comparing((Client client) -> client.outbox().waitingNanos() >= READING_NANOS)
            .thenComparingLong(Client::backlogChars);

    private final Supplier<Collection<Client>> clients;
    private final BiConsumer<Client, CloseReason> close;
    private final ScheduledExecutorService scheduler;
    private final Executor executor;

    BacklogRelief(Supplier<Collection<Client>> clients, BiConsumer<Client, CloseReason> close, ScheduledExecutorService scheduler,
                  Executor executor) {
        this.clients = clients;
        this.close = close;
        this.scheduler = scheduler;
        this.executor = executor;
    }

    /** Relieves {@code backlog}, which asked for it ({@link Backlog}: once until {@link Backlog#relieved}). */
    void relieve(Backlog backlog) {
        relieve(backlog, false);
    }

    private void relieve(Backlog backlog, boolean waited) {
        boolean later = false;
        try {
            while (backlog.over()) {
                Client first = clients.get().stream().filter(client -> client.backlogChars() > 0).max(FIRST_TO_GO).orElse(null);
                if (first == null) {
                    return;
                }
                if (!waited && first.outbox().waitingNanos() < READING_NANOS) {
                    scheduler.schedule(() -> executor.execute(() -> relieve(backlog, true)), READING_NANOS, TimeUnit.NANOSECONDS);
                    later = true;
                    return;
                }
                close.accept(first, FULL);
            }
        } finally {
            if (!later) {
                backlog.relieved();
            }
        }
    }
}
