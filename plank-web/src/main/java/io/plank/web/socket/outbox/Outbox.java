package io.plank.web.socket.outbox;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import jakarta.websocket.CloseReason;

/**
 * One client's outgoing messages: a queue bounded in messages and in characters, and the loop that sends them.
 *
 * <p>{@link #offer} only enqueues, so the listener thread never waits on a socket and never sends: the first send of
 * an idle outbox is handed to a sender thread ({@code senders}). From there one send is in flight at a time (the spec
 * lets a session refuse concurrent sends; a send of several messages is the transport's to overlap or not); each
 * send's completion sends the next, on whatever thread completed it (Tyrus completes inline on the sending thread,
 * Undertow on its I/O thread), and after {@link #TURN} sends the loop hands the client back to the senders so that
 * one busy client cannot keep a thread. No lock is held across a send; a send that completes inline does not recurse.
 * While sending, the thread's context class loader is the platform loader ({@link PlatformLoader}).
 *
 * <p>A client that opted in to batches ({@code ?batch=true}) gets what has piled up, when more than one message is
 * queued, as one WebSocket message: a JSON array of the frames, in order. Every cost the servers pay per message (a
 * task scheduled per send on Payara, a frame and a flush on both) is then paid once per batch. A client that did not
 * opt in still gets one JSON frame per WebSocket message, but what has piled up goes to the transport in one send
 * ({@link Transport#send(Message[], Consumer)}), which writes the messages together: a write and flush or two per
 * send (Payara: {@link TyrusFrames}) instead of one per message.
 *
 * <p>A message that does not fit closes the outbox and reports why, once: a client is never silently skipped. Live
 * changes of durable tables never get that far: past {@link #roomForLive} they are let go and read from the log. Work
 * that produces messages only as fast as the client reads (a snapshot, a replay) waits with {@link #whenRoom} or
 * {@link #whenDrained} instead of holding a thread.
 */
public final class Outbox {

    /** How far a client may fall behind: queued messages, and their characters (a message alone may be larger). */
    public record Limits(int messages, long chars) {
    }

    /** Sends in one turn of a thread before the client goes to the back of the senders' queue. */
    static final int TURN = 64;
    /** A batch, or a send of several messages, holds at most this many messages... */
    static final int BATCH_MESSAGES = 256;
    /** ...and at most this many characters (a larger message goes alone). */
    static final int BATCH_CHARS = 256 * 1024;

    private static final int SENDING = 1;
    private static final int RETURNED = 2;
    private static final int COMPLETED_INLINE = 3;

    private final Transport transport;
    private final Limits limits;
    /** Three quarters of the limits: past them a live change of a durable table is read from the log instead. */
    private final int liveMessages;
    private final long liveChars;
    private final Backlog backlog;
    private final Executor senders;
    private final boolean batches;
    /** Whether what piled up goes in one send: as a batch, or as several messages sent together. */
    private final boolean takesSeveral;
    private final Consumer<CloseReason> onTrouble;
    private final ConcurrentLinkedQueue<Message> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong chars = new AtomicLong();
    /** What is being sent: a Message, or a Message[] (a batch, or several messages); counted until sent or closed. */
    private final AtomicReference<Object> inFlight = new AtomicReference<>();
    /** Catch-up data read for this client and not yet queued: held in the heap for it, so part of its backlog. */
    private final AtomicLong reserved = new AtomicLong();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicInteger phase = new AtomicInteger();
    private final AtomicReference<Waiting> waiting = new AtomicReference<>();
    private final Consumer<Throwable> onSent = this::sent;
    private final Runnable pump = this::pump;
    private volatile boolean closed;
    private volatile long lastProgressNanos = System.nanoTime();

    /**
     * @param transport the client's connection; it says whether the client takes several messages as one JSON array
     * @param senders   the threads that start and continue sending; never the caller's
     * @param onTrouble told once, on whatever thread found it, why the outbox gave up (full, or a send failed); it
     *                  closes the connection
     */
    public Outbox(Transport transport, Limits limits, Backlog backlog, Executor senders, Consumer<CloseReason> onTrouble) {
        this.transport = transport;
        this.limits = limits;
        this.liveMessages = limits.messages() / 4 * 3;
        this.liveChars = limits.chars() / 4 * 3;
        this.backlog = backlog;
        this.senders = senders;
        this.batches = transport.batches();
        this.takesSeveral = batches || transport.sendsSeveral();
        this.onTrouble = onTrouble;
    }

