package io.plank.client.consumer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.plank.client.SubscriptionEvent.Change;

/**
 * Groups changes into whole transactions and says when a position may be stored. Transactions interleave in seq
 * order (A at seq 1, B at 2 and ends, A ends at 3): storing B's last seq (2) would make a resume skip A's first change.
 * So transactions are handed on only at a point where none is open; every change up to that point belongs to a
 * transaction that ended, and the last seq seen is a position to resume from with nothing lost or repeated.
 */
final class TransactionAssembler {

    /** Whole transactions in the order they ended, and the position after all of them. */
    record Release(List<List<Change>> transactions, long position) {

        int changes() {
            return transactions.stream().mapToInt(List::size).sum();
        }
    }

    private final Map<Long, List<Change>> open = new LinkedHashMap<>();
    private List<List<Change>> ended = new ArrayList<>();
    private long lastSeq = -1;

    void add(Change change) {
        if (change.seq() == null) {
            throw new IllegalArgumentException("A change without seq: exactly-once needs a durably captured table");
        }
        lastSeq = change.seq();
        if (change.tx() == null) {
            ended.add(List.of(change));
            return;
        }
        var changes = open.computeIfAbsent(change.tx(), tx -> new ArrayList<>());
        changes.add(change);
        if (change.txLast()) {
            ended.add(open.remove(change.tx()));
        }
    }

    /** A {@code tx_end}: the filter dropped the transaction's last change. One this consumer holds nothing of is ignored. */
    void end(long tx) {
        var changes = open.remove(tx);
        if (changes != null) {
            ended.add(changes);
        }
    }

    /** What may be handled now, or null while a transaction is open or nothing ended. */
    Release release() {
        if (!open.isEmpty() || ended.isEmpty()) {
            return null;
        }
        var release = new Release(ended, lastSeq);
        ended = new ArrayList<>();
        return release;
    }

    int held() {
        return open.values().stream().mapToInt(List::size).sum() + ended.stream().mapToInt(List::size).sum();
    }

    void clear() {
        open.clear();
        ended = new ArrayList<>();
    }
}
