package io.plank.web.socket;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;

import io.plank.domain.change.ChangeEvent;

/**
 * One connected client: the tables it watches and its bounded outbox.
 *
 * <p>{@link #send} only enqueues and returns, so the listener thread never waits on a socket. Whoever
 * finds the outbox idle becomes its drainer and sends one message at a time with the container's
 * asynchronous API (the spec lets a session refuse concurrent sends); the completion callback sends
 * the next. No lock is held across a send. A send that completes inline on the calling thread does
 * not recurse: the loop in {@link #pump} carries on instead, so a long outbox cannot overflow the stack.
 */
final class Subscriber {

    /** What the subscriber reports back to its registry. */
    interface Owner {
        void delivered();

        void overflowed(Subscriber subscriber);

        void failed(Subscriber subscriber, Throwable cause);
    }

    private static final int SENDING = 1;
    private static final int RETURNED = 2;
    private static final int COMPLETED_INLINE = 3;

    private final String id;
    private final RemoteEndpoint.Async remote;
    private final int limit;
    private final Owner owner;
    private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> outbox = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicInteger phase = new AtomicInteger();
    private final SendHandler onSent = this::sent;
    private volatile boolean closed;

    Subscriber(String id, RemoteEndpoint.Async remote, int limit, Owner owner) {
        this.id = id;
        this.remote = remote;
        this.limit = limit;
        this.owner = owner;
    }

    String id() {
        return id;
    }

    Map<String, Subscription> subscriptions() {
        return subscriptions;
    }

    int queued() {
        return queued.get();
    }

    int limit() {
        return limit;
    }

    boolean closed() {
        return closed;
    }

    /** Passes a change to the subscription for its table, if any. */
    void deliver(ChangeEvent change) {
        Subscription subscription = subscriptions.get(change.table());
        if (subscription == null) {
            return;
        }
        if (!subscription.offer(change, this)) {
            overflow();
            return;
        }
        flush();
    }

    /** Queues a message and starts sending; false if the subscriber is closed or its outbox is full. */
    boolean send(String text) {
        boolean queued = enqueue(text);
        flush();
        return queued;
    }

    /** Queues without sending, so a caller may queue under its own lock and {@link #flush} after it. */
    boolean enqueue(String text) {
        if (closed) {
            return false;
        }
        if (queued.incrementAndGet() > limit) {
            queued.decrementAndGet();
            overflow();
            return false;
        }
        outbox.offer(text);
        return true;
    }

    /** Starts sending what is queued, unless a send is already under way. */
    void flush() {
        if (!outbox.isEmpty() && draining.compareAndSet(false, true)) {
            pump();
        }
    }

    private void overflow() {
        if (!closed) {
            closed = true;
            owner.overflowed(this);
        }
    }

    void close() {
        closed = true;
        outbox.clear();
    }

    /** Runs only on the thread that owns the drain. */
    private void pump() {
        while (!closed) {
            String next = outbox.poll();
            if (next == null) {
                draining.set(false);
                // Someone may have queued after our poll but before we let go; take the drain back if so.
                if (outbox.isEmpty() || !draining.compareAndSet(false, true)) {
                    return;
                }
                continue;
            }
            queued.decrementAndGet();
            phase.set(SENDING);
            try {
                remote.sendText(next, onSent);
            } catch (RuntimeException e) {
                fail(e);
                return;
            }
            if (phase.compareAndSet(SENDING, RETURNED)) {
                return; // the completion callback continues the drain
            }
        }
    }

    private void sent(SendResult result) {
        if (!result.isOK()) {
            fail(result.getException());
            return;
        }
        owner.delivered();
        if (!phase.compareAndSet(SENDING, COMPLETED_INLINE)) {
            pump();
        }
    }

    private void fail(Throwable cause) {
        if (!closed) {
            closed = true;
            owner.failed(this, cause);
        }
    }
}
