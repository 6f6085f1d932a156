package io.plank.web.socket.outbox;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import jakarta.websocket.SendHandler;

import io.plank.testsupport.websocket.TextRemote;

/**
 * Records what is sent and completes each send as the test says; flags overlapping sends, except several sent while
 * batching is allowed (one drain, written together), and counts the flushes of such batches.
 */
public final class ScriptedRemote extends TextRemote {
    public final ConcurrentLinkedDeque<String> sent = new ConcurrentLinkedDeque<>();
    public final AtomicBoolean overlapped = new AtomicBoolean();
    /** Sends made while batching was allowed, and the flushes that ended such windows. */
    public final AtomicInteger batchedSends = new AtomicInteger();
    public final AtomicInteger flushes = new AtomicInteger();
    /** Runs at each flush (a container that writes batched frames then). */
    public volatile Runnable onFlush = () -> { };
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean batching;
    private final Consumer<SendHandler> completion;

    public ScriptedRemote(Consumer<SendHandler> completion) {
        this.completion = completion;
    }

    @Override
    public void setBatchingAllowed(boolean allowed) {
        if (allowed && inFlight.get() > 0) {
            overlapped.set(true); // a new drain while the last one's sends are still in flight
        }
        batching = allowed;
    }

    @Override
    public boolean getBatchingAllowed() {
        return batching;
    }

    @Override
    public void flushBatch() {
        flushes.incrementAndGet();
        onFlush.run();
    }

    @Override
    public void sendText(String text, SendHandler handler) {
        if (inFlight.getAndIncrement() > 0 && !batching) {
            overlapped.set(true);
        }
        if (batching) {
            batchedSends.incrementAndGet();
        }
        sent.add(text);
        completion.accept(result -> {
            inFlight.decrementAndGet();
            handler.onResult(result);
        });
    }
}
