package io.plank.web.socket.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.websocket.CloseReason;

import io.plank.testsupport.websocket.TextRemote;

/** Makes outboxes and records why they gave up: 1013 for a full one, 1011 for a failed send. */
public final class Trouble {
    public final Backlog backlog = new Backlog(Long.MAX_VALUE, () -> { });
    public final AtomicInteger overflows = new AtomicInteger();
    public final AtomicInteger failures = new AtomicInteger();

    public Outbox outbox(TextRemote remote, int messages) {
        return new Outbox(new WebSocketTransport("t", remote, null, false), new Outbox.Limits(messages, Long.MAX_VALUE), backlog, Runnable::run, reason -> {
            if (reason.getCloseCode() == CloseReason.CloseCodes.TRY_AGAIN_LATER) {
                overflows.incrementAndGet();
            } else {
                failures.incrementAndGet();
            }
        });
    }

    public void awaitDelivered(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (backlog.messagesDelivered() < count && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(count, backlog.messagesDelivered());
    }
}
