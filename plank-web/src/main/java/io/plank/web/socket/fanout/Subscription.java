package io.plank.web.socket.fanout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.plank.domain.change.ChangeEvent;
import io.plank.domain.filter.Filter;
import io.plank.persistence.capture.CapturedTable;
import io.plank.persistence.rows.RowFilter;
import io.plank.web.socket.outbox.Message;
import io.plank.web.socket.outbox.Outbox;
import io.plank.web.socket.protocol.Frames;
import io.plank.web.socket.protocol.Relation;

/**
 * One subscription of a client: a table, an optional client-chosen id ({@code sub}), a filter, and where its
 * stream stands. Guarded by its own monitor, held only while deciding and queueing (never while sending).
 *
 * <p>A subscription that resumes or starts with a snapshot begins in catch-up: live changes are held back
 * while the log is replayed or the snapshot sent, and released when it goes live. {@code lastSeq} makes the
 * seam exact: a change already sent is never sent again, and nothing between is skipped, since every live
 * change after the catch-up's start was held. After a snapshot, the changes the snapshot already contains
 * ({@code contained}, read in the snapshot's own transaction) are skipped as well.
 *
 * <p>Transactions: a change frame marks its transaction's last change to the table ({@code tx_last}), which is how a
 * client knows it may apply the transaction. A subscription whose filter drops that last change would never see the
 * mark, so one that asked for {@code tx_end} frames ({@code txEnds}: a new frame type, which clients written before it
 * may not expect) remembers the transactions it was sent part of ({@code openTx}) and, when one's last change passes
 * it by, queues a {@code tx_end} for it instead, in the same order as its frames, live, held or replayed. A transaction
 * of one change to the table needs nothing of this. A resumed subscription cannot know what the client's earlier
 * connection was sent, so a transaction that began at or before {@code since} and whose last change its filter drops
 * gets a {@code tx_end} as well (one the client may have nothing of, which it ignores).
 */
public final class Subscription {

