package io.plank.listener.retention;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

/**
 * Deletes change-log entries older than the retention age, and the oldest beyond the row limit, in small
 * batches of short transactions: writers only ever insert new entries and never wait for the pruner.
 * Records the highest pruned {@code seq} in {@code plank.log_retention}, so a client resuming from before
 * it is told to reload instead of silently missing changes.
 */
public final class LogPruner {

    static final int BATCH = 5_000;

    private final Duration maxAge;
    private final long maxRows;

    public LogPruner(Duration maxAge, long maxRows) {
        if (maxAge.isNegative() || maxAge.isZero() || maxRows < 1) {
            throw new IllegalArgumentException("retention must be positive: " + maxAge + ", " + maxRows + " rows");
        }
        this.maxAge = maxAge;
        this.maxRows = maxRows;
    }

    /** The advisory lock that makes one instance at a time prune a database's log ("plank" and 1). */
    static final long LOCK = 0x706c616e6b01L;

    /**
     * Prunes unless another instance is pruning this database now (holding {@link #LOCK}), in which case it returns 0
     * at once: retention runs once per database however many instances run it.
     */
    public long pruneUnlessRunning(Connection connection) throws SQLException {
        connection.setAutoCommit(true);
        if (!advisory(connection, "pg_try_advisory_lock")) {
            return 0;
        }
        try {
            return prune(connection);
        } finally {
            advisory(connection, "pg_advisory_unlock");
        }
    }

    private static boolean advisory(Connection connection, String function) throws SQLException {
        try (var statement = connection.prepareStatement("SELECT " + function + "(?)")) {
            statement.setLong(1, LOCK);
            try (var result = statement.executeQuery()) {
                return result.next() && result.getBoolean(1);
            }
        }
    }

    /** Prunes until nothing is due; returns the number of entries deleted. */
    public long prune(Connection connection) throws SQLException {
        connection.setAutoCommit(true);
        long deleted = 0;
        int batch;
        do {
            batch = deleteBatch(connection);
            deleted += batch;
        } while (batch == BATCH);
        return deleted;
    }

    private int deleteBatch(Connection connection) throws SQLException {
        // One statement, one short transaction: pick the batch (too old, or beyond the newest maxRows),
        // delete it, and move the watermark up to the highest seq deleted.
        try (var statement = connection.prepareStatement("""
                WITH doomed AS (
                    SELECT seq FROM plank.change_log
                    WHERE changed_at < now() - make_interval(secs => ?)
                       OR seq <= (SELECT COALESCE(max(seq), 0) FROM plank.change_log) - ?
                    ORDER BY seq
                    LIMIT ?
                ), gone AS (
                    DELETE FROM plank.change_log l USING doomed d WHERE l.seq = d.seq RETURNING l.seq
                )
                UPDATE plank.log_retention
                SET pruned_through = GREATEST(pruned_through, (SELECT max(seq) FROM gone))
                WHERE (SELECT count(*) FROM gone) > 0
                RETURNING (SELECT count(*) FROM gone)""")) {
            statement.setDouble(1, maxAge.toMillis() / 1000.0);
            statement.setLong(2, maxRows);
            statement.setInt(3, BATCH);
            try (var result = statement.executeQuery()) {
                return result.next() ? result.getInt(1) : 0;
            }
        }
    }
}
