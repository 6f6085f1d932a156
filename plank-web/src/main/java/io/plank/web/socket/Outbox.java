package io.plank.web.socket;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import jakarta.websocket.CloseReason;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;

/**
 * One client's outgoing messages: a queue bounded in messages and in characters, and the loop that sends them.
 *
 * <p>{@link #offer} only enqueues, so the listener thread never waits on a socket. Whoever finds the outbox idle
 * becomes its drainer and sends one message at a time with the container's asynchronous API (the spec lets a
 * session refuse concurrent sends); the completion callback sends the next. No lock is held across a send. A send
 * that completes inline on the calling thread does not recurse: the loop in {@link #pump} carries on instead.
 *
 * <p>A message that does not fit closes the outbox and reports why, once: a client is never silently skipped. Work
 * that produces messages only as fast as the client reads (a snapshot, a replay) waits with {@link #whenRoom}
 * instead of holding a thread.
 */
final class Outbox {

    /** How far a client may fall behind: queued messages, and their characters (a message alone may be larger). */
    record Limits(int messages, long chars) {
    }

    private static final int SENDING = 1;
    private static final int RETURNED = 2;
    private static final int COMPLETED_INLINE = 3;

    private final RemoteEndpoint.Async remote;
    private final Limits limits;
    private final Backlog backlog;
    private final Consumer<CloseReason> onTrouble;
    private final ConcurrentLinkedQueue<String> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong chars = new AtomicLong();
    /** The characters of the message being sent, counted until its send completes or the outbox closes. */
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Catch-up data read for this client and not yet queued: held in the heap for it, so part of its backlog. */
    private final AtomicLong reserved = new AtomicLong();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicInteger phase = new AtomicInteger();
    private final AtomicReference<Waiting> waiting = new AtomicReference<>();
    private final SendHandler onSent = this::sent;
    private volatile boolean closed;
    private volatile long lastProgressNanos = System.nanoTime();

    /**
     * @param onTrouble told once, on whatever thread found it, why the outbox gave up (full, or a send failed); it
     *                  closes the connection
     */
    Outbox(RemoteEndpoint.Async remote, Limits limits, Backlog backlog, Consumer<CloseReason> onTrouble) {
        this.remote = remote;
        this.limits = limits;
        this.backlog = backlog;
        this.onTrouble = onTrouble;
    }

    /** Queues a message without sending it (see {@link #flush}); false if the outbox is closed or, now, full. */
    boolean offer(String text) {
        if (closed) {
            return false;
        }
        int length = text.length();
        int messages = queued.incrementAndGet();
        long total = chars.addAndGet(length);
        if (messages > limits.messages() || (total > limits.chars() && total != length)) {
            queued.decrementAndGet();
            chars.addAndGet(-length);
            giveUp(new CloseReason(CloseReason.CloseCodes.TRY_AGAIN_LATER, "Too slow: send queue full"));
            return false;
        }
        if (messages == 1) {
            lastProgressNanos = System.nanoTime(); // the stall clock starts when there is something to read
        }
        backlog.add(length);
        queue.offer(text);
        if (closed) {
            discardQueued(); // closed while we queued: whatever close() missed is released here
        }
        return true;
    }

    /** Queues a message and starts sending it; false if it could not be queued. */
    boolean send(String text) {
        boolean queued = offer(text);
        flush();
        return queued;
    }

    /** Starts sending what is queued, unless a send is already under way. */
    void flush() {
        if (!queue.isEmpty() && draining.compareAndSet(false, true)) {
            pump();
        }
    }

    /** Room for more: at most half the limits in use, so a producer waiting for it makes headway in batches. */
    boolean hasRoom() {
        return queued.get() <= limits.messages() / 2 && chars.get() <= limits.chars() / 2;
    }

    /**
     * Runs {@code task} once there is {@link #hasRoom() room}: now, on this thread, if there is; otherwise on the
     * thread completing the send that makes it. One task waits at a time; a closed outbox never runs it.
     */
    void whenRoom(Runnable task) {
        waiting.set(new Waiting(task, false));
        offerRoom();
    }

    /** As {@link #whenRoom}, but once the client has taken everything queued: before reading more for it. */
    void whenDrained(Runnable task) {
        waiting.set(new Waiting(task, true));
        offerRoom();
    }

    private record Waiting(Runnable task, boolean drained) {
    }

    /** Counts {@code length} characters read for this client (a snapshot) that it will be sent later. */
    void reserve(long length) {
        reserved.addAndGet(length);
        backlog.add(length);
        if (closed) {
            backlog.remove(reserved.getAndSet(0));
        }
    }

    /** Ends the count of reserved characters, as they are queued or dropped; never more than is reserved. */
    void unreserve(long length) {
        long before = reserved.getAndUpdate(held -> held - Math.min(held, length));
        backlog.remove(Math.min(before, length));
    }

    int queued() {
        return queued.get();
    }

    /** Everything this client has waiting in the heap: queued, in flight and reserved. */
    long backlogChars() {
        return chars.get() + reserved.get();
    }

    /** The characters queued and in flight. */
    long chars() {
        return chars.get();
    }

    boolean closed() {
        return closed;
    }

    /** Whether the client has had something to read for longer than {@code nanos} without taking any of it. */
    boolean stalledFor(long nanos) {
        return queued.get() > 0 && System.nanoTime() - lastProgressNanos > nanos;
    }

    /** Drops what is queued; nothing more is sent. Safe to call more than once, from any thread. */
    void close() {
        closed = true;
        waiting.set(null);
        discardQueued();
        release(inFlight.getAndSet(0));
        backlog.remove(reserved.getAndSet(0));
    }

    private void discardQueued() {
        for (String text; (text = queue.poll()) != null; ) {
            release(text.length());
        }
    }

    private void release(int length) {
        if (length > 0) {
            queued.decrementAndGet();
            chars.addAndGet(-length);
            backlog.remove(length);
        }
    }

    /** Closes the outbox and reports {@code reason}, unless it was closed already. */
    void giveUp(CloseReason reason) {
        if (!closed) {
            close();
            onTrouble.accept(reason);
        }
    }

    private void offerRoom() {
        Waiting next = waiting.get();
        if (next != null && !closed && (next.drained() ? queued.get() == 0 : hasRoom()) && waiting.compareAndSet(next, null)) {
            next.task().run();
        }
    }

    /** Runs only on the thread that owns the drain. */
    private void pump() {
        while (!closed) {
            String next = queue.poll();
            if (next == null) {
                draining.set(false);
                // Someone may have queued after our poll but before we let go; take the drain back if so.
                if (queue.isEmpty() || !draining.compareAndSet(false, true)) {
                    return;
                }
                continue;
            }
            inFlight.set(next.length());
            phase.set(SENDING);
            try {
                remote.sendText(next, onSent);
            } catch (RuntimeException e) {
                giveUp(new CloseReason(CloseReason.CloseCodes.UNEXPECTED_CONDITION, "Send failed"));
                return;
            }
            if (phase.compareAndSet(SENDING, RETURNED)) {
                return; // the completion callback continues the drain
            }
        }
    }

    private void sent(SendResult result) {
        release(inFlight.getAndSet(0));
        if (!result.isOK()) {
            giveUp(new CloseReason(CloseReason.CloseCodes.UNEXPECTED_CONDITION, "Send failed"));
            return;
        }
        lastProgressNanos = System.nanoTime();
        backlog.delivered();
        offerRoom();
        if (!phase.compareAndSet(SENDING, COMPLETED_INLINE)) {
            pump();
        }
    }
}
