package io.plank.listener.management;

/** {@code io.plank:type=ChangeLog}: the change log's size and retention, and "prune now". */
public interface ChangeLogMXBean {

    long getNewestSeq();

    /** The oldest entry kept: how far back clients can resume (0 when the log is empty). */
    long getOldestSeq();

    /** When the oldest entry kept was logged (ISO-8601), or null when the log is empty. */
    String getOldestAt();

    /** The highest seq retention has removed: a client resuming from before it gets {@code reset}. */
    long getPrunedThrough();

    /** PostgreSQL's running estimate. */
    long getApproximateRows();

    long getBytes();

    /** {@code plank.log.retention-minutes}. */
    long getRetentionMinutes();

    /** {@code plank.log.max-rows}. */
    long getMaxRows();

    /** Prunes what is due now, as the once-a-minute timer does; returns how many entries went (-1: it failed, see the log). */
    long pruneNow();
}
