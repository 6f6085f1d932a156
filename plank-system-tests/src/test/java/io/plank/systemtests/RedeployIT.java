package io.plank.systemtests;

import static io.plank.systemtests.Delivery.itemsChangeFrom;
import static io.plank.systemtests.Delivery.nthItemsChange;
import static io.plank.systemtests.Delivery.seq;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import jakarta.json.JsonObject;


import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A redeployment closes every WebSocket; a client that comes back with {@code since} has lost nothing written meanwhile.
 * On both servers: undeploy closes the sessions (1001), and the redeployed listener carries on from its saved cursor.
 */
@ExtendWith(PlankExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedeployIT {

    private static final Duration WRITES_WITHIN = Duration.ofSeconds(20);
    private static final Duration CLOSED_WITHIN = Duration.ofSeconds(30);

    @Test
    void clientResumingAfterRedeployGetsEveryChangeOnce(RunningPlank plank) throws SQLException {
        try (var db = plank.connect(); var first = SocketClient.connect(plank)) {
            long start = seq(first.subscribe("items", null));
            try (var writers = Writers.start(plank, 3, 60, Duration.ofSeconds(120))) {
                List<JsonObject> firstFrames = first.takeUntil("20 changes into the stream", nthItemsChange(20));

                plank.redeploy(); // the writers write on, past the application
                Poll.until("the first connection to be ended by the undeployment", CLOSED_WITHIN, first::isClosed, true);
                firstFrames.addAll(first.takeAvailable());
                long last = Delivery.resumePoint(start, firstFrames);

                try (var second = SocketClient.connect(plank)) {
                    second.subscribe("items", last);
                    writers.awaitMore(100, WRITES_WITHIN);
                    List<Writers.Write> written = writers.stop();
                    long end = LoggedChanges.insertSentinel(db);
                    List<JsonObject> secondFrames = second.takeUntil("the sentinel's INSERT, seq " + end, itemsChangeFrom(end));

                    Delivery.assertNothingUpTo("the connection after the redeployment", last, secondFrames);
                    Delivery.assertExactlyOnce(db, start, end, List.of(firstFrames, secondFrames), written);
                }
            }
        }
    }
}
