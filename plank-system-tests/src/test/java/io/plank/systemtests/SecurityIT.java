package io.plank.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.json.JsonObject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import com.nimbusds.jwt.JWTClaimsSet;

/**
 * Authentication and table grants on the real EAR: bearer tokens that must be refused (expired, unsigned, forged, HMAC
 * with the public key, another issuer or audience, garbage) on REST and on the WebSocket, a rotated signing key, a
 * token refreshed and one expiring mid-stream, and tables only some roles may read or write, in every way a client
 * can read (live, snapshot, resume, event stream). Row bindings (tenants) are {@link TenantIsolationIT}'s.
 */
@ExtendWith(PlankExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SecurityIT {

    private static final String SECURED = "secured_orders";

    @BeforeAll
    static void secureATable(RunningPlank plank) throws SQLException {
        try (Connection db = plank.connect()) {
            Sql.createTable(db, SECURED, "(id int PRIMARY KEY, item text)");
            Sql.capture(plank, SECURED, "durable");
            Sql.execute(db, "INSERT INTO " + SECURED + " VALUES (1, 'first')");
        }
        grant(plank, SECURED, List.of("sales"), List.of());
        // items: anyone reads, only writers write (until the end of this class; the other tests write anonymously).
        grant(plank, "items", List.of("anyone"), List.of("writer"));
    }

    @AfterAll
    static void reopenItems(RunningPlank plank) {
        grant(plank, "items", List.of(), List.of());
    }

    static void grant(RunningPlank plank, String table, List<String> read, List<String> write) {
        var body = JsonText.builder().add("read", JsonText.array(read)).add("write", JsonText.array(write)).build().toString();
        var response = new Api(plank).put("/tables/" + table + "/grants", Api.JSON, body);
        assertEquals(200, response.statusCode(), "granting on " + table + ": " + response.body());
    }

    private static JWTClaimsSet.Builder valid() {
        return TestTokens.claims("mallory", List.of("sales", "writer", "plank-admin"), Map.of(), Duration.ofMinutes(10));
    }

    /** Every token here names roles that would be allowed everything, were the token accepted. */
    private static Map<String, String> badTokens() {
        Instant past = Instant.now().minus(Duration.ofMinutes(5));
        var tokens = new LinkedHashMap<String, String>();
        tokens.put("expired", TestTokens.sign(TestTokens.currentKey(), valid().expirationTime(Date.from(past)).build()));
        tokens.put("alg none", TestTokens.unsigned(valid().build()));
        tokens.put("forged signature", TestTokens.forged(valid().build()));
        tokens.put("HS256 keyed with the public key", TestTokens.hmacWithPublicKey(valid().build()));
        tokens.put("another issuer", TestTokens.sign(TestTokens.currentKey(), valid().issuer("https://evil.example").build()));
        tokens.put("another audience", TestTokens.sign(TestTokens.currentKey(), valid().audience("someone-else").build()));
        tokens.put("no expiry", TestTokens.sign(TestTokens.currentKey(), valid().expirationTime(null).build()));
        tokens.put("not yet valid", TestTokens.sign(TestTokens.currentKey(), valid().notBeforeTime(Date.from(Instant.now().plus(Duration.ofHours(1)))).build()));
        tokens.put("garbage", "not.a.jwt");
        return tokens;
    }

    @Test
    void badTokensAreRefusedOnRestWithInvalidTokenAndNothingChanges(RunningPlank plank) throws SQLException {
        long items;
        try (Connection db = plank.connect()) {
            items = Sql.queryLong(db, "SELECT count(*) FROM items");
        }
        badTokens().forEach((what, token) -> {
            for (HttpResponse<String> response : List.of(new Api(plank, token).get("/items"),
                    new Api(plank, token).post("/items", Api.JSON, "{\"name\":\"intruder\",\"value\":1}"),
                    new Api(plank, token).get("/tables"))) {
                assertEquals(401, response.statusCode(), what + ": " + response.body());
                assertEquals(Api.PROBLEM_JSON, response.headers().firstValue("Content-Type").orElse("").split(";")[0], what);
                assertTrue(response.headers().firstValue("WWW-Authenticate").orElse("").contains("invalid_token"), what);
            }
        });
        try (Connection db = plank.connect()) {
            assertEquals(items, Sql.queryLong(db, "SELECT count(*) FROM items"), "no bad token wrote an item");
        }
        var scheme = Api.send(HttpRequest.newBuilder(plank.api("/items")).header("Authorization", "Basic YWRtaW46YWRtaW4=").GET());
        assertEquals(401, scheme.statusCode(), "only bearer tokens: " + scheme.body());
        // A 20 KB header: the server's own limit on headers may answer first (431, or 400), else Plank's 401. Over a
        // client of its own: HTTP/2's header compression state of a shared connection does not survive the refusal.
        var http1 = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        var huge = Api.send(HttpRequest.newBuilder(plank.api("/items")).header("Authorization", "Bearer " + "e".repeat(20_000)).GET(), http1);
        assertTrue(List.of(400, 401, 431).contains(huge.statusCode()), "a 20 KB token: " + huge.statusCode());
        assertEquals(200, new Api(plank).get("/status").statusCode(), "the server carries on");
    }

    @Test
    void badTokensAreRefusedOnTheWebSocketAndTheConnectionCarriesOnAnonymous(RunningPlank plank) {
        try (var client = SocketClient.connect(plank)) {
            badTokens().forEach((what, token) -> {
                JsonObject answer = client.authenticate(token);
                assertEquals("error", answer.getString("type"), what + ": " + answer);
                assertEquals("invalid_token", answer.getString("code"), what + ": " + answer);
            });
            assertEquals("invalid_token", client.authenticate("e".repeat(20_000)).getString("code"), "a 20 KB token");
            client.send("{\"type\":\"subscribe\",\"table\":\"" + SECURED + "\"}");
            JsonObject refused = client.awaitType("error");
            assertEquals("unauthorized", refused.getString("code"), "still anonymous: " + refused);
            client.send("{\"type\":\"ping\"}");
            client.awaitType("pong");
        }
    }

    @Test
    void aTableIsReadOnlyByItsRolesLiveSnapshotResumeAndEventStream(RunningPlank plank) throws SQLException {
        String support = TestTokens.token("sam", List.of("support", "writer"));
        String sales = TestTokens.token("sue", List.of("sales"));
        List<String> requests = List.of(
                "{\"type\":\"subscribe\",\"table\":\"" + SECURED + "\"}",
                "{\"type\":\"subscribe\",\"table\":\"" + SECURED + "\",\"sub\":\"s\",\"snapshot\":true}",
                "{\"type\":\"subscribe\",\"table\":\"" + SECURED + "\",\"sub\":\"r\",\"since\":0}",
                "{\"type\":\"subscribe\",\"table\":\"public." + SECURED + "\",\"sub\":\"q\",\"filter\":\"id=gte.0\"}");
        try (var anonymous = SocketClient.connect(plank); var other = SocketClient.connect(plank)) {
            assertEquals("authenticated", other.authenticate(support).getString("type"));
            for (String request : requests) {
                anonymous.send(request);
                assertEquals("unauthorized", anonymous.awaitType("error").getString("code"), request);
                other.send(request);
                assertEquals("forbidden", other.awaitType("error").getString("code"), request);
            }
            try (Connection db = plank.connect()) {
                Sql.execute(db, "INSERT INTO " + SECURED + " VALUES (2, 'second')");
            }
            try (var reader = SocketClient.connect(plank)) {
                assertEquals("authenticated", reader.authenticate(sales).getString("type"));
                reader.send(requests.get(2));
                reader.await("the replayed second order", frame -> "change".equals(frame.getString("type", null))
                        && frame.getJsonObject("data").getInt("id") == 2);
            }
            // Nothing of the table reached the refused connections: only their error frames and pongs.
            anonymous.send("{\"type\":\"ping\"}");
            other.send("{\"type\":\"ping\"}");
            for (var refused : List.of(anonymous, other)) {
                List<JsonObject> frames = refused.takeUntil("pong", frame -> "pong".equals(frame.getString("type", null)));
                assertTrue(frames.stream().noneMatch(frame -> "change".equals(frame.getString("type", null))
                        || "snapshot".equals(frame.getString("type", null))), "no rows: " + frames);
            }
        }
        URI stream = plank.api("/changes/" + SECURED + "?since=0");
        assertEquals(401, Api.send(HttpRequest.newBuilder(stream).header("Accept", "text/event-stream").GET()).statusCode());
        var forbidden = Api.send(HttpRequest.newBuilder(stream).header("Accept", "text/event-stream")
                .header("Authorization", "Bearer " + support).GET());
        assertEquals(403, forbidden.statusCode(), forbidden.body());
        assertEquals(Api.PROBLEM_JSON, forbidden.headers().firstValue("Content-Type").orElse("").split(";")[0]);
    }

    @Test
    void writesAndTheAdminApiRefuseAReadersToken(RunningPlank plank) throws SQLException {
        String reader = TestTokens.token("rita", List.of("sales"));
        String writer = TestTokens.token("walt", List.of("writer"));
        long before;
        try (Connection db = plank.connect()) {
            before = Sql.queryLong(db, "SELECT count(*) FROM items");
        }
        String item = "{\"name\":\"guarded\",\"value\":7}";
        assertEquals(401, new Api(plank, null).post("/items", Api.JSON, item).statusCode(), "anonymous write");
        assertEquals(403, new Api(plank, reader).post("/items", Api.JSON, item).statusCode(), "reader's write");
        assertEquals(403, new Api(plank, reader).delete("/items/1").statusCode(), "reader's delete");
        assertEquals(200, new Api(plank, reader).get("/items").statusCode(), "anyone reads items");
        assertEquals(201, new Api(plank, writer).post("/items", Api.JSON, item).statusCode(), "writer's write");
        try (Connection db = plank.connect()) {
            assertEquals(before + 1, Sql.queryLong(db, "SELECT count(*) FROM items"), "only the writer's item was written");
        }
        for (var call : List.of(new Api(plank, reader).get("/tables"), new Api(plank, reader).get("/sessions"),
                new Api(plank, reader).put("/tables/items", Api.JSON, "{}"),
                new Api(plank, reader).put("/tables/" + SECURED + "/grants", Api.JSON, "{\"read\":[\"anyone\"],\"write\":[]}"),
                new Api(plank, writer).delete("/tables/" + SECURED))) {
            assertEquals(403, call.statusCode(), call.request().method() + " " + call.request().uri() + ": " + call.body());
            assertEquals(Api.PROBLEM_JSON, call.headers().firstValue("Content-Type").orElse("").split(";")[0]);
        }
        var tables = JsonText.parseArray(new Api(plank).get("/tables").body());
        JsonObject secured = tables.getValuesAs(JsonObject.class).stream().filter(t -> SECURED.equals(t.getString("table"))).findFirst().orElseThrow();
        assertEquals(List.of("sales"), secured.getJsonArray("read").getValuesAs(jakarta.json.JsonString.class).stream()
                .map(jakarta.json.JsonString::getString).toList(), "grants unchanged: " + secured);
    }

    @Test
    void aRotatedKeyIsAcceptedAndTheOldOneStillIs(RunningPlank plank) {
        String before = TestTokens.token("olga", List.of("sales"));
        TestTokens.rotate();
        String after = TestTokens.token("olga", List.of("sales"));
        Poll.until("a token signed with the new key accepted", Duration.ofSeconds(15),
                () -> new Api(plank, after).get("/items").statusCode(), 200);
        assertEquals(200, new Api(plank, before).get("/items").statusCode(), "the old key is still published");
    }

    @Test
    void aTokenRefreshedInBandKeepsTheStreamAndAnExpiredOneClosesTheConnectionWith4401(RunningPlank plank) throws SQLException {
        try (var client = SocketClient.connect(plank); Connection db = plank.connect()) {
            assertEquals("authenticated", client.authenticate(TestTokens.token("sue", List.of("sales"))).getString("type"));
            client.send("{\"type\":\"subscribe\",\"table\":\"" + SECURED + "\",\"sub\":\"live\"}");
            client.awaitType("subscribed");
            JsonObject refreshed = client.authenticate(TestTokens.token("sue", List.of("sales"), Map.of(), Duration.ofMinutes(30)));
            assertEquals("authenticated", refreshed.getString("type"), refreshed.toString());
            assertEquals("sue", refreshed.getString("sub"));
            JsonObject stranger = client.authenticate(TestTokens.token("eve", List.of("sales")));
            assertEquals("invalid_token", stranger.getString("code"), "a connection keeps its subject: " + stranger);
            Sql.execute(db, "INSERT INTO " + SECURED + " VALUES (100, 'after the refresh')");
            client.await("the change after the refresh", frame -> "change".equals(frame.getString("type", null))
                    && frame.getJsonObject("data").getInt("id") == 100);

            JsonObject lost = client.authenticate(TestTokens.token("sue", List.of("support")));
            assertEquals("authenticated", lost.getString("type"), lost.toString());
            JsonObject ended = client.awaitType("unsubscribed");
            assertEquals(SECURED, ended.getString("table"), "a refresh that lost the role ends the subscription: " + ended);
        }
        try (var client = SocketClient.connect(plank)) {
            // Expired 27 s ago: accepted inside the 30 s clock skew, and kept until the skew has passed too (3 s from now).
            assertEquals("authenticated", client.authenticate(TestTokens.token("sue", List.of("sales"), Map.of(), Duration.ofSeconds(-27))).getString("type"));
            client.send("{\"type\":\"subscribe\",\"table\":\"" + SECURED + "\"}");
            client.awaitType("subscribed");
            assertEquals(4401, client.awaitClose(), "closed when the token expired");
        }
    }
}
