package io.plank.systemtests;

import static io.plank.systemtests.JavaClients.capturedTable;
import static io.plank.systemtests.JavaClients.loggedSeqs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.ds.PGSimpleDataSource;

import io.plank.testsupport.server.ServerKind;
import io.plank.testsupport.wait.Eventually;

/**
 * The exactly-once consumer (plank-client's {@code ExactlyOnceConsumer}) in a service process of its own
 * ({@link ConsumerMain}), killed with SIGKILL at random moments while writers write and Plank itself is restarted
 * (WildFly killed and started again; Payara, whose restart takes about 95 s, redeployed). At the end the service's table,
 * whose primary key is the change's seq, holds exactly the changes plank.change_log holds for the table.
 */
@ExtendWith(PlankExtension.class)
@Timeout(value = 8, unit = TimeUnit.MINUTES)
// After the unordered classes: it restarts the server.
@Order(Integer.MAX_VALUE - 4)
class ExactlyOnceIT {

    private static final Logger LOG = Logger.getLogger(ExactlyOnceIT.class.getName());
    private static final Duration CATCH_UP = Duration.ofMinutes(2);

    @Test
    void killedFiveTimesWhileFourWritersWriteAndPlankRestartsEachChangeOnce(RunningPlank plank) throws Exception {
        var random = new Random();
        try (var db = plank.connect()) {
            long start = prepare(plank, db, "eo_orders", "eo_handled", "billing");
            var consumer = Consumer.start(plank, "billing", "eo_orders", "eo_handled", 0, start);
            int kills = 0;
            try (var writers = TableWriters.start(plank, "eo_orders", 4, 2_000, 10)) {
                for (; kills < 2; kills++) {
                    consumer = consumer.killAfter(random, plank);
                }
                if (plank.kind() == ServerKind.WILDFLY) {
                    plank.kill();
                    plank.startAgain();
                } else {
                    plank.redeploy();
                }
                for (; kills < 6; kills++) {
                    consumer = consumer.killAfter(random, plank);
                }
                writers.await(Duration.ofMinutes(3));
            }
            awaitAllHandled(db, "eo_orders", "eo_handled", consumer);
            assertExactlyOnce(db, "eo_orders", "eo_handled", "billing");
            assertTrue(kills >= 5, "killed " + kills + " times");

            // The cost per change: 2,000 changes written while the consumer is away, handled from a standing start.
            consumer.kill();
            try (var writers = TableWriters.start(plank, "eo_orders", 4, 2_000, 1_000)) {
                writers.await(Duration.ofMinutes(1));
            }
            long before = Sql.queryLong(db, "SELECT count(*) FROM eo_handled");
            consumer = Consumer.start(plank, "billing", "eo_orders", "eo_handled", 100, start);
            long begin = consumer.awaitActive();
            awaitAllHandled(db, "eo_orders", "eo_handled", consumer);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
            long handled = Sql.queryLong(db, "SELECT count(*) FROM eo_handled") - before;
            LOG.info(() -> String.format("%s: the consumer handled a backlog of %d changes in %d ms once active: %.0f changes/s",
                    plank.kind().id(), handled, millis, handled * 1000.0 / Math.max(1, millis)));
            assertExactlyOnce(db, "eo_orders", "eo_handled", "billing");
            consumer.kill();
        }
    }

    @Test
    void twoInstancesOfOneNameTheActiveOneKilledEachChangeOnce(RunningPlank plank) throws Exception {
        try (var db = plank.connect()) {
            long start = prepare(plank, db, "eo_pairs", "eo_pairs_handled", "pair");
            var first = Consumer.start(plank, "pair", "eo_pairs", "eo_pairs_handled", 0, start);
            first.awaitActive();
            var second = Consumer.start(plank, "pair", "eo_pairs", "eo_pairs_handled", 1, start);
            try (var writers = TableWriters.start(plank, "eo_pairs", 2, 600, 20)) {
                Eventually.until("changes handled by the first", Duration.ofSeconds(30),
                        () -> count(db, "eo_pairs_handled"), count -> count > 100);
                assertTrue(!second.log().contains("active"), "the second stands by while the first is active:\n" + second.log());
                first.kill();
                second.awaitActive();
                writers.await(Duration.ofMinutes(2));
            }
            awaitAllHandled(db, "eo_pairs", "eo_pairs_handled", second);
            assertExactlyOnce(db, "eo_pairs", "eo_pairs_handled", "pair");
            assertTrue(Sql.queryLong(db, "SELECT count(DISTINCT pid) FROM eo_pairs_handled") == 2, "both instances handled changes");
            second.kill();
        }
    }

