package io.plank.listener.logical;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;
import java.util.logging.Logger;

/**
 * Plank's logical replication slot: named after the database (slots are the whole server's, one per database that
 * Plank captures), created before any table is published, recreated when PostgreSQL invalidated it. A slot that
 * was lost, or is missing although the decoder had logged from it, means changes were never decoded: the hole is
 * marked as pruned, so that a client resuming from before it is told to reload ({@code reset}), as after retention.
 */
public final class ReplicationSlot {

    private static final Logger LOG = Logger.getLogger(ReplicationSlot.class.getName());
    private static final int MAX_NAME = 63;

    private ReplicationSlot() {
    }

    /** {@code configured} when set, else {@code plank_<database>} in the characters a slot name may have. */
    public static String name(Connection connection, String configured) throws SQLException {
        if (configured != null && !configured.isBlank()) {
            return configured.strip();
        }
        String database = single(connection, "SELECT current_database()");
        String name = "plank_" + database.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        return name.length() > MAX_NAME ? name.substring(0, MAX_NAME) : name;
    }

    /** Makes sure the slot exists and is usable; true if it had to be made. Runs in autocommit mode. */
    public static boolean ensure(Connection connection, String slot) throws SQLException {
        String walStatus = walStatus(connection, slot);
        if (walStatus != null && !"lost".equals(walStatus)) {
            return false;
        }
        boolean hole = walStatus != null || !"0/0".equals(single(connection, "SELECT commit_lsn::text FROM plank.decoder_position"));
        if (walStatus != null) {
            execute(connection, "SELECT pg_drop_replication_slot(?)", slot);
        }
        // Waits for transactions running now to end: a slot starts where it sees every later commit whole.
        execute(connection, "SELECT pg_create_logical_replication_slot(?, 'pgoutput')", slot);
        if (hole) {
            // A seq no change will have: clients whose position is below it missed the hole and must reload.
            execute(connection, "UPDATE plank.log_retention SET pruned_through = greatest(pruned_through, nextval('plank.change_seq'))", null);
            execute(connection, "UPDATE plank.decoder_position SET commit_lsn = '0/0', processed_lsn = '0/0'", null);
            LOG.warning(() -> "Replication slot " + slot + " was " + (walStatus == null ? "missing" : "lost (WAL removed, see max_slot_wal_keep_size)")
                    + "; recreated. Changes committed in between were not captured; resuming clients are told to reload");
        } else {
            LOG.info(() -> "Created replication slot " + slot);
        }
        return true;
    }

    /** Drops the slot when it exists and nobody reads it: under the trigger method it would only hold WAL. */
    public static void dropIfIdle(Connection connection, String slot) throws SQLException {
        try (var statement = connection.prepareStatement(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ? AND NOT active")) {
            statement.setString(1, slot);
            try (var result = statement.executeQuery()) {
                if (result.next()) {
                    execute(connection, "UPDATE plank.decoder_position SET commit_lsn = '0/0', processed_lsn = '0/0'", null);
                    LOG.info(() -> "Dropped replication slot " + slot + ": changes are captured by trigger");
                }
            }
        }
    }

    /** How far the slot lags the server's WAL, and whether PostgreSQL still keeps what it needs. */
    public record Lag(long bytes, String walStatus, boolean active) {
    }

    /** The slot's lag, or null if there is no such slot. */
    public static Lag lag(Connection connection, String slot) throws SQLException {
        try (var statement = connection.prepareStatement("""
                SELECT COALESCE(pg_current_wal_lsn() - confirmed_flush_lsn, 0)::bigint, wal_status, active
                FROM pg_replication_slots WHERE slot_name = ?""")) {
            statement.setString(1, slot);
            try (var result = statement.executeQuery()) {
                return result.next() ? new Lag(result.getLong(1), result.getString(2), result.getBoolean(3)) : null;
            }
        }
    }

    private static String walStatus(Connection connection, String slot) throws SQLException {
        try (var statement = connection.prepareStatement("SELECT COALESCE(wal_status, 'reserved') FROM pg_replication_slots WHERE slot_name = ?")) {
            statement.setString(1, slot);
            try (var result = statement.executeQuery()) {
                return result.next() ? result.getString(1) : null;
            }
        }
    }

    private static String single(Connection connection, String sql) throws SQLException {
        try (var statement = connection.createStatement(); var result = statement.executeQuery(sql)) {
            result.next();
            return result.getString(1);
        }
    }

    private static void execute(Connection connection, String sql, String parameter) throws SQLException {
        try (var statement = connection.prepareStatement(sql)) {
            if (parameter != null) {
                statement.setString(1, parameter);
            }
            statement.execute();
        }
    }
}