    public Transport transport() {
        return transport;
    }

    /** Queues a message without sending it (see {@link #flush}); false if the outbox is closed or, now, full. */
    public boolean offer(Message message) {
        if (closed) {
            return false;
        }
        int length = message.length();
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
        if (message.held()) {
            backlog.add(length);
        }
        queue.offer(message);
        if (closed) {
            discardQueued(); // closed while we queued: whatever close() missed is released here
        }
        return true;
    }

    /** Queues a message and starts sending it; false if it could not be queued. */
    public boolean send(Message message) {
        boolean queued = offer(message);
        flush();
        return queued;
    }

    /** Starts sending what is queued, on a sender thread, unless a send is already under way. */
    public void flush() {
        if (!queue.isEmpty() && draining.compareAndSet(false, true)) {
            senders.execute(pump);
        }
    }

    /**
     * Room for another live change: under three quarters of the limits in use. The last quarter is kept for what must
     * not be let go (answers, {@code tx_end}s, held changes released, another subscription's replayed page); a durable
     * change that finds no room is read from the log later instead (see {@code Subscription.Offer.BEHIND}).
     */
    public boolean roomForLive() {
        return queued.get() < liveMessages && chars.get() < liveChars;
    }

    /** Room for more: at most half the limits in use, so a producer waiting for it makes headway in batches. */
    public boolean hasRoom() {
        return queued.get() <= limits.messages() / 2 && chars.get() <= limits.chars() / 2;
    }

    /**
     * Runs {@code task} once there is {@link #hasRoom() room}: now, on this thread, if there is; otherwise on the
     * thread completing the send that makes it. One task waits at a time; a closed outbox never runs it.
     */
    public void whenRoom(Runnable task) {
        waiting.set(new Waiting(task, false));
        offerRoom();
    }

    /** As {@link #whenRoom}, but once the client has taken everything queued: before reading more for it. */
    public void whenDrained(Runnable task) {
        waiting.set(new Waiting(task, true));
        offerRoom();
    }

    private record Waiting(Runnable task, boolean drained) {
    }

    /** Counts {@code length} characters read for this client (a snapshot) that it will be sent later. */
    public void reserve(long length) {
        reserved.addAndGet(length);
        backlog.add(length);
        if (closed) {
            backlog.remove(reserved.getAndSet(0));
        }
    }

    /** Ends the count of reserved characters, as they are queued or dropped; never more than is reserved. */
    public void unreserve(long length) {
        long before = reserved.getAndUpdate(held -> held - Math.min(held, length));
        backlog.remove(Math.min(before, length));
    }

    public int queued() {
        return queued.get();
    }

    /** The characters queued and in flight. */
    long chars() {
        return chars.get();
    }

    /** Everything this client has waiting: queued, in flight and reserved (messages it shares with others counted in full). */
    public long backlogChars() {
        return chars.get() + reserved.get();
    }

    public boolean closed() {
        return closed;
    }

    /** Whether the client has had something to read for longer than {@code nanos} without taking any of it. */
    public boolean stalledFor(long nanos) {
        return waitingNanos() > nanos;
    }

    /** How long the client has had something to read without taking any of it; 0 with nothing queued. */
    public long waitingNanos() {
        return queued.get() > 0 ? System.nanoTime() - lastProgressNanos : 0;
    }

    public boolean batches() {
        return batches;
    }

    /** Drops what is queued; nothing more is sent. Safe to call more than once, from any thread. */
    public void close() {
        closed = true;
        waiting.set(null);
        discardQueued();
        release(inFlight.getAndSet(null));
        backlog.remove(reserved.getAndSet(0));
    }

    /** Closes the outbox and reports {@code reason}, unless it was closed already. */
    public void giveUp(CloseReason reason) {
        if (!closed) {
            close();
            onTrouble.accept(reason);
        }
    }

    private void discardQueued() {
        for (Message message; (message = queue.poll()) != null; ) {
            release(message);
        }
    }

