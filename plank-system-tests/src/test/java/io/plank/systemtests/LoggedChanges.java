package io.plank.systemtests;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.plank.testsupport.wait.Eventually;

/**
 * What the database says was committed to {@code items}: {@code plank.change_log} and the rows themselves. The
 * truth that delivery tests compare frames against.
 */
final class LoggedChanges {

    /** One logged change of {@code items}: its seq, action, row id and the row's version after (or, for DELETE, before) it. */
    record Entry(long seq, String action, long id, int version) {
    }

    private LoggedChanges() {
    }

    /** The logged changes of {@code items} with {@code after < seq <= through}, in seq order. */
    static List<Entry> between(Connection db, long after, long through) throws SQLException {
        try (var query = db.prepareStatement("""
                SELECT seq, action, (key #>> '{}')::bigint, (COALESCE(new_row, old_row) ->> 'version')::int
                FROM plank.change_log WHERE table_name = 'items' AND seq > ? AND seq <= ? ORDER BY seq""")) {
            query.setLong(1, after);
            query.setLong(2, through);
            return entries(query);
        }
    }

    /** Every logged change of the rows {@code ids}, in seq order. */
    static List<Entry> ofRows(Connection db, Collection<Long> ids) throws SQLException {
        try (var query = db.prepareStatement("""
                SELECT seq, action, (key #>> '{}')::bigint, (COALESCE(new_row, old_row) ->> 'version')::int
                FROM plank.change_log WHERE table_name = 'items' AND (key #>> '{}')::bigint = ANY (?) ORDER BY seq""")) {
            query.setArray(1, db.createArrayOf("bigint", ids.toArray()));
            return entries(query);
        }
    }

    /** The highest seq logged for any table, 0 for an empty log. */
    static long newestSeq(Connection db) throws SQLException {
        return single(db, "SELECT COALESCE(max(seq), 0) FROM plank.change_log");
    }

    /** The versions the rows {@code ids} have now; rows that no longer exist are missing from the map. */
    static Map<Long, Integer> versions(Connection db, Collection<Long> ids) throws SQLException {
        try (var query = db.prepareStatement("SELECT id, version FROM items WHERE id = ANY (?)")) {
            query.setArray(1, db.createArrayOf("bigint", ids.toArray()));
            Map<Long, Integer> versions = new HashMap<>();
            try (var rows = query.executeQuery()) {
                while (rows.next()) {
                    versions.put(rows.getLong(1), rows.getInt(2));
                }
            }
            return versions;
        }
    }

    /**
     * Inserts a row after the writers have stopped and returns the seq of its INSERT: every change a test made
     * comes before it, so a client that received it has received everything it is owed.
     */
    static long insertSentinel(Connection db) throws SQLException {
        long id = Changes.insertWithJdbc(db, "sentinel", 0);
        // Logged with the write under the trigger method; a moment after its commit under logical decoding.
        return Eventually.until("the INSERT of row " + id + " in plank.change_log", Duration.ofSeconds(10),
                () -> insertSeq(db, id), seq -> seq > 0);
    }

    /** The seq of row {@code id}'s INSERT into items, or 0 while it is not logged. */
    private static long insertSeq(Connection db, long id) {
        try (var query = db.prepareStatement("SELECT seq FROM plank.change_log "
                + "WHERE table_name = 'items' AND action = 'INSERT' AND (key #>> '{}')::bigint = ?")) {
            query.setLong(1, id);
            try (var rows = query.executeQuery()) {
                return rows.next() ? rows.getLong(1) : 0;
            }
        } catch (SQLException e) {
            throw new AssertionError("Could not read plank.change_log", e);
        }
    }

    /**
     * Does what LogPruner does to the log, for every entry up to {@code through} at once: deletes them and raises
     * {@code plank.log_retention.pruned_through} to the highest seq deleted. Returns how many were deleted.
     */
    static long prune(Connection db, long through) throws SQLException {
        try (var prune = db.prepareStatement("""
                WITH gone AS (DELETE FROM plank.change_log WHERE seq <= ? RETURNING seq)
                UPDATE plank.log_retention
                SET pruned_through = GREATEST(pruned_through, (SELECT max(seq) FROM gone))
                WHERE (SELECT count(*) FROM gone) > 0
                RETURNING (SELECT count(*) FROM gone)""")) {
            prune.setLong(1, through);
            try (var rows = prune.executeQuery()) {
                return rows.next() ? rows.getLong(1) : 0;
            }
        }
    }

    static long prunedThrough(Connection db) throws SQLException {
        return single(db, "SELECT pruned_through FROM plank.log_retention");
    }

    private static List<Entry> entries(java.sql.PreparedStatement query) throws SQLException {
        List<Entry> entries = new ArrayList<>();
        try (var rows = query.executeQuery()) {
            while (rows.next()) {
                entries.add(new Entry(rows.getLong(1), rows.getString(2), rows.getLong(3), rows.getInt(4)));
            }
        }
        return entries;
    }

    private static long single(Connection db, String sql) throws SQLException {
        try (var statement = db.createStatement(); var rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
