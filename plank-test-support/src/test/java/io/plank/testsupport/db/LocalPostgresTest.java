package io.plank.testsupport.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;

import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * PostgreSQL from the binaries on the class path, as the run command starts it where none answers: it comes up (under
 * root, as nobody), takes connections, keeps its data when stopped and started again, and stops.
 */
class LocalPostgresTest {

    @Test
    void startsKeepsItsDataAcrossARestartAndStops() throws Exception {
        Path dir = Path.of("target", "local-postgres-test").toAbsolutePath();
        int port;
        try (var socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        try (var postgres = LocalPostgres.start(dir, port)) {
            assertTrue(LocalPostgres.answers(port));
            try (Connection connection = connect(postgres, "postgres"); var statement = connection.createStatement()) {
                statement.execute("DROP DATABASE IF EXISTS kept");
                statement.execute("CREATE DATABASE kept");
            }
        }
        assertFalse(LocalPostgres.answers(port), "stopped");

        try (var postgres = LocalPostgres.start(dir, port); Connection connection = connect(postgres, "kept");
             var result = connection.createStatement().executeQuery("SELECT current_database(), version()")) {
            result.next();
            assertEquals("kept", result.getString(1), "the database made before the restart");
            assertTrue(result.getString(2).startsWith("PostgreSQL 16"), result.getString(2));
        }
    }

    private static Connection connect(LocalPostgres postgres, String database) throws SQLException {
        var source = new PGSimpleDataSource();
        source.setURL(postgres.url(database));
        source.setUser("postgres");
        return source.getConnection();
    }
}
