package io.plank.listener.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGNotification;

import io.plank.testsupport.db.FreshDatabase;

/** The cases of pgjdbc's NotifyTest, on the connection the listener opens. */
@Timeout(15)
class ListenConnectionTest {

    @RegisterExtension
    static final FreshDatabase database = FreshDatabase.empty();

    private ListenConnection listener;
    private Connection sender;

    @BeforeEach
    void connect() throws SQLException {
        listener = ListenConnection.open(Notifications.settings(database), ListenerSettings.defaults());
        sender = database.connection();
    }

    @AfterEach
    void disconnect() throws SQLException {
        listener.close();
    }

    @Test
    void nothingPending() throws SQLException {
        assertEquals(0, listener.await(200).length);
    }

    @Test
    void alreadyPendingBeforeTheWait() throws SQLException {
        Notifications.send(sender, "one");
        Notifications.send(sender, "two");
        assertEquals(List.of("one", "two"), receive(2));
    }

    @Test
    void arrivingDuringTheWait() throws SQLException {
        CompletableFuture.runAsync(() -> {
            try {
                Notifications.send(sender, "later");
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }, CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS));
        PGNotification[] notifications = listener.await(10_000);
        assertEquals(1, notifications.length);
        assertEquals("later", notifications[0].getParameter());
        assertEquals(ListenConnection.CHANNEL, notifications[0].getName());
    }

    @Test
    void closeFromAnotherThreadEndsTheWaitPromptly() {
        var wait = CompletableFuture.supplyAsync(() -> {
            try {
                return listener.await(60_000);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        CompletableFuture.runAsync(listener::close, CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS));
        var failure = assertThrows(ExecutionException.class, () -> wait.get(5, TimeUnit.SECONDS));
        assertInstanceOf(SQLException.class, failure.getCause().getCause());
    }

    @Test
    void ownAutocommitConnectionNamedForPgStatActivity() throws SQLException {
        try (var statement = sender.createStatement();
             var result = statement.executeQuery("SELECT count(*) FROM pg_stat_activity"
                     + " WHERE application_name = 'plank-listener' AND datname = current_database() AND state = 'idle'")) {
            result.next();
            assertEquals(1, result.getInt(1));
        }
    }

    @Test
    void livenessCheckFailsOnceTheBackendIsGone() throws SQLException {
        roundTrip();
        assertEquals(1, Notifications.terminateListener(sender));
        assertThrows(SQLException.class, () -> {
            listener.await(1_000);
            roundTrip();
        });
    }

    /** What the loop does when a wait comes back empty: a statement on the listening session. */
    private void roundTrip() throws SQLException {
        try (var statement = listener.jdbc().createStatement()) {
            statement.execute("SELECT 1");
        }
    }

    private List<String> receive(int count) throws SQLException {
        var payloads = new ArrayList<String>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (payloads.size() < count && System.nanoTime() < deadline) {
            for (PGNotification notification : listener.await(500)) {
                payloads.add(notification.getParameter());
            }
        }
        return payloads;
    }
}
