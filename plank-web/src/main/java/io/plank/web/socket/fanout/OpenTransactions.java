package io.plank.web.socket.fanout;

import java.util.Arrays;

import io.plank.domain.change.ChangeEvent;

/**
 * The transactions a subscription that asked for {@code tx_end} frames was sent some changes of, not yet their last
 * (few at a time: concurrent writers), so that when a transaction's last change passes its filter by, it is owed a
 * {@code tx_end} instead (see {@link Subscription}). Guarded by the subscription's monitor.
 */
final class OpenTransactions {

    private long[] open = new long[0];
    private int count;
    /** The {@code since} of a resume: the client may hold changes of transactions begun up to here. */
    private long resumedAfter;

    OpenTransactions(long resumedAfter) {
        this.resumedAfter = resumedAfter;
    }

    /** Notes a change sent to the subscription: its transaction is open until its last change. */
    void sent(ChangeEvent change) {
        if (!change.inSharedTx()) {
            return;
        }
        if (change.txLast()) {
            close(change.tx().id());
        } else {
            open(change.tx().id());
        }
    }

    /**
     * True if {@code last}, a transaction's last change not sent to the subscription, ends one it was sent part of
     * (which is forgotten now), or one the client may have had part of before resuming.
     */
    boolean endedBy(ChangeEvent last) {
        return close(last.tx().id()) || !last.txFirst() && last.tx().firstSeq() <= resumedAfter;
    }

    /** The client reloads (a snapshot, a reset): what it was sent of any transaction no longer matters. */
    void forget() {
        count = 0;
        resumedAfter = 0;
    }

    private void open(long tx) {
        for (int i = 0; i < count; i++) {
            if (open[i] == tx) {
                return;
            }
        }
        if (count == open.length) {
            open = Arrays.copyOf(open, Math.max(4, open.length * 2));
        }
        open[count++] = tx;
    }

    private boolean close(long tx) {
        for (int i = 0; i < count; i++) {
            if (open[i] == tx) {
                open[i] = open[--count];
                return true;
            }
        }
        return false;
    }
}
