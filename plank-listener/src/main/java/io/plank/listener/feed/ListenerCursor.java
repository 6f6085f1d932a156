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

    /** The saved position, or 0 (the whole retained log) for an instance that never ran. */
    long load(Connection connection) throws SQLException {
        try (var statement = connection.prepareStatement("SELECT seq FROM plank.listener_cursor WHERE instance = ?")) {
            statement.setString(1, instance);
            try (var result = statement.executeQuery()) {
                saved = result.next() ? result.getLong(1) : 0;
                savedAt = System.nanoTime();
                return saved;
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
