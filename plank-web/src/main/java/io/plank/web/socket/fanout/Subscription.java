package io.plank.web.socket.fanout;

import java.util.ArrayList;
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
 * <p>Its {@link State}: a subscription that resumes or starts with a snapshot begins {@link State#CATCHING_UP}: live
 * changes are held back while the log is replayed or the snapshot sent, and released when it goes {@link State#LIVE}.
 * Its {@link Seam} makes the seam exact: a change already sent is never sent again, and nothing between is skipped,
 * since every live change after the catch-up's start was held. After a snapshot, the changes the snapshot already
 * contains (read in the snapshot's own transaction) are skipped as well.
 *
 * <p>Transactions: a change frame marks its transaction's last change to the table ({@code tx_last}), which is how a
 * client knows it may apply the transaction. A subscription whose filter drops that last change would never see the
 * mark, so one that asked for {@code tx_end} frames ({@code txEnds}: a new frame type, which clients written before it
 * may not expect) remembers the transactions it was sent part of ({@link OpenTransactions}) and, when one's last change passes
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

    /** Where a subscription is in its life. */
    public enum State {
        /** Replaying the log or sending a snapshot: live changes are held until it goes live. */
        CATCHING_UP,
        /**
         * More live changes arrived than it may hold, or than its client had room for: they were let go, and since every
         * durable change is in the log, it replays them from there (again, until it has held no more than it may) before
         * going live, instead of closing the client.
         */
        LET_GO,
        /** Each change is sent as it comes. */
        LIVE,
        /** Unsubscribed, replaced, ended by the server or its client gone: nothing more is queued for it. */
        ENDED
    }

    /**
     * The outcome of offering a live change; {@code END}: not for this subscription, but send {@link #txEnd} now;
     * {@code BEHIND}: its client had no room, so the subscription let the change go ({@link State#LET_GO}) and must now
     * replay the log after {@link #lastSeq()}.
     */
    public enum Offer { SEND, SKIP, HELD, OVERFLOW, END, BEHIND }

    /**
     * What going live did: how many held change frames it released, or that the held changes were let go and the log
     * must be replayed from {@link #lastSeq()} first (the subscription still catching up).
     */
    public record GoingLive(int released, boolean catchUpAgain) {
        static final GoingLive NOTHING = new GoingLive(0, false);
        static final GoingLive AGAIN = new GoingLive(0, true);
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
    private State state;
    private final Seam seam;
    private final OpenTransactions openTx;
    private List<Held> held = new ArrayList<>();

    private Subscription(String sub, String table, RowFilter filter, State state, long lastSeq, int holdLimit, boolean txEnds) {
        this.sub = sub;
        this.ids = sub == null ? List.of() : List.of(sub);
        this.table = table;
        this.filter = filter;
        this.state = state;
        this.seam = new Seam(lastSeq);
        this.openTx = new OpenTransactions(lastSeq);
        this.holdLimit = holdLimit;
        this.txEnds = txEnds;
    }

    public static Subscription live(String sub, String table, RowFilter filter) {
        return live(sub, table, filter, false);
    }

    /** {@code txEnds}: the client asked for {@code tx_end} frames. */
    public static Subscription live(String sub, String table, RowFilter filter, boolean txEnds) {
        return new Subscription(sub, table, filter, State.LIVE, 0, 0, txEnds);
    }

    /** A subscription that first catches up (replays the log after {@code since}, or sends a snapshot), holding up to {@code holdLimit} live changes meanwhile. */
    public static Subscription catchingUp(String sub, String table, RowFilter filter, long since, int holdLimit) {
        return catchingUp(sub, table, filter, since, holdLimit, false);
    }

    public static Subscription catchingUp(String sub, String table, RowFilter filter, long since, int holdLimit, boolean txEnds) {
        return new Subscription(sub, table, filter, State.CATCHING_UP, since, holdLimit, txEnds);
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

    /**
     * Takes a live change the filter relates to as {@code relation}: send it now, skip it, or hold it while catching
     * up. A change of relation {@link Relation#NONE} needs offering only if it {@link #mayEndTx may end a transaction}.
     * Without {@code room} in the client's outbox, a durable change is let go instead of sent ({@link Offer#BEHIND}):
     * a client that reads, however far a burst puts it behind, then reads the rest from the log at its own pace.
     */
    public synchronized Offer offer(Fanout change, Relation relation, boolean room) {
        return switch (state) {
            case LIVE -> relation == Relation.NONE ? (endsOpenTx(change) ? Offer.END : Offer.SKIP)
                    : !room && change.change().durable() ? letGo(change) : (admitted(change) ? Offer.SEND : Offer.SKIP);
            case CATCHING_UP, LET_GO -> hold(change, relation);
            case ENDED -> Offer.SKIP;
        };
    }

    private Offer letGo(Fanout change) {
        if (change.change().seq() <= seam.lastSeq()) {
            return Offer.SKIP; // the client has it already
        }
        state = State.LET_GO;
        return Offer.BEHIND;
    }

    private Offer hold(Fanout change, Relation relation) {
        if (relation == Relation.NONE && !(txEnds && mayEndTx(change))) {
            return Offer.SKIP;
        }
        if (state == State.LET_GO) {
            return Offer.HELD; // let go: the log has it, and catch-up reads it from there
        }
        if (held.size() >= holdLimit && change.change().durable()) {
            state = State.LET_GO;
            held = new ArrayList<>();
            return Offer.HELD;
        }
        held.add(new Held(change, relation));
        return held.size() <= holdLimit ? Offer.HELD : Offer.OVERFLOW;
    }

    /**
     * True if {@code change} is the last of several changes of its transaction to the table: a subscription that its
     * filter passes by may still have been sent earlier ones, and then needs a {@link #txEnd}.
     */
    public static boolean mayEndTx(Fanout change) {
        ChangeEvent event = change.change();
        return event.tx().known() && event.txLast() && !event.txFirst();
    }

    /** The frame that ends, for this subscription, the transaction of {@code change} (see {@link Offer#END}). */
    public Message txEnd(Fanout change) {
        return change.txEnd(sub);
    }

    /**
     * Queues a frame about this subscription ({@code subscribed}, a snapshot page, {@code reset}) unless it has
     * ended. Decided under the same monitor as {@link #end}, so nothing about a subscription is queued after the
     * answer that ended it.
     */
    public synchronized boolean sendIfCurrent(Outbox outbox, Message frame) {
        return state != State.ENDED && outbox.offer(frame);
    }

    /**
     * Queues a change read from the log during catch-up; true if it was for this subscription and new. One that is not
     * may end a transaction the replay sent part of: then its {@code tx_end} is queued.
     */
    public synchronized boolean replay(Fanout change, Outbox outbox) {
        if (state == State.ENDED) {
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
     * Ends catch-up: releases the held live changes that catch-up did not already supply. A subscription whose held
     * changes were let go stays catching up ({@link GoingLive#catchUpAgain}); one that ended releases nothing.
     */
    public synchronized GoingLive goLive(Outbox outbox) {
        return switch (state) {
            case LIVE, ENDED -> GoingLive.NOTHING;
            case LET_GO -> {
                // Still catching up: what was let go is read from the log after lastSeq, holding anew meanwhile.
                state = State.CATCHING_UP;
                held = new ArrayList<>();
                yield GoingLive.AGAIN;
            }
            case CATCHING_UP -> {
                state = State.LIVE;
                int released = release(outbox);
                held = List.of();
                yield new GoingLive(released, false);
            }
        };
    }

    private int release(Outbox outbox) {
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
        return released;
    }

    /**
     * Goes live after a snapshot: skips every change up to {@code seq} and those in {@code contained} (sorted),
     * which the snapshot holds already.
     */
    public synchronized GoingLive goLiveAfterSnapshot(long seq, long[] contained, Outbox outbox) {
        return goLiveFrom(seq, contained, outbox);
    }

    /**
     * Skips what happened up to {@code seq} (the client reloads instead) and goes live from there, also when the
     * client asked for a point beyond it (a seq from another database).
     */
    public synchronized GoingLive restartAt(long seq, Outbox outbox) {
        return goLiveFrom(seq, new long[0], outbox);
    }

    private GoingLive goLiveFrom(long seq, long[] contained, Outbox outbox) {
        seam.restartAt(seq, contained);
        openTx.forget(); // the client reloads: what it was sent of them no longer matters
        return goLive(outbox);
    }

    /** The last change sent (or skipped as the client's already), where a further catch-up resumes. */
    public synchronized long lastSeq() {
        return seam.lastSeq();
    }

    /** Nothing more is queued for this subscription. */
    public synchronized void end() {
        state = State.ENDED;
        held = List.of();
    }

    public synchronized boolean ended() {
        return state == State.ENDED;
    }

    public synchronized State state() {
        return state;
    }

    /** What operators see of it (a copy, taken under the subscription's monitor). */
    public synchronized SessionInfo.Sub info() {
        return new SessionInfo.Sub(sub, table, filter.text(), state == State.LIVE, seam.lastSeq());
    }

    /** The ids a frame for this subscription alone names: its own, or none for the plain form. */
    public List<String> ids() {
        return ids;
    }

    /** {@link Seam#admit}s the change and notes what it means for its transaction. */
    private boolean admitted(Fanout change) {
        ChangeEvent event = change.change();
        if (!seam.admit(event.seq())) {
            return false;
        }
        if (txEnds) {
            openTx.sent(event);
        }
        return true;
    }

    /**
     * True if the change, not sent to this subscription, ends a transaction it was sent part of, or one the client may
     * have had part of before resuming. Counts the change as handled, so the same change held and replayed ends its
     * transaction once.
     */
    private boolean endsOpenTx(Fanout change) {
        ChangeEvent event = change.change();
        if (!txEnds || !event.tx().known() || !event.txLast() || !seam.admit(event.seq())) {
            return false;
        }
        return openTx.endedBy(event);
    }
}
