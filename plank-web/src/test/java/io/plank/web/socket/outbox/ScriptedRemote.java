package io.plank.web.socket.outbox;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import jakarta.websocket.SendHandler;

import io.plank.testsupport.websocket.TextRemote;

/** Records what is sent and completes each send as the test says; flags overlapping sends. */
public final class ScriptedRemote extends TextRemote {
    public final ConcurrentLinkedDeque<String> sent = new ConcurrentLinkedDeque<>();
    public final AtomicBoolean overlapped = new AtomicBoolean();
    private final AtomicBoolean inFlight = new AtomicBoolean();
    private final Consumer<SendHandler> completion;

    public ScriptedRemote(Consumer<SendHandler> completion) {
        this.completion = completion;
    }

    @Override
    public void sendText(String text, SendHandler handler) {
        if (!inFlight.compareAndSet(false, true)) {
            overlapped.set(true);
        }
        sent.add(text);
        completion.accept(result -> {
            inFlight.set(false);
            handler.onResult(result);
        });
    }
}
