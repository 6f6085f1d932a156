package io.plank.web.socket.outbox;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.LongConsumer;

/**
 * One message for a client, as queued in its {@link Outbox}. A change frame is made once per change (and per set of
 * subscription ids) and the same instance is queued for every client it goes to; it carries where its
 * table's latency is recorded and the change's time, so that each send's completion can record how long the change took to
 * reach that client. Other messages (answers, snapshot pages, replayed changes) are not timed.
 *
 * <p>It counts the outboxes holding it (queued or in flight), so that the {@link Backlog}, which guards the heap,
 * counts its characters once however many clients wait for it: after a reconnect storm thousands of clients wait for
 * the same frames, and counting them per client closed clients for memory the heap did not hold.
 */
public final class Message {

    private static final AtomicIntegerFieldUpdater<Message> HOLDERS = AtomicIntegerFieldUpdater.newUpdater(Message.class, "holders");

    /** Nothing for the client: the transport's own sign of life on an idle connection (an event stream's comment, a ping). */
    public static final Message KEEP_ALIVE = new Message("", null, 0);

    private final String text;
    private final LongConsumer latency;
    private final long changedAtMicros;
    /** The text in UTF-8, made by the first send that needs it and shared by every client the message goes to. */
    private volatile byte[] utf8;
    /** The outboxes holding it now. */
    private volatile int holders;

    private Message(String text, LongConsumer latency, long changedAtMicros) {
        this.text = text;
        this.latency = latency;
        this.changedAtMicros = changedAtMicros;
    }

    public static Message of(String text) {
        return new Message(text, null, 0);
    }

    /** A live change's frame: its delivery is timed against {@code changedAtMicros}, each delivery's microseconds told to {@code latency}. */
    public static Message change(String text, LongConsumer latency, long changedAtMicros) {
        return new Message(text, latency, changedAtMicros);
    }

    public String text() {
        return text;
    }

    /** The text in UTF-8, encoded once however many clients it goes to (a race encodes it twice, harmlessly). */
    byte[] utf8() {
        byte[] bytes = utf8;
        if (bytes == null) {
            bytes = text.getBytes(StandardCharsets.UTF_8);
            utf8 = bytes;
        }
        return bytes;
    }

    int length() {
        return text.length();
    }

    /** One more outbox holds it; true if it is the only one (its characters now count in the backlog). */
    boolean held() {
        return HOLDERS.getAndIncrement(this) == 0;
    }

    /** One outbox fewer holds it; true if none does now (its characters no longer count). */
    boolean released() {
        return HOLDERS.decrementAndGet(this) == 0;
    }

    /** The wall clock in microseconds since the epoch, as the database writes a change's time. */
    static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    /** Records the delivery of this message, sent at {@code nowMicros}, if it is a timed change frame. */
    void delivered(long nowMicros) {
        if (latency != null) {
            latency.accept(nowMicros - changedAtMicros);
        }
    }
}