    private void release(Object sent) {
        if (sent instanceof Message message) {
            release(message);
        } else if (sent instanceof Message[] batch) {
            long length = 0;
            long lastHeld = 0;
            for (Message message : batch) {
                length += message.length();
                lastHeld += message.released() ? message.length() : 0;
            }
            release(batch.length, length, lastHeld);
        }
    }

    private void release(Message message) {
        release(1, message.length(), message.released() ? message.length() : 0);
    }

    /** {@code lastHeld}: the characters of those messages no other outbox holds, which leave the backlog. */
    private void release(int messages, long length, long lastHeld) {
        queued.addAndGet(-messages);
        chars.addAndGet(-length);
        if (lastHeld > 0) {
            backlog.remove(lastHeld);
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
        for (int turn = 0; !closed; turn++) {
            if (turn == TURN) {
                senders.execute(pump); // keeps the drain: the client waits its turn behind the others
                return;
            }
            Object next = next();
            if (next == null) {
                draining.set(false);
                // Someone may have queued after our poll but before we let go; take the drain back if so.
                if (queue.isEmpty() || !draining.compareAndSet(false, true)) {
                    return;
                }
                continue;
            }
            inFlight.set(next);
            phase.set(SENDING);
            ClassLoader loader = PlatformLoader.enter();
            try {
                if (next instanceof Message message) {
                    transport.send(message.text(), message, onSent);
                } else if (batches) {
                    transport.send(batchText((Message[]) next), null, onSent);
                } else {
                    transport.send((Message[]) next, onSent);
                }
            } catch (RuntimeException e) {
                giveUp(new CloseReason(CloseReason.CloseCodes.UNEXPECTED_CONDITION, "Send failed"));
                return;
            } finally {
                PlatformLoader.leave(loader);
            }
            if (phase.compareAndSet(SENDING, RETURNED)) {
                return; // the completion callback continues the drain
            }
            offerRoom(); // completed before sendText returned: what waits for room runs here, outside the send
        }
    }

    /**
     * The next message, or with more than one queued, as many as one send takes (a batch, or several messages). A
     * keep-alive goes alone: it is no frame of the client's but the transport's own (a comment, a ping).
     */
    private Object next() {
        Message first = queue.poll();
        if (first == null || !takesSeveral || queue.isEmpty() || first.length() >= BATCH_CHARS || first == Message.KEEP_ALIVE) {
            return first;
        }
        List<Message> batch = new ArrayList<>();
        batch.add(first);
        int length = first.length();
        for (Message more = queue.peek(); more != null && more != Message.KEEP_ALIVE && batch.size() < BATCH_MESSAGES
                && length + more.length() <= BATCH_CHARS; more = queue.peek()) {
            batch.add(queue.poll()); // the drain owner is the only one taking from the queue
            length += more.length();
        }
        return batch.size() == 1 ? first : batch.toArray(Message[]::new);
    }

    private static String batchText(Message[] batch) {
        int length = batch.length + 1;
        for (Message message : batch) {
            length += message.length();
        }
        var text = new StringBuilder(length).append('[');
        for (int i = 0; i < batch.length; i++) {
            text.append(i == 0 ? "" : ",").append(batch[i].text());
        }
        return text.append(']').toString();
    }

    private void sent(Throwable failure) {
        Object sent = inFlight.getAndSet(null);
        release(sent);
        if (failure != null) {
            giveUp(new CloseReason(CloseReason.CloseCodes.UNEXPECTED_CONDITION, "Send failed"));
            return;
        }
        lastProgressNanos = System.nanoTime();
        delivered(sent);
        if (!phase.compareAndSet(SENDING, COMPLETED_INLINE)) {
            offerRoom();
            pump();
        }
    }

    private void delivered(Object sent) {
        long nowMicros = Message.nowMicros();
        if (sent instanceof Message message) {
            message.delivered(nowMicros);
            backlog.delivered(message == Message.KEEP_ALIVE ? 0 : 1);
        } else if (sent instanceof Message[] batch) {
            for (Message message : batch) {
                message.delivered(nowMicros);
            }
            backlog.delivered(batch.length);
        }
    }
}
