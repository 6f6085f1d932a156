package io.plank.systemtests;

import static io.plank.systemtests.Changes.change;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.logging.Logger;

import jakarta.json.JsonObject;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * PostgreSQL stopped while clients are connected: every request is still answered, with what users can act on
 * (WebSocket {@code unavailable} on a connection that stays usable, REST 503 with Retry-After, readiness DOWN),
 * and once PostgreSQL is back the same connection subscribes and receives changes again. Runs next to last (the
 * stop ends every connection on the machine), where {@link PostgresServer} can stop it.
 */
@ExtendWith(PlankExtension.class)
@Order(Integer.MAX_VALUE - 1)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DatabaseOutageIT {

    private static final Logger LOG = Logger.getLogger(DatabaseOutageIT.class.getName());
    private static final Duration READY_WITHIN = Duration.ofSeconds(30);
    private static final Duration CAPTURED_TABLES_READ_WITHIN = Duration.ofSeconds(5);

    @Test
    void whilePostgresIsDownRequestsAreAnsweredAndAfterwardsTheSameConnectionWorks(RunningPlank plank) throws Exception {
        PostgresServer postgres = PostgresServer.controlled();
        var api = new Api(plank);
        try (var client = SocketClient.subscribedTo(plank, "items")) {
            postgres.stop();
            try {
                long begin = System.nanoTime();
                client.send(subscribe("filtered", "items", "\"filter\":\"value=gt.1\""));
                assertUnavailable(client.await("an answer to the filtered subscribe", sub("filtered")));
                assertUnavailable(subscribeReadingCapturedTables(client));
                client.send("{\"type\":\"ping\"}");
                client.awaitType("pong");
                LOG.info(() -> plank.kind() + ": WebSocket answers during the outage took "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin) + " ms");

                HttpResponse<String> items = api.get("/items?limit=1");
                assertAll(() -> assertEquals(503, items.statusCode(), items.body()),
                        () -> assertTrue(items.headers().firstValue("Retry-After").isPresent(), "Retry-After"),
                        () -> assertEquals(Api.PROBLEM_JSON, items.headers().firstValue("Content-Type").orElse("").split(";")[0]));
                Poll.until("readiness DOWN while PostgreSQL is stopped", READY_WITHIN, () -> Api.status(plank.readinessUrl()), 503);
            } finally {
                postgres.start();
            }

            Poll.until("readiness after PostgreSQL started", READY_WITHIN, () -> Api.status(plank.readinessUrl()), 200);
            client.send(subscribe("filtered", "items", "\"filter\":\"value=gt.1\""));
            assertEquals("subscribed", client.await("the filtered subscribe, again", sub("filtered")).getString("type"));
            JsonObject created = api.createItem("after the outage", 2);
            long id = created.getJsonNumber("id").longValue();
            JsonObject frame = client.await("the INSERT after the outage", change("INSERT", id));
            assertEquals("[\"filtered\"]", String.valueOf(frame.get("subs")), "the frame names the filtered subscription: " + frame);
        }
    }

    /**
     * An uncaptured name makes Plank read the captured tables again, from the database, through JPA; at most once a
     * second, answering {@code unknown_table} from what it read last in between. Returns the first other answer.
     */
    private static JsonObject subscribeReadingCapturedTables(SocketClient client) {
        long deadline = System.nanoTime() + CAPTURED_TABLES_READ_WITHIN.toNanos();
        while (true) {
            String sub = "unknown-" + UUID.randomUUID().toString().substring(0, 8);
            client.send(subscribe(sub, "not_captured_" + sub.substring(8), null));
            JsonObject answer = client.await("an answer to a subscribe to an uncaptured table", sub(sub));
            if (!"unknown_table".equals(answer.getString("code", null)) || System.nanoTime() > deadline) {
                return answer;
            }
            Poll.pause();
        }
    }

    private static String subscribe(String sub, String table, String extra) {
        return "{\"type\":\"subscribe\",\"sub\":\"" + sub + "\",\"table\":\"" + table + "\"" + (extra == null ? "" : "," + extra) + "}";
    }

    private static Predicate<JsonObject> sub(String sub) {
        return frame -> sub.equals(frame.getString("sub", null));
    }

    private static void assertUnavailable(JsonObject frame) {
        assertEquals("error", frame.getString("type"), frame.toString());
        assertEquals("unavailable", frame.getString("code"), frame.toString());
    }
}