    /** Identifies a subscription on its connection: by its id, or for the plain form by its table. */
    public record Key(String sub, String table) {
        public static Key of(String sub, String table) {
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
    private final boolean txEnds;
    /** Read through a row binding: a row that leaves is withdrawn (its key only), never shown as it is now. */
    private boolean bound;
    /** The client's own filter (null: every row) and what it reads through, narrowed by a binding: checked again when access rules change. */
    private Filter requested;
    private Filter reading;
    /** The table as the catalog had it when this subscription was made (or last found changed): what DDL is judged against. */
    private volatile CapturedTable seenAs;
    /** The client asked for a {@code schema} frame when the table's columns change under it. */
    private boolean schemaNotices;
    private boolean live;
    private boolean cancelled;
    private long lastSeq;
    /**
     * More live changes arrived during catch-up than it may hold: they were let go, and since every durable change is
     * in the log, catch-up reads them from there instead of closing the client ({@link #CATCH_UP_AGAIN}).
     */
    private boolean overflowed;
    private long[] contained = new long[0];
    private List<Held> held = new ArrayList<>();
    /** The transactions this subscription was sent some changes of, not their last; few at a time (concurrent writers). */
    private long[] openTx = new long[0];
    private int openTxCount;
    /** The {@code since} of a resume: the client may hold changes of transactions begun up to here. */
    private long resumedAfter;

    private Subscription(String sub, String table, RowFilter filter, boolean live, long lastSeq, int holdLimit, boolean txEnds) {
        this.sub = sub;
        this.ids = sub == null ? List.of() : List.of(sub);
        this.table = table;
        this.filter = filter;
        this.live = live;
        this.lastSeq = lastSeq;
        this.resumedAfter = lastSeq;
        this.holdLimit = holdLimit;
        this.txEnds = txEnds;
    }

    public static Subscription live(String sub, String table, RowFilter filter) {
        return live(sub, table, filter, false);
    }

    /** {@code txEnds}: the client asked for {@code tx_end} frames. */
    public static Subscription live(String sub, String table, RowFilter filter, boolean txEnds) {
        return new Subscription(sub, table, filter, true, 0, 0, txEnds);
    }

    /** A subscription that first catches up (replays the log after {@code since}, or sends a snapshot), holding up to {@code holdLimit} live changes meanwhile. */
    public static Subscription catchingUp(String sub, String table, RowFilter filter, long since, int holdLimit) {
        return catchingUp(sub, table, filter, since, holdLimit, false);
    }

    public static Subscription catchingUp(String sub, String table, RowFilter filter, long since, int holdLimit, boolean txEnds) {
        return new Subscription(sub, table, filter, false, since, holdLimit, txEnds);
    }

    Key key() {
        return Key.of(sub, table);
    }

    /** Marks this subscription as read through a row binding, before it is routed. */
    public Subscription bound(boolean bound) {
        this.bound = bound;
        return this;
    }

    public boolean bound() {
        return bound;
    }

    /** Records the filter the client asked for and the one it reads through (see {@link io.plank.web.security.Access.Read}), before it is routed. */
    public Subscription reading(Filter requested, Filter reading) {
        this.requested = requested;
        this.reading = reading;
        return this;
    }

    /** Records the table as the catalog has it, before it is routed. */
    public Subscription seenAs(CapturedTable table) {
        this.seenAs = table;
        return this;
    }

    public CapturedTable seenAs() {
        return seenAs;
    }

    /** Asks for {@code schema} frames (see {@link Frames#schema}), before it is routed. */
    public Subscription schemaNotices(boolean wanted) {
        this.schemaNotices = wanted;
        return this;
    }

    public boolean schemaNotices() {
        return schemaNotices;
    }

    public Filter requested() {
        return requested;
    }

    public Filter readingThrough() {
        return reading;
    }

    /** What {@code change} is to this subscription: its filter's relation, a leave withdrawn if bound. */
    Relation relate(Fanout change) {
        Relation relation = change.relationTo(filter);
        return bound && relation == Relation.LEAVE ? Relation.WITHDRAW : relation;
    }

    public String sub() {
        return sub;
    }

    public String table() {
        return table;
    }

    public RowFilter filter() {
        return filter;
    }

    /** The outcome of offering a live change; {@code END}: not for this subscription, but send {@link #txEnd} now. */
    enum Offer { SEND, SKIP, HELD, OVERFLOW, END }

    /** What {@link #goLive} returns when the held changes overflowed: replay the log after {@link #lastSeq()} first. */
    public static final int CATCH_UP_AGAIN = -1;

    /**
     * Takes a live change the filter relates to as {@code relation}: send it now, skip it, or hold it while catching
     * up. A change of relation {@link Relation#NONE} needs offering only if it {@link #mayEndTx may end a transaction}.
     */
    synchronized Offer offer(Fanout change, Relation relation) {
        if (cancelled) {
            return Offer.SKIP;
        }
        if (!live) {
            if (relation == Relation.NONE && !(txEnds && mayEndTx(change))) {
                return Offer.SKIP;
            }
            if (overflowed) {
                return Offer.HELD; // let go: the log has it, and catch-up reads it from there
            }
            if (held.size() >= holdLimit && change.change().durable()) {
                overflowed = true;
                held = new ArrayList<>();
                return Offer.HELD;
            }
            held.add(new Held(change, relation));
            return held.size() <= holdLimit ? Offer.HELD : Offer.OVERFLOW;
        }
        if (relation == Relation.NONE) {
            return endsOpenTx(change) ? Offer.END : Offer.SKIP;
        }
        return admitted(change) ? Offer.SEND : Offer.SKIP;
    }

    /**
     * True if {@code change} is the last of several changes of its transaction to the table: a subscription that its
     * filter passes by may still have been sent earlier ones, and then needs a {@link #txEnd}.
     */
    static boolean mayEndTx(Fanout change) {
        ChangeEvent event = change.change();
        return event.tx().known() && event.txLast() && !event.txFirst();
    }

    /** The frame that ends, for this subscription, the transaction of {@code change} (see {@link Offer#END}). */
    Message txEnd(Fanout change) {
        return change.txEnd(sub);
    }

    /**
     * Queues a frame about this subscription ({@code subscribed}, a snapshot page, {@code reset}) unless it has
     * ended. Decided under the same monitor as {@link #cancel}, so nothing about a subscription is queued after the
     * answer that ended it.
     */
    public synchronized boolean sendIfCurrent(Outbox outbox, Message frame) {
        return !cancelled && outbox.offer(frame);
    }

    /**
     * Queues a change read from the log during catch-up; true if it was for this subscription and new. One that is not
     * may end a transaction the replay sent part of: then its {@code tx_end} is queued.
     */
    public synchronized boolean replay(Fanout change, Outbox outbox) {
        if (cancelled) {
            return false;
        }
        Relation relation = relate(change);
        if (relation == Relation.NONE) {
            if (mayEndTx(change) && endsOpenTx(change)) {
                outbox.offer(txEnd(change));
            }
            return false;
        }
        return admitted(change) && outbox.offer(change.frame(relation, ids()));
    }

    /**
     * Ends catch-up: releases the held live changes that catch-up did not already supply; returns how many. A
     * subscription that ended meanwhile releases nothing.
     */
    public synchronized int goLive(Outbox outbox) {
        if (live || cancelled) {
            return 0;
        }
        if (overflowed) {
            // Still catching up: what was let go is read from the log after lastSeq, holding anew meanwhile.
            overflowed = false;
            held = new ArrayList<>();
            return CATCH_UP_AGAIN;
        }
        live = true;
        int released = 0;
        for (Held change : held) {
            if (change.relation() == Relation.NONE) {
                if (endsOpenTx(change.change())) {
                    outbox.offer(txEnd(change.change()));
                }
            } else if (admitted(change.change()) && outbox.offer(change.change().frame(change.relation(), ids()))) {
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
    public synchronized int goLiveAfterSnapshot(long seq, long[] contained, Outbox outbox) {
        this.contained = contained;
        return restartAt(seq, outbox);
    }

    /**
     * Skips what happened up to {@code seq} (the client reloads instead) and goes live from there, also when the
     * client asked for a point beyond it (a seq from another database).
     */
    public synchronized int restartAt(long seq, Outbox outbox) {
        lastSeq = seq;
        openTxCount = 0; // the client reloads: what it was sent of them no longer matters
        resumedAfter = 0;
        return goLive(outbox);
    }

    /** The last change sent (or skipped as the client's already), where a further catch-up resumes. */
    public synchronized long lastSeq() {
        return lastSeq;
    }

    public synchronized void cancel() {
        cancelled = true;
        held = null;
    }

    public synchronized boolean cancelled() {
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

    /** {@link #admit}s the change and notes what it means for its transaction. */
    private boolean admitted(Fanout change) {
        ChangeEvent event = change.change();
        if (!admit(event.seq())) {
            return false;
        }
        if (txEnds && event.inSharedTx()) {
            if (event.txLast()) {
                closeTx(event.tx().id());
            } else {
                openTx(event.tx().id());
            }
        }
        return true;
    }

    /**
     * True if the change, not sent to this subscription, ends a transaction it was sent part of (which it now
     * forgets), or one the client may have had part of before resuming. Counts the change as handled, so the same
     * change held and replayed ends its transaction once.
     */
    private boolean endsOpenTx(Fanout change) {
        ChangeEvent event = change.change();
        if (!txEnds || !event.tx().known() || !event.txLast() || !admit(event.seq())) {
            return false;
        }
        return closeTx(event.tx().id()) || !event.txFirst() && event.tx().firstSeq() <= resumedAfter;
    }

    private void openTx(long tx) {
        for (int i = 0; i < openTxCount; i++) {
            if (openTx[i] == tx) {
                return;
            }
        }
        if (openTxCount == openTx.length) {
            openTx = Arrays.copyOf(openTx, Math.max(4, openTx.length * 2));
        }
        openTx[openTxCount++] = tx;
    }

    private boolean closeTx(long tx) {
        for (int i = 0; i < openTxCount; i++) {
            if (openTx[i] == tx) {
                openTx[i] = openTx[--openTxCount];
                return true;
            }
        }
        return false;
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
