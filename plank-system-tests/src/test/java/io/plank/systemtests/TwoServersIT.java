package io.plank.systemtests;

import static io.plank.systemtests.Delivery.seq;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import io.plank.testsupport.server.ServerKind;

/**
 * Two instances on one database, as behind a load balancer: the Payara Server under test and a WildFly started beside
 * it. Each names itself and saves its own position; clients on either receive every change once; when WildFly dies
 * mid-stream its client resumes on Payara with {@code since} and misses nothing. Run once, in the Payara run (it
 * starts the other kind of server, which takes a minute or two).
 */
@ExtendWith(PlankExtension.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class TwoServersIT {

    private static final Duration WRITES_WITHIN = Duration.ofSeconds(30);

    @Test
    void clientsOnEitherInstanceGetEveryChangeOnceAndResumeOnTheOtherWhenOneDies(RunningPlank plank) throws Exception {
        Assumptions.assumeTrue(plank.kind() == ServerKind.PAYARA, "run once, with Payara under test and WildFly beside it");
        try (var wildfly = plank.beside(ServerKind.WILDFLY); Connection db = plank.connect()) {
            Set<String> names = Set.of(instance(plank), instance(wildfly));
            assertEquals(2, names.size(), "two names of their own: " + names);
            Poll.until("both instances listed by each, with their positions", Duration.ofSeconds(30),
                    () -> listed(plank).containsAll(names) && listed(wildfly).containsAll(names), true);

            grantRevokedThroughOneInstanceEndsStreamsOnBoth(plank, wildfly, db);

            try (var writers = Writers.start(plank, 4, 100, Duration.ofSeconds(90));
                 var onPayara = SocketClient.connect(plank);
                 var onWildFly = SocketClient.connect(wildfly)) {
                long payaraStart = seq(onPayara.subscribe("items", null));
                long wildflyStart = seq(onWildFly.subscribe("items", null));
                List<JsonObject> wildflyFrames = new ArrayList<>(onWildFly.takeUntil("40 changes on WildFly", Delivery.nthItemsChange(40)));

                wildfly.kill(); // mid-stream: no close frame, no undeployment
                onWildFly.awaitEnd();
                wildflyFrames.addAll(onWildFly.takeAvailable());
                long resumeFrom = Delivery.resumePoint(wildflyStart, wildflyFrames);
                writers.awaitMore(100, WRITES_WITHIN); // written while WildFly's client is away

                try (var resumed = SocketClient.connect(plank)) {
                    resumed.subscribe("items", resumeFrom); // the load balancer now sends it to Payara
                    writers.awaitMore(100, WRITES_WITHIN);
                    List<Writers.Write> written = writers.stop();
                    long end = LoggedChanges.insertSentinel(db);

                    List<JsonObject> afterMove = resumed.takeUntil("the sentinel on Payara, seq " + end, Delivery.itemsChangeFrom(end));
                    Delivery.assertNothingUpTo("the client moved to Payara", resumeFrom, afterMove);
                    Delivery.assertExactlyOnce(db, wildflyStart, end, List.of(wildflyFrames, afterMove), written);

                    List<JsonObject> payaraFrames = onPayara.takeUntil("the sentinel on Payara, seq " + end, Delivery.itemsChangeFrom(end));
                    Delivery.assertExactlyOnce(db, payaraStart, end, List.of(payaraFrames), written);
                }
            }
        }
    }

    /** What changes under open streams reaches every instance: a grant revoked through Payara ends WildFly's stream too. */
    private static void grantRevokedThroughOneInstanceEndsStreamsOnBoth(RunningPlank payara, RunningPlank wildfly, Connection db) throws Exception {
        Sql.createTable(db, "two_revoked", "(id int PRIMARY KEY)");
        Sql.capture(payara, "two_revoked", "durable");
        SecurityIT.grant(payara, "two_revoked", List.of("clerk"), List.of());
        String token = TestTokens.token("carol", List.of("clerk"));
        try (var onPayara = SocketClient.connect(payara); var onWildFly = SocketClient.connect(wildfly)) {
            for (SocketClient client : List.of(onPayara, onWildFly)) {
                assertEquals("authenticated", client.authenticate(token).getString("type"));
                Poll.until("two_revoked subscribable", Duration.ofSeconds(10), () -> {
                    client.send("{\"type\":\"subscribe\",\"table\":\"two_revoked\"}");
                    return client.await("an answer", frame -> "subscribed".equals(frame.getString("type", null))
                            || "error".equals(frame.getString("type", null))).getString("type");
                }, "subscribed");
            }
            SecurityIT.grant(payara, "two_revoked", List.of("auditor"), List.of());
            Sql.execute(db, "INSERT INTO two_revoked VALUES (1)"); // after the revoke: for nobody
            for (SocketClient client : List.of(onPayara, onWildFly)) {
                List<JsonObject> frames = client.takeUntil("the subscription ended", frame -> "unsubscribed".equals(frame.getString("type", null)));
                assertEquals("forbidden", frames.get(frames.size() - 1).getString("code"), frames.toString());
                assertTrue(frames.stream().noneMatch(frame -> "change".equals(frame.getString("type", null))), "no change after the revoke: " + frames);
            }
        }
    }

    private static String instance(RunningPlank plank) {
        String name = status(plank).getJsonObject("listener").getString("instance");
        assertNotEquals("", name);
        return name;
    }

    private static Set<String> listed(RunningPlank plank) {
        return status(plank).getJsonArray("instances").stream().map(JsonValue::asJsonObject)
                .map(instance -> instance.getString("name")).collect(Collectors.toSet());
    }

    private static JsonObject status(RunningPlank plank) {
        return JsonText.object(new Api(plank).get("/status").body());
    }
}
