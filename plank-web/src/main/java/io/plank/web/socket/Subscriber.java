package io.plank.web.socket;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;

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
    private final Set<String> tables = ConcurrentHashMap.newKeySet();
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

    Set<String> tables() {
        return tables;
    }

    int queued() {
        return queued.get();
    }

    /** Queues a message; false if the subscriber is closed or its outbox is full (the owner is told). */
    boolean send(String text) {
        if (closed) {
            return false;
        }
        if (queued.incrementAndGet() > limit) {
            queued.decrementAndGet();
            closed = true;
            owner.overflowed(this);
            return false;
        }
        outbox.offer(text);
        if (draining.compareAndSet(false, true)) {
            pump();
        }
        return true;
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
