package io.plank.persistence.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.ds.PGSimpleDataSource;

import io.plank.testsupport.db.FreshDatabase;

/**
 * A pooled connection whose server session dies (as when PostgreSQL restarts) is usable again and loses no
 * transaction silently; and the driver's real connection errors, wrapped as servers and JPA providers wrap them,
 * are told from every other error.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConnectionLossTest {

    @RegisterExtension
    static final FreshDatabase database = FreshDatabase.empty();

    @Test
    void aTerminatedSessionFailsOnceThenTheConnectionWorksAgain() throws SQLException {
        try (Connection connection = ReconnectingConnection.open(database.dataSource())) {
            int before = backendPid(connection);
            terminate(before);

            var failure = assertThrows(SQLException.class, () -> backendPid(connection), "the call that meets the dead session fails");
            assertTrue(ConnectionFailures.isConnectionFailure(failure), failure.getSQLState());
            assertTrue(ConnectionFailures.causedByConnectionFailure(new RuntimeException(failure)));

            int after = backendPid(connection);
            assertTrue(after != before, "a new server session serves the next use");
            assertFalse(connection.isClosed());
        }
    }

    @Test
    void aConnectionThatDiedWhileIdleIsReplacedBeforeItsNextUse() throws Exception {
        try (Connection connection = ReconnectingConnection.open(database.dataSource())) {
            int before = backendPid(connection);
            terminate(before);
            Thread.sleep(ReconnectingConnection.IDLE_CHECK_MILLIS + 50); // idle, as in a pool after a restart

            int after = backendPid(connection);
            assertNotEquals(before, after, "no call fails: the idle connection is checked and replaced first");
        }
    }

    @Test
    void aLostTransactionIsNeverContinuedOnTheFreshConnection() throws SQLException {
        try (Connection connection = ReconnectingConnection.open(database.dataSource())) {
            execute(connection, "CREATE TABLE IF NOT EXISTS lost_tx (id int PRIMARY KEY)");
            execute(connection, "TRUNCATE lost_tx");
            connection.setAutoCommit(false);
            execute(connection, "INSERT INTO lost_tx VALUES (1)");
            terminate(backendPid(connection));
            assertThrows(SQLException.class, () -> execute(connection, "INSERT INTO lost_tx VALUES (2)"));

            var next = assertThrows(SQLException.class, () -> execute(connection, "INSERT INTO lost_tx VALUES (3)"),
                    "a later statement of the lost transaction must not run, and commit, on a new session");
            assertEquals("08003", next.getSQLState());
            var commit = assertThrows(SQLException.class, connection::commit, "the transaction did not commit");
            assertEquals("08006", commit.getSQLState());

            connection.rollback(); // what a pool does after a failure: nothing to undo, no error
            execute(connection, "INSERT INTO lost_tx VALUES (4)");
            connection.commit();
            try (var admin = database.connect(); var statement = admin.createStatement();
                 var rows = statement.executeQuery("SELECT array_agg(id ORDER BY id)::text FROM lost_tx")) {
                rows.next();
                assertEquals("{4}", rows.getString(1), "only the transaction after the loss committed");
            }
        }
    }

    @Test
    void theFreshConnectionKeepsThePoolsSettings() throws SQLException {
        try (Connection connection = ReconnectingConnection.open(database.dataSource())) {
            connection.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
            connection.setReadOnly(true);
            connection.setAutoCommit(false);
            terminate(backendPid(connection));
            assertThrows(SQLException.class, () -> backendPid(connection));
            connection.rollback();

            try (var statement = connection.createStatement();
                 var rows = statement.executeQuery("SELECT current_setting('transaction_isolation'), "
                         + "current_setting('transaction_read_only')")) {
                rows.next();
                assertEquals("serializable", rows.getString(1));
                assertEquals("on", rows.getString(2));
            }
            assertFalse(connection.getAutoCommit());
            connection.rollback();
        }
    }

    @Test
    void aFailedReopenReachesEveryCallAsAnExceptionItDeclares() throws SQLException {
        var opened = new AtomicBoolean();
        Connection connection = ReconnectingConnection.open(
                () -> opened.getAndSet(true) ? refused().getConnection() : database.dataSource().getConnection());
        terminate(backendPid(connection));
        assertThrows(SQLException.class, () -> backendPid(connection));

        // The pool resets client info when a connection comes back; the method declares SQLClientInfoException only.
        var clientInfo = assertThrows(SQLClientInfoException.class, () -> connection.setClientInfo("ApplicationName", "x"));
        assertTrue(ConnectionFailures.isConnectionFailure(clientInfo), clientInfo.getSQLState());
        var statement = assertThrows(SQLException.class, connection::createStatement);
        assertTrue(ConnectionFailures.isConnectionFailure(statement), statement.getSQLState());
        connection.close();
    }

    @Test
    void ordinaryErrorsKeepTheConnection() throws SQLException {
        try (Connection connection = ReconnectingConnection.open(database.dataSource())) {
            int pid = backendPid(connection);
            assertThrows(SQLException.class, () -> connection.createStatement().execute("SELECT no_such_column FROM pg_class"));
            assertEquals(pid, backendPid(connection), "a syntax or data error is not a reason to reconnect");
        }
    }

    @Test
    void aRefusedConnectionIsOneHoweverDeepItIsWrapped() {
        SQLException driver = assertThrows(SQLException.class, refused()::getConnection);

        assertTrue(ConnectionFailures.isConnectionFailure(driver), driver.getSQLState());
        assertTrue(ConnectionFailures.causedByConnectionFailure(new RuntimeException("JPA", new IllegalStateException("pool", driver))));
        var pool = new SQLException("Error in allocating a connection");
        pool.setNextException(driver);
        assertTrue(ConnectionFailures.causedByConnectionFailure(new RuntimeException(pool)), "chained as next exception");
    }

    @Test
    void otherDatabaseErrorsAreNotConnectionFailures() throws SQLException {
        try (var connection = database.connect()) {
            SQLException bad = assertThrows(SQLException.class, () -> connection.createStatement().execute("SELECT no_such_column"));
            assertFalse(ConnectionFailures.causedByConnectionFailure(new RuntimeException(bad)), bad.getSQLState());
        }
        var first = new RuntimeException("a");
        var second = new RuntimeException("b", first);
        first.initCause(second); // a cycle of causes ends the walk
        assertFalse(ConnectionFailures.causedByConnectionFailure(second));
    }

    private static int backendPid(Connection connection) throws SQLException {
        try (var statement = connection.createStatement(); var result = statement.executeQuery("SELECT pg_backend_pid()")) {
            result.next();
            return result.getInt(1);
        }
    }

    /** A data source whose every connection is refused, as while PostgreSQL is down. */
    private static PGSimpleDataSource refused() {
        var refused = new PGSimpleDataSource();
        refused.setUrl("jdbc:postgresql://127.0.0.1:1/none");
        refused.setConnectTimeout(2);
        return refused;
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (var statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static void terminate(int pid) throws SQLException {
        try (var admin = database.connect(); var statement = admin.createStatement()) {
            statement.execute("SELECT pg_terminate_backend(" + pid + ")");
        }
    }
}
