package io.plank.web.socket.outbox;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What every client together has waiting in Plank's heap: queued messages, each once however many clients wait for it
 * ({@link Message} counts its holders), and catch-up data read but not yet queued, in characters. Past {@code limit},
 * {@code overLimit} runs (once until it calls {@link #relieved}): it closes the clients holding the most, so one
 * client's backlog stays its own problem and the heap stays bounded.
 * Also counts the messages sent (a batch counts each message in it).
 */
public final class Backlog {

    private final long limit;
    private final Runnable overLimit;
    private final AtomicLong chars = new AtomicLong();
    private final AtomicBoolean relieving = new AtomicBoolean();
    private final LongAdder delivered = new LongAdder();

    public Backlog(long limit, Runnable overLimit) {
        this.limit = limit;
        this.overLimit = overLimit;
    }

    void add(long length) {
        if (chars.addAndGet(length) > limit && relieving.compareAndSet(false, true)) {
            overLimit.run();
        }
    }

    void remove(long length) {
        chars.addAndGet(-length);
    }

    public boolean over() {
        return chars.get() > limit;
    }

    /** The relief that {@code overLimit} started has ended; the next time the limit is passed starts another. */
    public void relieved() {
        relieving.set(false);
        if (over() && relieving.compareAndSet(false, true)) {
            overLimit.run();
        }
    }

    public long chars() {
        return chars.get();
    }

    public long limit() {
        return limit;
    }

    void delivered(int messages) {
        delivered.add(messages);
    }

    public long messagesDelivered() {
        return delivered.sum();
    }
}
