package io.plank.systemtests;

import static io.plank.systemtests.Delivery.itemsChangeFrom;
import static io.plank.systemtests.Delivery.seq;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The listener losing its connection while rows are written costs a subscriber that stays connected nothing. */
@ExtendWith(PlankExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ListenerReconnectIT {

    private static final Duration WRITES_WITHIN = Duration.ofSeconds(20);
    private static final Duration RECONNECT_WITHIN = Duration.ofSeconds(20);

    @Test
    void connectedSubscriberGetsEveryChangeOnceAcrossListenerBackendKills(RunningPlank plank) throws SQLException {
        try (var db = plank.connect(); var client = SocketClient.connect(plank)) {
            long start = seq(client.subscribe("items", null));
            try (var writers = Writers.start(plank, 3, 100, Duration.ofSeconds(30))) {
                for (int kill = 1; kill <= 2; kill++) {
                    writers.awaitMore(100, WRITES_WITHIN);
                    List<Integer> killed = listenerBackends(db);
                    assertFalse(killed.isEmpty(), "no backend with application_name 'plank-listener' on " + plank.databaseName());
                    terminate(db, killed);
                    Poll.until("a new plank-listener backend after kill " + kill, RECONNECT_WITHIN,
                            () -> hasListenerOtherThan(db, killed), true);
                }
                writers.awaitMore(100, WRITES_WITHIN);
                List<Writers.Write> written = writers.stop();
                long end = LoggedChanges.insertSentinel(db);
                var frames = client.takeUntil("the sentinel's INSERT, seq " + end, itemsChangeFrom(end));

                Delivery.assertExactlyOnce(db, start, end, List.of(frames), written);
            }
        }
    }

    private static List<Integer> listenerBackends(Connection db) throws SQLException {
        try (var query = db.prepareStatement("SELECT pid FROM pg_stat_activity "
                + "WHERE datname = current_database() AND application_name = 'plank-listener'");
             var rows = query.executeQuery()) {
            List<Integer> pids = new ArrayList<>();
            while (rows.next()) {
                pids.add(rows.getInt(1));
            }
            return pids;
        }
    }

    private static void terminate(Connection db, List<Integer> pids) throws SQLException {
        try (var terminate = db.prepareStatement("SELECT pg_terminate_backend(pid) FROM unnest(?::int[]) AS pid")) {
            terminate.setArray(1, db.createArrayOf("int4", pids.toArray()));
            terminate.execute();
        }
    }

    private static boolean hasListenerOtherThan(Connection db, List<Integer> killed) {
        try {
            return listenerBackends(db).stream().anyMatch(pid -> !killed.contains(pid));
        } catch (SQLException e) {
            throw new AssertionError("Could not read pg_stat_activity", e);
        }
    }
}
