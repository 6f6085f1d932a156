package io.plank.web.socket.fanout;

import java.util.Arrays;

import io.plank.domain.change.ChangeEvent;

/**
 * Where a subscription's stream stands: the last change sent, or skipped as one the client has already, and after a
 * snapshot the changes it contains. A change is admitted once, in seq order, which makes the seam between a catch-up
 * and the live stream exact. Guarded by the subscription's monitor.
 */
final class Seam {

    private long lastSeq;
    /** Sorted seqs of changes after {@link #lastSeq} that a snapshot already contains; forgotten once passed. */
    private long[] contained = new long[0];

    Seam(long lastSeq) {
        this.lastSeq = lastSeq;
    }

    /** True, advancing the seam, if the change is new to the client; changes without seq (ephemeral) always are. */
    boolean admit(long seq) {
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

    /** The client has everything up to {@code seq}, and the changes in {@code contained} (sorted) after it. */
    void restartAt(long seq, long[] contained) {
        this.lastSeq = seq;
        this.contained = contained;
    }

    long lastSeq() {
        return lastSeq;
    }
}
