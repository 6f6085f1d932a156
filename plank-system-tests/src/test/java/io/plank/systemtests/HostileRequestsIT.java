package io.plank.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import jakarta.json.JsonObject;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import io.plank.testsupport.server.Logs;

/**
 * What an outside probe found Plank accepting or doing wrong (issue 19, item 6), each refused or done right on the real
 * EAR: strings REST would alter (a lone surrogate, bytes that are not UTF-8, another charset), a body with more after
 * its JSON value, a token whose {@code sub} is empty, a token expired inside the clock skew, grants and bindings for
 * tables and columns that do not exist, an event stream's {@code sub}, and event streams and WebSockets their clients
 * drop.
 */
@ExtendWith(PlankExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HostileRequestsIT {

    private static final String TABLE = "hostile_requests";
    /** plank.auth.clock-skew-seconds as the servers run (the default). */
    private static final Duration SKEW = Duration.ofSeconds(30);

    @BeforeAll
    static void aCapturedTable(RunningPlank plank) throws SQLException {
        try (Connection db = plank.connect()) {
            Sql.createTable(db, TABLE, "(id int PRIMARY KEY, tenant text)");
            Sql.capture(plank, TABLE, "durable");
            Sql.createTable(db, TABLE + "_uncaptured", "(id int PRIMARY KEY, tenant text)");
        }
    }

    @Test
    void restRefusesTextItWouldAlterAndBodiesWithMoreAfterTheJson(RunningPlank plank) throws SQLException {
        long items = itemCount(plank);
        assertProblem(post(plank, "application/json", "{\"name\":\"\\ud800\",\"value\":1}".getBytes(StandardCharsets.UTF_8)),
                400, "surrogate");
        assertProblem(post(plank, "application/json", "{\"name\":\"x\",\"value\":1,\"\\udc00\":2}".getBytes(StandardCharsets.UTF_8)),
                400, "surrogate");
        byte[] notUtf8 = "{\"name\":\"a__b\",\"value\":1}".getBytes(StandardCharsets.US_ASCII);
        notUtf8[10] = (byte) 0xff;
        notUtf8[11] = (byte) 0xc3;
        assertProblem(post(plank, "application/json", notUtf8), 400, "UTF-8");
        assertProblem(post(plank, "application/json; charset=latin1", "{\"name\":\"caf\u00e9\",\"value\":1}".getBytes(StandardCharsets.ISO_8859_1)),
                415, "UTF-8");
        assertProblem(post(plank, "application/json;charset=UTF-16", "{\"name\":\"x\",\"value\":1}".getBytes(StandardCharsets.UTF_16)),
                415, "UTF-8");
        assertProblem(post(plank, "application/json", "{\"name\":\"a\",\"value\":1}garbage".getBytes(StandardCharsets.UTF_8)),
                400, "after the JSON value");
        assertProblem(post(plank, "application/json", "{\"name\":\"a\",\"value\":1} {}".getBytes(StandardCharsets.UTF_8)),
                400, "after the JSON value");
        assertEquals(items, itemCount(plank), "nothing refused was stored");

        var accepted = post(plank, "application/json; charset=utf-8", "{\"name\":\"caf\u00e9 \uD83D\uDE00\",\"value\":1}\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(201, accepted.statusCode(), accepted.body());
        assertEquals("caf\u00e9 \uD83D\uDE00", JsonText.object(accepted.body()).getString("name"), "stored as sent");
    }

    @Test
    void aTokenWithAnEmptySubjectIsRefusedOnBothTransports(RunningPlank plank) {
        String empty = TestTokens.sign(TestTokens.currentKey(), TestTokens.claims("", List.of("writer"), Map.of(), Duration.ofMinutes(5)).build());
        var rest = new Api(plank, empty).get("/items");
        assertEquals(401, rest.statusCode(), rest.body());
        assertTrue(rest.headers().firstValue("WWW-Authenticate").orElse("").contains("invalid_token"), rest.headers().toString());
        try (var client = SocketClient.connect(plank)) {
            JsonObject answer = client.authenticate(empty);
            assertEquals("invalid_token", answer.getString("code", null), answer.toString());
        }
    }

    @Test
    void aTokenExpiredInsideTheClockSkewIsKeptUntilExpiryPlusSkew(RunningPlank plank) {
        Instant expiry = Instant.ofEpochSecond(Instant.now().minus(SKEW).plusSeconds(8).getEpochSecond());
        String token = TestTokens.sign(TestTokens.currentKey(),
                TestTokens.claims("skewed", List.of(), Map.of(), Duration.ZERO).expirationTime(Date.from(expiry)).build());
        try (var client = SocketClient.connect(plank)) {
            JsonObject answer = client.authenticate(token);
            assertEquals("authenticated", answer.getString("type"), answer.toString());
            assertEquals(expiry.getEpochSecond(), answer.getJsonNumber("exp").longValue(), "the token's own exp: " + answer);
            Poll.until("3 s after the answer", Duration.ofSeconds(5), () -> Instant.now().isAfter(expiry.plus(SKEW).minusSeconds(5)), true);
            client.send("{\"type\":\"ping\"}");
            client.awaitType("pong");
            assertFalse(client.isClosed(), "open until exp + skew");
            assertEquals(4401, client.awaitClose(), "closed once exp + skew passed");
            assertFalse(Instant.now().isBefore(expiry.plus(SKEW)), "not closed before exp + skew");
        }
    }

    @Test
    void grantsAndBindingsNeedTheTableAndTheColumn(RunningPlank plank) {
        var api = new Api(plank);
        String grants = "{\"read\":[\"anyone\"],\"write\":[]}";
        assertProblem(api.put("/tables/no_such_table/grants", Api.JSON, grants), 404, "no_such_table");
        assertEquals(200, api.put("/tables/no_such_table/grants", Api.JSON, "{\"read\":[],\"write\":[]}").statusCode(),
                "clearing needs no table: the rules of one dropped must not wait for a new one");
        assertProblem(api.put("/tables/no_such_table/binding", Api.JSON, "{\"column\":\"tenant\",\"claim\":\"tenant\"}"), 404, "no_such_table");
        assertProblem(api.put("/tables/" + TABLE + "/binding", Api.JSON, "{\"column\":\"no_such_column\",\"claim\":\"tenant\"}"),
                400, "no_such_column");
        JsonObject table = JsonText.array(api.get("/tables").body()).stream().map(JsonObject.class::cast)
                .filter(t -> TABLE.equals(t.getString("table"))).findFirst().orElseThrow();
        assertFalse(table.containsKey("binding") && !table.isNull("binding"), "nothing was stored: " + table);

        // A table not captured yet may get its rules before its first change goes out.
        String uncaptured = TABLE + "_uncaptured";
        assertEquals(200, api.put("/tables/" + uncaptured + "/grants", Api.JSON, "{\"read\":[],\"write\":[]}").statusCode());
        assertEquals(200, api.put("/tables/" + uncaptured + "/binding", Api.JSON, "{\"column\":\"tenant\",\"claim\":\"tenant\"}").statusCode());
        assertEquals(204, api.delete("/tables/" + uncaptured + "/binding").statusCode());
    }

    @Test
    void anEventStreamsSubIsCheckedAndCarried(RunningPlank plank) throws SQLException {
        assertProblem(EventStreamClient.refused(plank.api("/changes/" + TABLE + "?sub="), null), 400, "sub");
        assertProblem(EventStreamClient.refused(plank.api("/changes/" + TABLE + "?sub=" + "s".repeat(101)), null), 400, "sub");
        String sub = "mine \u00e9";
        try (var stream = EventStreamClient.open(plank.api("/changes/" + TABLE + "?sub=" + URLEncoder.encode(sub, StandardCharsets.UTF_8)), null);
             Connection db = plank.connect()) {
            var subscribed = stream.next(Duration.ofSeconds(20));
            assertEquals("subscribed", subscribed.name(), String.valueOf(subscribed));
            assertEquals(sub, subscribed.data().getString("sub", null), "subscribed carries the sub: " + subscribed.data());
            Sql.execute(db, "INSERT INTO " + TABLE + " VALUES (1, 'a')");
            var change = stream.next(Duration.ofSeconds(20));
            assertEquals("change", change.name(), String.valueOf(change));
            assertEquals(List.of(sub), change.data().getJsonArray("subs").getValuesAs(jakarta.json.JsonString::getString),
                    "a change carries the sub, as a WebSocket's does: " + change.data());
        }
    }

    /**
     * A client dropping an event stream (half of them reset, half closed) is a client leaving, not an error, on either
     * server: nothing at ERROR or SEVERE, no stack trace, and every stream's connection is given back.
     */
    @Test
    void eventStreamsTheirClientsDropAreNoErrors(RunningPlank plank) throws IOException {
        long logPosition = Logs.size(plank.logFile());
        URI uri = plank.api("/changes/" + TABLE);
        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            var socket = new Socket(uri.getHost(), uri.getPort());
            sockets.add(socket);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                    + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String head = readUntil(in, "event: subscribed");
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
        }
        var api = new Api(plank);
        Poll.until("20 event streams open", Duration.ofSeconds(10), () -> eventStreams(api) >= 20, true);
        for (int i = 0; i < sockets.size(); i++) {
            if (i % 2 == 0) {
                sockets.get(i).setSoLinger(true, 0); // a reset, as a client whose machine goes away; the others close
            }
            sockets.get(i).close();
        }
        // The next keep-alive (every 15 s) finds each gone.
        Poll.until("the dropped streams closed", Duration.ofSeconds(45), () -> eventStreams(api), 0L);
        String log = Logs.since(plank.logFile(), logPosition);
        var errors = Pattern.compile("^.*\\b(ERROR|SEVERE)\\b.*$", Pattern.MULTILINE).matcher(log);
        assertFalse(errors.find(), "a client leaving is no error:\n" + log);
        assertFalse(log.contains("\tat "), "nor a stack trace:\n" + log);
    }

    /**
     * WebSocket clients that drop their connection within milliseconds of the handshake, half before the 101 has come
     * back and half just after, half with a reset and half with a close, leave no session behind on either server:
     * Payara's Tyrus kept such sessions open with no connection under them, forever (they counted against the
     * address's connection limit), until the keep-alive's ping found them gone. Nor is a client leaving an error.
     */
    @Test
    void webSocketsTheirClientsDropAtTheHandshakeLeaveNoSession(RunningPlank plank) throws IOException {
        var api = new Api(plank);
        long before = webSockets(api);
        long logPosition = Logs.size(plank.logFile());
        URI uri = plank.webSocket("");
        for (int i = 0; i < 80; i++) {
            try (var socket = new Socket(uri.getHost(), uri.getPort())) {
                OutputStream out = socket.getOutputStream();
                out.write(("GET " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                        + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
                        + java.util.Base64.getEncoder().encodeToString(("plank-test-" + (10_000 + i)).getBytes(StandardCharsets.US_ASCII))
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                if (i % 4 >= 2) {
                    String head = readUntil(socket.getInputStream(), "\r\n\r\n");
                    assertTrue(head.startsWith("HTTP/1.1 101"), head);
                }
                if (i % 2 == 0) {
                    socket.setSoLinger(true, 0);
                }
            }
        }
        // The keep-alive (every 15 s) pings each session with nothing to send.
        Poll.until("the dropped WebSockets' sessions gone", Duration.ofSeconds(45), () -> webSockets(api), before);
        String log = Logs.since(plank.logFile(), logPosition);
        assertFalse(Pattern.compile("^.*\\b(ERROR|SEVERE)\\b.*$", Pattern.MULTILINE).matcher(log).find(),
                "a client leaving is no error:\n" + log);
    }

    private static long webSockets(Api api) {
        return JsonText.array(api.get("/sessions").body()).stream()
                .filter(session -> "websocket".equals(session.asJsonObject().getString("transport", null))).count();
    }

    private static long eventStreams(Api api) {
        return JsonText.array(api.get("/sessions").body()).stream()
                .filter(session -> "event-stream".equals(session.asJsonObject().getString("transport", null))).count();
    }

    private static String readUntil(InputStream in, String marker) throws IOException {
        var text = new StringBuilder();
        while (!text.toString().contains(marker)) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            text.append((char) b);
        }
        return text.toString();
    }

    private static long itemCount(RunningPlank plank) throws SQLException {
        try (Connection db = plank.connect()) {
            return Sql.queryLong(db, "SELECT count(*) FROM items");
        }
    }

    private static HttpResponse<String> post(RunningPlank plank, String contentType, byte[] body) {
        return Api.send(HttpRequest.newBuilder(plank.api("/items")).timeout(Duration.ofSeconds(20))
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    private static void assertProblem(HttpResponse<String> response, int status, String detail) {
        assertEquals(status, response.statusCode(), response.body());
        assertEquals(Api.PROBLEM_JSON, response.headers().firstValue("Content-Type").orElse("").split(";")[0], response.body());
        assertTrue(JsonText.object(response.body()).getString("detail", "").contains(detail), response.body());
    }
}
