package io.plank.client.consumer;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.regex.Pattern;

/**
 * The consumers' positions in the service's own database: one row per (consumer name, table), created with its
 * table when missing. The row is what makes handling exactly once: {@link #lockAndCheck} locks it inside the
 * handler's transaction and refuses to go on unless it still holds the position this instance started from.
 */
final class Positions {

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");

    private final String table;
    private final String consumer;
    private final String consumedTable;

    Positions(String table, String consumer, String consumedTable) {
        if (!NAME.matcher(table).matches()) {
            throw new IllegalArgumentException("Not a table name: " + table);
        }
        this.table = table;
        this.consumer = consumer;
        this.consumedTable = consumedTable;
    }

    /** The stored position, the row (and its table) made first with {@code initial} when missing. */
    long read(Connection db, long initial) throws SQLException {
        for (int attempt = 0; ; attempt++) {
            try (var statement = db.createStatement()) {
                statement.execute("CREATE TABLE IF NOT EXISTS " + table + " (consumer text NOT NULL, table_name text NOT NULL,"
                        + " seq bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (consumer, table_name))");
                break;
            } catch (SQLException e) {
                // Two instances creating the table at once: the loser's IF NOT EXISTS meets the winner's catalog row.
                if (attempt > 0 || !("23505".equals(e.getSQLState()) || "42P07".equals(e.getSQLState()))) {
                    throw e;
                }
            }
        }
        try (var insert = db.prepareStatement("INSERT INTO " + table + " (consumer, table_name, seq) VALUES (?, ?, ?)"
                + " ON CONFLICT (consumer, table_name) DO NOTHING")) {
            insert.setString(1, consumer);
            insert.setString(2, consumedTable);
            insert.setLong(3, initial);
            insert.executeUpdate();
        }
        try (var select = db.prepareStatement("SELECT seq FROM " + table + " WHERE consumer = ? AND table_name = ?")) {
            select.setString(1, consumer);
            select.setString(2, consumedTable);
            try (var rows = select.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    /**
     * Locks the row for the rest of {@code db}'s transaction; true if it still holds {@code expected}. Another instance
     * that advanced it meanwhile makes this false: the caller rolls back instead of handling the changes again.
     */
    boolean lockAndCheck(Connection db, long expected) throws SQLException {
        try (var select = db.prepareStatement("SELECT seq FROM " + table + " WHERE consumer = ? AND table_name = ? FOR UPDATE")) {
            select.setString(1, consumer);
            select.setString(2, consumedTable);
            try (var rows = select.executeQuery()) {
                return rows.next() && rows.getLong(1) == expected;
            }
        }
    }

    void advance(Connection db, long position) throws SQLException {
        try (var update = db.prepareStatement("UPDATE " + table + " SET seq = ?, updated_at = now() WHERE consumer = ? AND table_name = ?")) {
            update.setLong(1, position);
            update.setString(2, consumer);
            update.setString(3, consumedTable);
            update.executeUpdate();
        }
    }

    /**
     * Tries to become the active instance: a session-level advisory lock on {@code db}, held until it is released or
     * the session ends (a crashed instance's lock goes with its connection).
     */
    boolean tryLead(Connection db) throws SQLException {
        return advisoryLock(db, "pg_try_advisory_lock");
    }

    /**
     * Gives the lock back, before its connection goes back to a pool: a pooled session outlives the consumer's use of
     * it, and with it a lock never released (after an undeployment, every instance would stand by for good).
     */
    void stepDown(Connection db) throws SQLException {
        advisoryLock(db, "pg_advisory_unlock");
    }

    private boolean advisoryLock(Connection db, String function) throws SQLException {
        try (var lock = db.prepareStatement("SELECT " + function + "(hashtext(?), hashtext(?))")) {
            lock.setString(1, "plank-consumer:" + table);
            lock.setString(2, consumer + "/" + consumedTable);
            try (var rows = lock.executeQuery()) {
                rows.next();
                return rows.getBoolean(1);
            }
        }
    }
}
