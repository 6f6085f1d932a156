package io.plank.web.socket;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;

/**
 * One connected client: its subscriptions and its bounded outbox.
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

    /** The kinds of news a change can be to a subscription, each sent as its own frame. */
    private static final Relation[] SENT = {Relation.CHANGE, Relation.LEAVE, Relation.ENTER};

    private static final int SENDING = 1;
    private static final int RETURNED = 2;
    private static final int COMPLETED_INLINE = 3;

    private final String id;
    private final RemoteEndpoint.Async remote;
    private final int limit;
    private final Owner owner;
    private final Map<Subscription.Key, Subscription> subscriptions = new HashMap<>();
    /** The subscriptions by table, rebuilt on every change to them (rare) so that delivery reads it without a lock. */
    private volatile Map<String, Subscription[]> byTable = Map.of();
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

    /** Adds or replaces (same id, or for the plain form the same table) a subscription; returns the one replaced. */
    synchronized Subscription put(Subscription subscription) {
        Subscription replaced = subscriptions.put(subscription.key(), subscription);
        reindex();
        return replaced;
    }

    synchronized Subscription remove(Subscription.Key key) {
        Subscription removed = subscriptions.remove(key);
        reindex();
        return removed;
    }

    /** Removes {@code subscription} unless it was replaced meanwhile; true if it was removed. */
    synchronized boolean removeIfCurrent(Subscription subscription) {
        boolean removed = subscriptions.remove(subscription.key(), subscription);
        reindex();
        return removed;
    }

    /** Removes every subscription to {@code table}, plain or with an id. */
    synchronized List<Subscription> removeTable(String table) {
        List<Subscription> removed = List.of(byTable.getOrDefault(table, new Subscription[0]));
        removed.forEach(subscription -> subscriptions.remove(subscription.key()));
        reindex();
        return removed;
    }

    synchronized Subscription get(Subscription.Key key) {
        return subscriptions.get(key);
    }

    synchronized List<Subscription> all() {
        return List.copyOf(subscriptions.values());
    }

    synchronized int count() {
        return subscriptions.size();
    }

    boolean watches(String table) {
        return byTable.containsKey(table);
    }

    private void reindex() {
        Map<String, List<Subscription>> index = new HashMap<>();
        subscriptions.values().forEach(subscription -> index.computeIfAbsent(subscription.table(), table -> new ArrayList<>()).add(subscription));
        Map<String, Subscription[]> fresh = new HashMap<>();
        index.forEach((table, list) -> fresh.put(table, list.toArray(Subscription[]::new)));
        byTable = fresh;
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

    /**
     * Passes a change to this client's subscriptions of its table. Subscriptions it reaches the same way share one
     * frame that names their ids, so a client gets each change once per kind of news (a change, a row leaving a
     * filter, a row entering one). Returns how many frames were queued.
     */
    int deliver(Fanout change) {
        Subscription[] watching = byTable.get(change.change().table());
        if (watching == null) {
            return 0;
        }
        int queued = 0;
        if (watching.length == 1) {
            Subscription only = watching[0];
            Relation relation = change.relationTo(only.filter());
            queued = offer(only, change, relation) ? send(change, relation, only.ids()) : 0;
        } else {
            Relation[] relations = new Relation[watching.length];
            for (int i = 0; i < watching.length; i++) {
                relations[i] = change.relationTo(watching[i].filter());
            }
            for (Relation relation : SENT) {
                List<String> ids = new ArrayList<>();
                boolean any = false;
                for (int i = 0; i < watching.length; i++) {
                    if (relations[i] == relation && offer(watching[i], change, relation)) {
                        any = true;
                        if (watching[i].sub() != null) {
                            ids.add(watching[i].sub());
                        }
                    }
                }
                queued += any ? send(change, relation, ids) : 0;
            }
        }
        flush();
        return queued;
    }

    private boolean offer(Subscription subscription, Fanout change, Relation relation) {
        return switch (subscription.offer(change, relation)) {
            case SEND -> true;
            case SKIP, HELD -> false;
            case OVERFLOW -> {
                overflow();
                yield false;
            }
        };
    }

    private int send(Fanout change, Relation relation, List<String> ids) {
        return enqueue(change.frame(relation, ids)) ? 1 : 0;
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
