package io.plank.listener.feed;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import io.plank.persistence.db.DatabaseSettings;

/**
 * The listener's own physical connection, LISTENing on {@value #CHANNEL} (ephemeral tables: the frame is the
 * payload), {@value #LOG_CHANNEL} (durable tables: an empty wake-up, the changes are in the change log), and
 * {@value #ACCESS_CHANNEL} and {@value #CATALOG_CHANNEL} (what changed under open streams besides rows).
 *
 * <p>Not pooled and outside JTA: {@code getNotifications} returns at once inside a transaction, and pools
 * reclaim connections held this long. Autocommit, so LISTEN takes effect as soon as it runs.
 */
final class ListenConnection implements AutoCloseable {

    static final String APPLICATION_NAME = "plank-listener";
    static final String CHANNEL = "plank_changes";
    static final String LOG_CHANNEL = "plank_log";
    /** The stored grants or row bindings changed (V8). */
    static final String ACCESS_CHANNEL = "plank_access";
    /** DDL that may touch a captured table, or a table captured or released (V7, V8). */
    static final String CATALOG_CHANNEL = "plank_catalog";

    private static final Logger LOG = Logger.getLogger(ListenConnection.class.getName());

    private final Connection connection;
    private final PGConnection pg;
    private final boolean fastReads;

    private ListenConnection(Connection connection, boolean fastReads) throws SQLException {
        this.connection = connection;
        this.pg = connection.unwrap(PGConnection.class);
        this.fastReads = fastReads;
    }

    static ListenConnection open(DatabaseSettings database, ListenerSettings settings) throws SQLException {
        return open(database, settings, true);
    }

    /** With {@code fastReads} false, pgjdbc's own read behaviour: for tests that compare the two. */
    static ListenConnection open(DatabaseSettings database, ListenerSettings settings, boolean fastReads) throws SQLException {
        var dataSource = database.unpooled(APPLICATION_NAME);
        dataSource.setConnectTimeout(Math.max(1, (settings.checkTimeoutMs() + 999) / 1000));
        dataSource.setTcpKeepAlive(true);
        Connection connection = dataSource.getConnection();
        try {
            connection.setAutoCommit(true);
            // Bounds every statement on this connection (LISTEN, the liveness check); getNotifications sets
            // its own timeout for the wait and restores this one afterwards.
            connection.setNetworkTimeout(Runnable::run, settings.checkTimeoutMs());
            boolean fast = fastReads && FastNotificationReads.apply(connection);
            try (var statement = connection.createStatement()) {
                statement.execute("LISTEN " + CHANNEL);
                statement.execute("LISTEN " + LOG_CHANNEL);
                statement.execute("LISTEN " + ACCESS_CHANNEL);
                statement.execute("LISTEN " + CATALOG_CHANNEL);
            }
            return new ListenConnection(connection, fast);
        } catch (SQLException | RuntimeException e) {
            closeQuietly(connection);
            throw e;
        }
    }

    /** Waits up to {@code timeoutMs} for notifications; an empty array when none came. */
    PGNotification[] await(int timeoutMs) throws SQLException {
        return pg.getNotifications(timeoutMs);
    }

    /** The JDBC connection, for reading the change log on the same session (each read doubles as the liveness check). */
    Connection jdbc() {
        return connection;
    }

    boolean fastReads() {
        return fastReads && FastNotificationReads.isActive(connection);
    }

    /** Safe from any thread: a wait blocked in {@link #await} fails at once with a connection error. */
    @Override
    public void close() {
        closeQuietly(connection);
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.log(Level.FINE, "Closing the LISTEN connection failed; it is discarded anyway", e);
        }
    }
}
