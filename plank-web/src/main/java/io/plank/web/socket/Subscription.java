package io.plank.web.socket;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.plank.domain.change.ChangeEvent;
import io.plank.persistence.rows.RowFilter;

/**
 * One subscription of a client: a table, an optional client-chosen id ({@code sub}), a filter, and where its
 * stream stands. Guarded by its own monitor, held only while deciding and queueing (never while sending).
 *
 * <p>A subscription that resumes or starts with a snapshot begins in catch-up: live changes are held back
 * while the log is replayed or the snapshot sent, and released when it goes live. {@code lastSeq} makes the
 * seam exact: a change already sent is never sent again, and nothing between is skipped, since every live
 * change after the catch-up's start was held. After a snapshot, the changes the snapshot already contains
 * ({@code contained}, read in the snapshot's own transaction) are skipped as well.
 */
final class Subscription {

    /** Identifies a subscription on its connection: by its id, or for the plain form by its table. */
    record Key(String sub, String table) {
        static Key of(String sub, String table) {
            return sub != null ? new Key(sub, null) : new Key(null, table);
        }
    }

    private record Held(Fanout change, Relation relation) {
    }

    private final String sub;
    private final List<String> ids;
    private final String table;
    private final RowFilter filter;
    private final int holdLimit;
    private boolean live;
    private boolean cancelled;
    private long lastSeq;
    private long[] contained = new long[0];
    private List<Held> held = new ArrayList<>();

    private Subscription(String sub, String table, RowFilter filter, boolean live, long lastSeq, int holdLimit) {
        this.sub = sub;
        this.ids = sub == null ? List.of() : List.of(sub);
        this.table = table;
        this.filter = filter;
        this.live = live;
        this.lastSeq = lastSeq;
        this.holdLimit = holdLimit;
    }

    static Subscription live(String sub, String table, RowFilter filter) {
        return new Subscription(sub, table, filter, true, 0, 0);
    }

    /** A subscription that first catches up (replays the log after {@code since}, or sends a snapshot), holding up to {@code holdLimit} live changes meanwhile. */
    static Subscription catchingUp(String sub, String table, RowFilter filter, long since, int holdLimit) {
        return new Subscription(sub, table, filter, false, since, holdLimit);
    }

    Key key() {
        return Key.of(sub, table);
    }

    String sub() {
        return sub;
    }

    String table() {
        return table;
    }

    RowFilter filter() {
        return filter;
    }

    /** The outcome of offering a live change. */
    enum Offer { SEND, SKIP, HELD, OVERFLOW }

    /** Takes a live change the filter relates to as {@code relation}: send it now, skip it, or hold it while catching up. */
    synchronized Offer offer(Fanout change, Relation relation) {
        if (cancelled || relation == Relation.NONE) {
            return Offer.SKIP;
        }
        if (!live) {
            held.add(new Held(change, relation));
            return held.size() <= holdLimit ? Offer.HELD : Offer.OVERFLOW;
        }
        return admit(change.change().seq()) ? Offer.SEND : Offer.SKIP;
    }

    /**
     * Queues a frame about this subscription ({@code subscribed}, a snapshot page, {@code reset}) unless it has
     * ended. Decided under the same monitor as {@link #cancel}, so nothing about a subscription is queued after the
     * answer that ended it.
     */
    synchronized boolean sendIfCurrent(Outbox outbox, Message frame) {
        return !cancelled && outbox.offer(frame);
    }

    /** Queues a change read from the log during catch-up; true if it was for this subscription and new. */
    synchronized boolean replay(Fanout change, Outbox outbox) {
        Relation relation = change.relationTo(filter);
        return !cancelled && relation != Relation.NONE && admit(change.change().seq())
                && outbox.offer(change.frame(relation, ids()));
    }

    /**
     * Ends catch-up: releases the held live changes that catch-up did not already supply; returns how many. A
     * subscription that ended meanwhile releases nothing.
     */
    synchronized int goLive(Outbox outbox) {
        if (live || cancelled) {
            return 0;
        }
        live = true;
        int released = 0;
        for (Held change : held) {
            if (admit(change.change().change().seq()) && outbox.offer(change.change().frame(change.relation(), ids()))) {
                released++;
            }
        }
        held = null;
        return released;
    }

    /**
     * Goes live after a snapshot: skips every change up to {@code seq} and those in {@code contained} (sorted),
     * which the snapshot holds already.
     */
    synchronized int goLiveAfterSnapshot(long seq, long[] contained, Outbox outbox) {
        this.contained = contained;
        return restartAt(seq, outbox);
    }

    /**
     * Skips what happened up to {@code seq} (the client reloads instead) and goes live from there, also when the
     * client asked for a point beyond it (a seq from another database).
     */
    synchronized int restartAt(long seq, Outbox outbox) {
        lastSeq = seq;
        return goLive(outbox);
    }

    synchronized void cancel() {
        cancelled = true;
        held = null;
    }

    synchronized boolean cancelled() {
        return cancelled;
    }

    /** What operators see of it (a copy, taken under the subscription's monitor). */
    synchronized SessionInfo.Sub info() {
        return new SessionInfo.Sub(sub, table, filter.text(), live, lastSeq);
    }

    /** The ids a frame for this subscription alone names: its own, or none for the plain form. */
    List<String> ids() {
        return ids;
    }

    private boolean admit(long seq) {
        if (seq == ChangeEvent.NO_SEQ) {
            return true;
        }
        if (seq <= lastSeq) {
            return false;
        }
        lastSeq = seq;
        if (contained.length > 0) {
            if (seq > contained[contained.length - 1]) {
                contained = new long[0];
            } else if (Arrays.binarySearch(contained, seq) >= 0) {
                return false;
            }
        }
        return true;
    }
}
