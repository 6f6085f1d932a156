package io.plank.bench.endtoend;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Properties;

/**
 * The benchmark's one writer: an autocommit INSERT into {@code items} per change, with plain JDBC, the row's name
 * carrying the tag {@code b<run>-<k>}. The instant returned is just after the INSERT returned, i.e. after
 * PostgreSQL acknowledged the commit; latencies are measured from there. The session runs with
 * {@code synchronous_commit = off} unless {@code -Dplank.bench.synchronous-commit} says otherwise.
 */
final class JdbcWriter implements ChangeSource {

    private final Connection connection;
    private final PreparedStatement insert;

    JdbcWriter(String url, String user, String password) throws SQLException {
        var credentials = new Properties();
        credentials.setProperty("user", user);
        credentials.setProperty("password", password);
        credentials.setProperty("ApplicationName", "plank-e2e-writer");
        connection = DriverManager.getConnection(url, credentials);
        connection.setAutoCommit(true);
        // Off by default: the commit still happens (and a trigger's NOTIFY goes out) at once; only the wait for the WAL
        // flush is skipped, which on a machine whose disk others share took 2-3 ms a commit and kept one writer from
        // holding 1,000/s. Logical capture reads only flushed WAL, so an asynchronous commit reaches it when the WAL
        // writer flushes: measure it with -Dplank.bench.synchronous-commit=on, as most applications commit.
        try (var statement = connection.prepareStatement("SELECT set_config('synchronous_commit', ?, false)")) {
            statement.setString(1, System.getProperty("plank.bench.synchronous-commit", "off"));
            statement.execute();
        }
        insert = connection.prepareStatement("INSERT INTO items(name, value) VALUES (?, 1)");
    }

    @Override
    public long write(int run, int k) throws SQLException {
        insert.setString(1, "b" + run + "-" + k);
        insert.executeUpdate();
        return System.nanoTime();
    }

    /**
     * Keeps the table small between runs. Each client gets one TRUNCATE frame for it, before the run is recorded; it
     * names no row, so it is counted neither as a change of the run nor as stale.
     */
    @Override
    public void prepare() throws SQLException {
        try (var statement = connection.createStatement()) {
            statement.execute("TRUNCATE items");
        }
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
