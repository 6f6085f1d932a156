package io.plank.persistence.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.plank.testsupport.db.TestDatabase;

/** A pooled connection whose server session dies (as when PostgreSQL restarts) is usable again on its next use. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReconnectingConnectionTest {

    private static TestDatabase database;

    @BeforeAll
    static void create() {
        database = TestDatabase.create();
    }

    @AfterAll
    static void drop() {
        database.close();
    }

    @Test
    void aTerminatedSessionFailsOnceThenTheConnectionWorksAgain() throws SQLException {
        try (Connection connection = ReconnectingConnection.open(database.dataSource())) {
            int before = backendPid(connection);
            terminate(before);

            var failure = assertThrows(SQLException.class, () -> backendPid(connection), "the call that meets the dead session fails");
            assertTrue(ReconnectingConnection.fatal(failure), failure.getSQLState());

            int after = backendPid(connection);
            assertTrue(after != before, "a new server session serves the next use");
            assertFalse(connection.isClosed());
        }
    }

    @Test
    void aLostTransactionDoesNotPretendToCommit() throws SQLException {
        try (Connection connection = ReconnectingConnection.open(database.dataSource())) {
            connection.setAutoCommit(false);
            terminate(backendPid(connection));
            assertThrows(SQLException.class, () -> backendPid(connection));

            connection.rollback(); // what a pool does after a failure: nothing to undo, no error
            var commit = assertThrows(SQLException.class, connection::commit);
            assertEquals("08006", commit.getSQLState());
        }
    }

    @Test
    void ordinaryErrorsKeepTheConnection() throws SQLException {
        try (Connection connection = ReconnectingConnection.open(database.dataSource())) {
            int pid = backendPid(connection);
            assertThrows(SQLException.class, () -> connection.createStatement().execute("SELECT no_such_column FROM pg_class"));
            assertEquals(pid, backendPid(connection), "a syntax or data error is not a reason to reconnect");
        }
    }

    private static int backendPid(Connection connection) throws SQLException {
        try (var statement = connection.createStatement(); var result = statement.executeQuery("SELECT pg_backend_pid()")) {
            result.next();
            return result.getInt(1);
        }
    }

    private static void terminate(int pid) throws SQLException {
        try (var admin = database.connect(); var statement = admin.createStatement()) {
            statement.execute("SELECT pg_terminate_backend(" + pid + ")");
        }
    }
}
