package io.plank.systemtests;

import static io.plank.systemtests.Delivery.itemsChangeFrom;
import static io.plank.systemtests.Delivery.nthItemsChange;
import static io.plank.systemtests.Delivery.seq;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

import jakarta.json.JsonObject;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * PostgreSQL restarting while rows are written: afterwards a client resuming with {@code since} has every committed
 * change once, and the REST API answers every request. Runs last, where {@link PostgresServer} can restart it.
 */
@ExtendWith(PlankExtension.class)
@Order(Integer.MAX_VALUE)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PostgresRestartIT {

    private static final Logger LOG = Logger.getLogger(PostgresRestartIT.class.getName());
    private static final Duration LISTENER_BACK_WITHIN = Duration.ofSeconds(30);
    private static final Duration READY_WITHIN = Duration.ofSeconds(20);
    private static final Duration WRITES_WITHIN = Duration.ofSeconds(20);
    private static final int PARALLEL_REQUESTS = 8;

    @Test
    void clientResumingAfterPostgresRestartGetsEveryChangeOnce(RunningPlank plank) throws Exception {
        PostgresServer postgres = PostgresServer.controlled();

        try (var first = SocketClient.connect(plank)) {
            long start = seq(first.subscribe("items", null));
            try (var writers = Writers.startSurvivingConnectionLoss(plank, 3, 60, Duration.ofSeconds(60))) {
                List<JsonObject> firstFrames = first.takeUntil("20 changes into the stream", nthItemsChange(20));

                assertApiAnswersEveryRequest(plank); // also fills the server's pool with connections for the restart to kill
                assertOkOrUnavailable(requestsWhile(plank, postgres::restart));
                Poll.until("the listener's connection after the PostgreSQL restart", LISTENER_BACK_WITHIN,
                        () -> listenerConnected(plank), true);
                writers.awaitMore(100, WRITES_WITHIN); // the writers are back too

                first.close();
                firstFrames.addAll(first.takeAvailable());
                long last = Delivery.resumePoint(start, firstFrames);
                // Checked together: which of the three paths through the server's pool (whose connections the
                // restart killed) work is what a failure here has to tell.
                assertAll(() -> assertResumes(plank, writers, start, last, firstFrames), () -> assertApiAnswersEveryRequest(plank),
                        () -> Poll.until("readiness after the PostgreSQL restart", READY_WITHIN, () -> Api.status(plank.readinessUrl()),
                        200, () -> "(" + plank.readinessUrl() + " says " + Api.get(plank.readinessUrl()).body() + ")"));
            }
        }
    }

    private static void assertResumes(RunningPlank plank, Writers writers, long start, long last, List<JsonObject> firstFrames)
            throws SQLException {
        try (var second = SocketClient.connect(plank); var db = plank.connect()) {
            second.subscribe("items", last);
            writers.awaitMore(50, WRITES_WITHIN);
            List<Writers.Write> written = writers.stop();
            long end = LoggedChanges.insertSentinel(db);
            List<JsonObject> secondFrames = second.takeUntil("the sentinel's INSERT, seq " + end
                    + " (resumed after seq " + last + ")", itemsChangeFrom(end));

            Delivery.assertNothingUpTo("the connection resumed after the restart", last, secondFrames);
            Delivery.assertExactlyOnce(db, start, end, List.of(firstFrames, secondFrames), written);
        }
    }

    /**
     * Requests in parallel, so that they draw several of the server pool's connections, every one of which the restart
     * killed: none may fail, not even the first on each connection.
     */
    private static void assertApiAnswersEveryRequest(RunningPlank plank) throws InterruptedException, ExecutionException {
        var api = new Api(plank);
        var clients = Executors.newFixedThreadPool(PARALLEL_REQUESTS);
        try {
            List<Future<HttpResponse<String>>> responses = new ArrayList<>();
            for (int i = 0; i < 3 * PARALLEL_REQUESTS; i++) {
                responses.add(clients.submit(() -> api.get("/items?limit=1")));
            }
            List<String> failed = new ArrayList<>();
            for (var response : responses) {
                if (response.get().statusCode() != 200) {
                    failed.add(response.get().statusCode() + " " + response.get().body());
                }
            }
            assertEquals(List.of(), failed, "GET /items after the PostgreSQL restart, " + responses.size() + " requests");
        } finally {
            clients.shutdownNow();
        }
    }

    /** GET /items, one request after the other, for as long as {@code action} runs. */
    private static List<HttpResponse<String>> requestsWhile(RunningPlank plank, Runnable action) throws Exception {
        var api = new Api(plank);
        List<HttpResponse<String>> responses = Collections.synchronizedList(new ArrayList<>());
        var running = new AtomicBoolean(true);
        var prober = Executors.newSingleThreadExecutor();
        try {
            Future<?> requests = prober.submit(() -> {
                while (running.get()) {
                    responses.add(api.get("/items?limit=1"));
                }
            });
            try {
                action.run();
            } finally {
                running.set(false);
            }
            requests.get(60, TimeUnit.SECONDS);
        } finally {
            prober.shutdownNow();
        }
        return responses;
    }

    /** While the database is away the API says so, with 503 and Retry-After, never 500 or a hang. */
    private static void assertOkOrUnavailable(List<HttpResponse<String>> responses) {
        long unavailable = responses.stream().filter(response -> response.statusCode() == 503).count();
        LOG.info(() -> "During the restart: " + responses.size() + " requests, " + unavailable + " answered 503");
        for (var response : responses) {
            if (response.statusCode() == 200) {
                continue;
            }
            assertEquals(503, response.statusCode(), "GET /items during the PostgreSQL restart: " + response.body());
            assertEquals(Api.PROBLEM_JSON, response.headers().firstValue("Content-Type").orElse("").split(";")[0]);
            assertTrue(response.headers().firstValue("Retry-After").isPresent(), "503 without Retry-After");
            assertTrue(JsonText.object(response.body()).getString("detail").contains("database is unavailable"), response.body());
        }
    }

    /** Whether Plank's listener holds a connection to the database again; false while PostgreSQL is still starting. */
    private static boolean listenerConnected(RunningPlank plank) {
        try (var db = plank.connect(); var query = db.prepareStatement("SELECT count(*) FROM pg_stat_activity "
                + "WHERE datname = current_database() AND application_name = 'plank-listener'");
             var rows = query.executeQuery()) {
            rows.next();
            return rows.getInt(1) > 0;
        } catch (SQLException e) {
            return false;
        }
    }
}