    /** A captured table, the service's table of handled changes, no stored position; returns the log's end now. */
    private static long prepare(RunningPlank plank, Connection db, String table, String handled, String name) throws Exception {
        capturedTable(plank, db, table);
        Sql.createTable(db, handled, "(seq bigint PRIMARY KEY, tx bigint, row_id bigint NOT NULL, action text NOT NULL, pid bigint NOT NULL)");
        Sql.execute(db, "CREATE TABLE IF NOT EXISTS plank_consumer_positions (consumer text NOT NULL, table_name text NOT NULL,"
                + " seq bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (consumer, table_name))");
        Sql.execute(db, "DELETE FROM plank_consumer_positions WHERE consumer = '" + name + "'");
        return LoggedChanges.newestSeq(db);
    }

    private static long count(Connection db, String table) {
        try {
            return Sql.queryLong(db, "SELECT count(*) FROM " + table);
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    private static void awaitAllHandled(Connection db, String table, String handled, Consumer consumer) throws SQLException {
        long logged = loggedSeqs(db, table).size();
        Eventually.until("all " + logged + " logged changes handled", CATCH_UP, () -> count(db, handled), count -> count >= logged,
                () -> "consumer log:\n" + consumer.log());
    }

    /** The service's table holds each logged change once (its primary key refuses a second), none missing, and the position is the last. */
    private static void assertExactlyOnce(Connection db, String table, String handled, String name) throws SQLException {
        List<Long> logged = loggedSeqs(db, table);
        List<Long> seqs = new ArrayList<>();
        try (var statement = db.createStatement(); var rows = statement.executeQuery("SELECT seq FROM " + handled + " ORDER BY seq")) {
            while (rows.next()) {
                seqs.add(rows.getLong(1));
            }
        }
        assertEquals(logged, seqs, "each logged change handled exactly once");
        assertEquals(logged.get(logged.size() - 1), Sql.queryLong(db, "SELECT seq FROM plank_consumer_positions WHERE consumer = '"
                + name + "' AND table_name = '" + table + "'"), "the stored position is the last change");
        LOG.info(() -> table + ": " + seqs.size() + " changes handled exactly once");
    }

    /** A {@link ConsumerMain} process. */
    private record Consumer(Process process, Path output, String name, String table, String handled, int instance, long startAfter) {

        /**
         * Starts an instance; {@code startAfter} is where the consumer starts without a stored position: the log's end
         * when the test began, since other tests prune the log before it (a since before the pruned point is a reset).
         */
        static Consumer start(RunningPlank plank, String name, String table, String handled, int instance, long startAfter)
                throws IOException {
            var database = (PGSimpleDataSource) plank.dataSource();
            String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            Path output = Path.of("target", "consumers", plank.kind().id() + "-" + name + "-" + instance + "-" + System.nanoTime() + ".log")
                    .toAbsolutePath();
            Files.createDirectories(output.getParent());
            var command = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
                    "-cp", classPath, ConsumerMain.class.getName(), plank.webSocket("").toString(), database.getUrl(),
                    database.getUser(), database.getPassword() == null ? "" : database.getPassword(), name, table, handled,
                    Long.toString(startAfter))
                    .redirectErrorStream(true).redirectOutput(output.toFile());
            command.environment().put("CLASSPATH", "");
            return new Consumer(command.start(), output, name, table, handled, instance, startAfter);
        }

        /** Kills it (SIGKILL) at a random moment 0.5 to 3 s after it became active, and starts another in its place. */
        Consumer killAfter(Random random, RunningPlank plank) throws Exception {
            awaitActive();
            TimeUnit.MILLISECONDS.sleep(500 + random.nextInt(2_500)); // the random moment of the kill
            kill();
            return start(plank, name, table, handled, instance + 1, startAfter);
        }

        long awaitActive() {
            Eventually.until("the consumer " + process.pid() + " active", Duration.ofSeconds(60), () -> log().contains("active"),
                    active -> active, () -> log());
            return System.nanoTime();
        }

        void kill() throws InterruptedException {
            process.destroyForcibly(); // SIGKILL: no shutdown hook, no rollback, no goodbye
            process.waitFor(10, TimeUnit.SECONDS);
            LOG.info(() -> "killed consumer " + process.pid() + "; its log:\n" + log());
        }

        String log() {
            try {
                return Files.exists(output) ? Files.readString(output) : "";
            } catch (IOException e) {
                return e.toString();
            }
        }
    }
}
