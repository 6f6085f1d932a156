package io.plank.systemtests;

import static io.plank.systemtests.Changes.assertChange;
import static io.plank.systemtests.Changes.change;
import static io.plank.systemtests.Changes.insertWithJdbc;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Readiness follows the LISTEN connection: DOWN while it is lost, UP again once the listener is back. */
@ExtendWith(PlankExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ReadinessIT {

    private static final Duration DOWN_WITHIN = Duration.ofSeconds(30);
    private static final Duration UP_WITHIN = Duration.ofSeconds(60);

    @Test
    void readinessGoesDownAndBackUpAroundListenerConnectionKill(RunningPlank plank) throws SQLException {
        Poll.until("readiness before the kill", UP_WITHIN, () -> Api.status(plank.readinessUrl()), 200);

        // A database cannot refuse connections to itself, so this talks to the server's postgres database.
        try (Connection admin = plank.connectToMaintenanceDatabase()) {
            String database = plank.databaseName();
            execute(admin, "ALTER DATABASE " + database + " ALLOW_CONNECTIONS false");
            try {
                int killed = terminateListener(admin, database);
                assertTrue(killed > 0, "no backend with application_name 'plank-listener' on " + database
                        + " (the listener must set ApplicationName=plank-listener on its connection)");
                Poll.until("readiness with the listener's connection gone", DOWN_WITHIN,
                        () -> Api.status(plank.readinessUrl()), 503, () -> readiness(plank));
            } finally {
                execute(admin, "ALTER DATABASE " + database + " ALLOW_CONNECTIONS true");
            }
            Poll.until("readiness once connections are allowed again", UP_WITHIN,
                    () -> Api.status(plank.readinessUrl()), 200, () -> readiness(plank));

            String name = "after-kill-" + UUID.randomUUID();
            try (var client = SocketClient.subscribedTo(plank, "items"); var connection = plank.connect()) {
                long id = insertWithJdbc(connection, name, 42);
                assertChange(client.await("INSERT of row " + id + " after the reconnect", change("INSERT", id)), "INSERT", id, name);
            }
        }
    }

    private static String readiness(RunningPlank plank) {
        return "(" + plank.readinessUrl() + " says " + Api.get(plank.readinessUrl()).body() + ")";
    }

    private static int terminateListener(Connection admin, String database) throws SQLException {
        try (var terminate = admin.prepareStatement("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) "
                + "FROM pg_stat_activity WHERE datname = ? AND application_name = 'plank-listener'")) {
            terminate.setString(1, database);
            try (var rows = terminate.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        }
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (var statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
