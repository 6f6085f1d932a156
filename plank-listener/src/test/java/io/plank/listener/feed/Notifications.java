package io.plank.listener.feed;

import java.sql.Connection;
import java.sql.SQLException;

import io.plank.persistence.db.DatabaseSettings;
import io.plank.testsupport.db.FreshDatabase;
import io.plank.testsupport.db.TestDatabase;

/** Sends NOTIFY from a second connection, as pgjdbc's NotifyTest does, and builds ephemeral changes' payloads. */
final class Notifications {

    private Notifications() {
    }

    static DatabaseSettings settings(TestDatabase database) {
        return new DatabaseSettings(database.url(), database.user(), database.password());
    }

    static DatabaseSettings settings(FreshDatabase database) {
        return settings(database.get());
    }

    static void send(Connection sender, String payload) throws SQLException {
        try (var statement = sender.prepareStatement("SELECT pg_notify('plank_changes', ?)")) {
            statement.setString(1, payload);
            statement.execute();
        }
    }

    /** An INSERT into items as the capture trigger announces it in ephemeral mode. */
    static String frame(long id) {
        return "{\"table\" : \"items\", \"action\" : \"INSERT\", \"id\" : " + id
                + ", \"data\" : {\"id\": " + id + ", \"name\": \"n" + id + "\"}, \"at\" : 1795000000000000}";
    }

    /** Terminates the listener's backend, found the way an operator would: by application name. */
    static int terminateListener(Connection admin) throws SQLException {
        try (var statement = admin.createStatement();
             var result = statement.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                     + " WHERE application_name = 'plank-listener' AND datname = current_database()")) {
            result.next();
            return result.getInt(1);
        }
    }
}
