package io.plank.listener.feed;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Where this instance's listener got to in the change log, kept in {@code plank.listener_cursor} so that
 * a restarted or redeployed instance carries on from there. Written at most once a second: after a crash
 * the instance hands on up to a second's changes again, which subscribers drop by {@code seq}.
 */
final class ListenerCursor {

    static final long SAVE_INTERVAL_NANOS = 1_000_000_000L;

    private final String instance;
    private long saved = -1;
    private long savedAt;

    ListenerCursor(String instance) {
        this.instance = instance;
    }

    /**
     * The saved position. An instance that never ran starts where the furthest instance on this database got to (a
     * point below which every change was committed and handed on: starting at the log's newest {@code seq} instead
     * could pass a lower one that a transaction still open commits later), or at 0, the whole retained log, on a
     * database no instance has used; and saves it at once, so that the database lists the instance from its start.
     */
    long load(Connection connection) throws SQLException {
        try (var statement = connection.prepareStatement("""
                SELECT (SELECT seq FROM plank.listener_cursor WHERE instance = ?),
                       COALESCE((SELECT max(seq) FROM plank.listener_cursor), 0)""")) {
            statement.setString(1, instance);
            try (var result = statement.executeQuery()) {
                result.next();
                long own = result.getLong(1);
                boolean known = !result.wasNull();
                long position = known ? own : result.getLong(2);
                if (known) {
                    saved = position;
                    savedAt = System.nanoTime();
                } else {
                    save(connection, position);
                }
                return position;
            }
        }
    }

    /** Saves {@code seq} if it moved and the last save is a second old. */
    void saveIfDue(Connection connection, long seq) throws SQLException {
        if (seq != saved && System.nanoTime() - savedAt >= SAVE_INTERVAL_NANOS) {
            save(connection, seq);
        }
    }

    void save(Connection connection, long seq) throws SQLException {
        try (var statement = connection.prepareStatement("""
                INSERT INTO plank.listener_cursor (instance, seq) VALUES (?, ?)
                ON CONFLICT (instance) DO UPDATE SET seq = excluded.seq, updated_at = now()""")) {
            statement.setString(1, instance);
            statement.setLong(2, seq);
            statement.executeUpdate();
        }
        saved = seq;
        savedAt = System.nanoTime();
    }
}
