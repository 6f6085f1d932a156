package io.plank.web.socket;

import java.util.ArrayList;
import java.util.List;

import io.plank.domain.change.ChangeEvent;

/**
 * One table a client watches, and where its stream stands. Guarded by its own monitor, held only while
 * changes are queued (never while sending).
 *
 * <p>A resuming subscription starts in catch-up: it is fed from the change log while live changes are held
 * back; when the log is exhausted it goes live and releases what it held. {@code lastSeq} makes the seam
 * exact: a change already sent from the log is never sent again live, and nothing between is skipped,
 * since every live change after the catch-up's upper bound was held.
 */
final class Subscription {

    private final String table;
    private final int holdLimit;
    private boolean live;
    private boolean cancelled;
    private long lastSeq;
    private List<ChangeEvent> held = new ArrayList<>();

    private Subscription(String table, boolean live, long lastSeq, int holdLimit) {
        this.table = table;
        this.live = live;
        this.lastSeq = lastSeq;
        this.holdLimit = holdLimit;
    }

    static Subscription live(String table) {
        return new Subscription(table, true, 0, 0);
    }

    /** A subscription that first replays the log after {@code since}, holding up to {@code holdLimit} live changes meanwhile. */
    static Subscription resuming(String table, long since, int holdLimit) {
        return new Subscription(table, false, since, holdLimit);
    }

    String table() {
        return table;
    }

    /** Offers a live change; false if the subscription fell too far behind while catching up. */
    synchronized boolean offer(ChangeEvent change, Subscriber subscriber) {
        if (cancelled) {
            return true;
        }
        if (!live) {
            held.add(change);
            return held.size() <= holdLimit;
        }
        queue(change.seq(), change.frame(), subscriber);
        return true;
    }

    /** Queues a change read from the log during catch-up. */
    synchronized void replay(long seq, String frame, Subscriber subscriber) {
        if (!cancelled) {
            queue(seq, frame, subscriber);
        }
    }

    /** Ends catch-up: releases the held live changes that the log did not already supply. */
    synchronized void goLive(Subscriber subscriber) {
        if (live) {
            return;
        }
        live = true;
        for (ChangeEvent change : held) {
            queue(change.seq(), change.frame(), subscriber);
        }
        held = null;
    }

    /** Skips what happened up to {@code seq} (the client reloads instead) and goes live. */
    synchronized void restartAt(long seq, Subscriber subscriber) {
        lastSeq = Math.max(lastSeq, seq);
        goLive(subscriber);
    }

    synchronized void cancel() {
        cancelled = true;
        held = null;
    }

    synchronized boolean cancelled() {
        return cancelled;
    }

    private void queue(long seq, String frame, Subscriber subscriber) {
        if (seq == ChangeEvent.NO_SEQ) {
            subscriber.enqueue(frame);
        } else if (seq > lastSeq) {
            lastSeq = seq;
            subscriber.enqueue(frame);
        }
    }
}
