package io.plank.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the admin page reads besides {@code /api/tables}: {@code /api/sessions} (the open connections, WebSocket and
 * event stream, their subscriptions and backlog; disconnecting one) and the change log's reach and retention in {@code /api/status}.
 * The admin API turned off is {@link AdminOffIT}.
 */
@ExtendWith(PlankExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AdminApiIT {

    @Test
    void sessionsListSubscriptionsWithTheirFiltersAndADisconnectEndsTheConnection(RunningPlank plank) {
        var api = new Api(plank);
        String sub = "admin-api-" + ThreadLocalRandom.current().nextInt(1_000_000);
        try (var client = SocketClient.connect(plank)) {
            client.send(JsonText.builder().add("type", "subscribe").add("table", "items").add("sub", sub)
                    .add("filter", "value=gte.5&name=in.(\"A & B\",c)").build().toString());
            client.await("subscribed " + sub, frame -> "subscribed".equals(frame.getString("type", null)));
            client.send("{\"type\":\"subscribe\",\"table\":\"items\"}");
            client.await("subscribed plainly", frame -> "subscribed".equals(frame.getString("type", null))
                    && !frame.containsKey("sub"));

            JsonObject session = awaitSession(api, sub, 2);
            assertTrue(Instant.parse(session.getString("opened_at")).isBefore(Instant.now().plusSeconds(5)), session.toString());
            assertTrue(session.getJsonNumber("waiting_ms").longValue() >= 0, session.toString());
            assertTrue(session.getJsonNumber("backlog_chars").longValue() >= 0, session.toString());
            JsonArray subscriptions = session.getJsonArray("subscriptions");
            JsonObject filtered = subscriptions.stream().map(JsonValue::asJsonObject)
                    .filter(s -> sub.equals(s.getString("sub", null))).findFirst().orElseThrow();
            assertEquals("items", filtered.getString("table"));
            assertEquals("value=gte.5&name=in.(\"A & B\",c)", filtered.getString("filter"), "the filter as the client wrote it");
            assertTrue(filtered.getBoolean("live"), filtered.toString());
            JsonObject plain = subscriptions.stream().map(JsonValue::asJsonObject)
                    .filter(s -> !s.containsKey("sub")).findFirst().orElseThrow(() -> new AssertionError(session.toString()));
            assertEquals("", plain.getString("filter"), "all rows");

            String id = session.getString("id");
            HttpResponse<String> disconnected = api.delete("/sessions/" + id);
            assertEquals(204, disconnected.statusCode(), disconnected.body());
            assertEquals(1008, client.awaitClose(), "closed as final: Plank's client does not come back by itself");
            Poll.until("the session gone from /api/sessions", Duration.ofSeconds(10), () -> findSession(api, sub).isEmpty(), true);
            assertProblem(api.delete("/sessions/" + id), 404, "no open session");
        }
        assertProblem(api.delete("/sessions/%3Cscript%3Ealert(1)%3C"), 404, "no open session");
    }

    @Test
    void anEventStreamIsListedAsOneAndADisconnectEndsIt(RunningPlank plank) throws Exception {
        var api = new Api(plank);
        String filter = "name=eq.stream " + ThreadLocalRandom.current().nextInt(1_000_000);
        var request = HttpRequest.newBuilder(plank.api("/changes/items?filter=" + URLEncoder.encode(filter, StandardCharsets.UTF_8)))
                .header("Accept", "text/event-stream").GET().build();
        CompletableFuture<HttpResponse<Stream<String>>> stream = HttpClient.newHttpClient().sendAsync(request, HttpResponse.BodyHandlers.ofLines());
        HttpResponse<Stream<String>> response = stream.get(30, TimeUnit.SECONDS);
        assertEquals(200, response.statusCode());
        CompletableFuture<Long> ended = CompletableFuture.supplyAsync(() -> response.body().count());

        Predicate<JsonObject> byFilter = subscription -> filter.equals(subscription.getString("filter", null));
        JsonObject session = awaitSession(api, "the event stream with filter " + filter, byFilter, s -> true);
        assertEquals("event-stream", session.getString("transport"), session.toString());
        assertEquals("items", session.getJsonArray("subscriptions").getJsonObject(0).getString("table"));

        assertEquals(204, api.delete("/sessions/" + URLEncoder.encode(session.getString("id"), StandardCharsets.UTF_8)).statusCode());
        ended.get(20, TimeUnit.SECONDS); // the server ended the stream
        Poll.until("the stream gone from /api/sessions", Duration.ofSeconds(10), () -> findSession(api, byFilter).isEmpty(), true);
    }

    @Test
    void statusShowsTheChangeLogsReachAndRetention(RunningPlank plank) throws SQLException {
        try (Connection db = plank.connect()) {
            Changes.insertWithJdbc(db, "admin api: the log is not empty", 1);
        }
        JsonObject log = JsonText.object(new Api(plank).get("/status").body()).getJsonObject("change_log");
        assertEquals(1440, log.getInt("retention_minutes"), "the default: a day; " + log);
        assertEquals(1_000_000, log.getInt("max_rows"), log.toString());
        long oldest = log.getJsonNumber("oldest_seq").longValue();
        assertTrue(oldest > log.getJsonNumber("pruned_through").longValue(), "what is kept is above the watermark: " + log);
        assertTrue(oldest <= log.getJsonNumber("newest_seq").longValue(), log.toString());
        assertTrue(Instant.parse(log.getString("oldest_at")).isBefore(Instant.now().plusSeconds(5)), log.toString());
    }

    /** Waits for the session holding subscription {@code sub} with {@code subscriptions} subscriptions in all. */
    private static JsonObject awaitSession(Api api, String sub, int subscriptions) {
        return awaitSession(api, "a session with subscription " + sub + " and " + subscriptions + " in all", bySub(sub),
                session -> session.getJsonArray("subscriptions").size() == subscriptions);
    }

    private static JsonObject awaitSession(Api api, String what, Predicate<JsonObject> subscription, Predicate<JsonObject> session) {
        JsonObject[] found = {null};
        Poll.until(what, Duration.ofSeconds(10), () -> {
            found[0] = findSession(api, subscription).orElse(null);
            return found[0] != null && session.test(found[0]);
        }, true, () -> api.get("/sessions").body());
        return found[0];
    }

    private static Predicate<JsonObject> bySub(String sub) {
        return subscription -> sub.equals(subscription.getString("sub", null));
    }

    private static Optional<JsonObject> findSession(Api api, String sub) {
        return findSession(api, bySub(sub));
    }

    /** The one session with a subscription that {@code subscription} accepts. */
    private static Optional<JsonObject> findSession(Api api, Predicate<JsonObject> subscription) {
        HttpResponse<String> response = api.get("/sessions");
        assertEquals(200, response.statusCode(), response.body());
        assertEquals(Api.JSON, response.headers().firstValue("Content-Type").orElse("").split(";")[0]);
        JsonArray sessions = Json.createReader(new StringReader(response.body())).readArray();
        List<JsonObject> matching = sessions.stream().map(JsonValue::asJsonObject)
                .filter(session -> session.getJsonArray("subscriptions").stream().map(JsonValue::asJsonObject).anyMatch(subscription))
                .toList();
        assertFalse(matching.size() > 1, "one session at most: " + sessions);
        return matching.stream().findFirst();
    }

    static void assertProblem(HttpResponse<String> response, int status, String detailMentions) {
        String call = response.request().method() + " " + response.request().uri();
        assertEquals(status, response.statusCode(), call + ": " + response.body());
        assertEquals(Api.PROBLEM_JSON, response.headers().firstValue("Content-Type").orElse("").split(";")[0], call);
        JsonObject problem = JsonText.object(response.body());
        assertEquals(status, problem.getInt("status"), call);
        assertTrue(problem.getString("detail", "").toLowerCase().contains(detailMentions), call + ": " + problem);
    }
}
