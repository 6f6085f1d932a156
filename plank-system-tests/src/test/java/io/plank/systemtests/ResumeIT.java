package io.plank.systemtests;

import static io.plank.systemtests.Delivery.itemsChangeFrom;
import static io.plank.systemtests.Delivery.nthItemsChange;
import static io.plank.systemtests.Delivery.seq;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import jakarta.json.JsonObject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A client that resumes with {@code since} while rows are being written gets every change once: none lost, none repeated. */
@ExtendWith(PlankExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ResumeIT {

    private static final Duration WRITES_WITHIN = Duration.ofSeconds(20);

    @Test
    void clientThatDisconnectsMidStreamResumesWithNoGapAndNoDuplicate(RunningPlank plank) throws SQLException {
        try (var db = plank.connect(); var first = SocketClient.connect(plank)) {
            long start = seq(first.subscribe("items", null));
            List<JsonObject> firstFrames;
            List<JsonObject> secondFrames;
            List<Writers.Write> written;
            try (var writers = Writers.start(plank, 3, 100, Duration.ofSeconds(30))) {
                firstFrames = first.takeUntil("30 changes into the stream", nthItemsChange(30));
                first.close();
                firstFrames.addAll(first.takeAvailable());
                long last = Delivery.resumePoint(start, firstFrames);

                writers.awaitMore(100, WRITES_WITHIN); // written while the client is away
                try (var second = SocketClient.connect(plank)) {
                    second.subscribe("items", last);
                    writers.awaitMore(100, WRITES_WITHIN); // written while it catches up
                    written = writers.stop();
                    long end = LoggedChanges.insertSentinel(db);
                    secondFrames = second.takeUntil("the sentinel's INSERT, seq " + end, itemsChangeFrom(end));

                    Delivery.assertNothingUpTo("the resumed connection", last, secondFrames);
                    Delivery.assertExactlyOnce(db, start, end, List.of(firstFrames, secondFrames), written);
                }
            }
        }
    }

    /**
     * Clients subscribing with {@code since} while five writers write: one with a backlog of about a hundred changes,
     * one with a longer one, one with the newest logged seq (likely ahead of what the listener has handed on).
     */
    @Test
    void resumeSeamUnderLoadDeliversEachSeqAfterSinceOnceAscending(RunningPlank plank) throws SQLException {
        try (var db = plank.connect()) {
            long start = LoggedChanges.newestSeq(db);
            List<SocketClient> clients = new ArrayList<>();
            List<Long> sinces = new ArrayList<>();
            try (var writers = Writers.start(plank, 5, 60, Duration.ofSeconds(30))) {
                writers.awaitMore(150, WRITES_WITHIN);
                sinces.add(Math.max(start, LoggedChanges.newestSeq(db) - 100));
                writers.awaitMore(100, WRITES_WITHIN);
                sinces.add(start);
                writers.awaitMore(50, WRITES_WITHIN);
                sinces.add(LoggedChanges.newestSeq(db));
                // Connected in quick succession, each while the writers are still writing.
                for (long since : sinces) {
                    var client = SocketClient.connect(plank);
                    clients.add(client);
                    client.subscribe("items", since);
                    writers.awaitMore(30, WRITES_WITHIN);
                }
                writers.awaitMore(100, WRITES_WITHIN);
                List<Writers.Write> written = writers.stop();
                long end = LoggedChanges.insertSentinel(db);

                for (int i = 0; i < clients.size(); i++) {
                    List<JsonObject> frames = clients.get(i).takeUntil("the sentinel's INSERT, seq " + end, itemsChangeFrom(end));
                    Delivery.assertNothingUpTo("client " + (i + 1), sinces.get(i), frames);
                    Delivery.assertExactlyOnce(db, sinces.get(i), end, List.of(frames), i == 1 ? written : List.of());
                }
            } finally {
                clients.forEach(SocketClient::close);
            }
        }
    }

    /**
     * A client holding a seq the log never issued (from a restored or recreated database) is told to reload and is
     * then streamed to from now on; it is never left waiting in silence for seqs it thinks it has seen.
     */
    @ParameterizedTest(name = "since {0}")
    @ValueSource(longs = {1_000_000_000L, Long.MAX_VALUE})
    void aSinceAheadOfTheLogGetsResetThenTheLiveStream(long since, RunningPlank plank) throws SQLException {
        try (var db = plank.connect(); var client = SocketClient.connect(plank)) {
            client.subscribe("items", since);
            JsonObject reset = client.awaitType("reset");
            assertEquals("items", reset.getString("table"));
            assertTrue(reset.getString("reason").contains("beyond"), reset.toString());

            long id = Changes.insertWithJdbc(db, "after a reset", 1);
            client.await("the INSERT after the reset", Changes.change("INSERT", id));
        }
    }
}
