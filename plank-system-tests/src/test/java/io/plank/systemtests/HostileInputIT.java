package io.plank.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import jakarta.json.JsonObject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a hostile client sends, over WebSocket and REST: each case gets its documented error or close code, the
 * connection stays open where it should, the server stays ready, a fresh client still gets a change, and no data
 * changed. {@link WebSocketProtocolIT} and {@link ItemsApiIT} hold the plainer bad requests; this adds the hostile ones
 * and the limits of issue 11.
 */
@ExtendWith(PlankExtension.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class HostileInputIT {

    /** The harness's plank.ws.max-connections-per-address (RunningPlank), low so that 2,000 connections take seconds. */
    static final int CONNECTIONS_PER_ADDRESS = 200;
    /** plank.ws.max-messages-per-second's default. */
    private static final int MESSAGES_PER_SECOND = 100;
    private static final int TOO_MANY_MESSAGES = 4429;
    private static final String NESTED_60K = "[".repeat(60_000);
    /** Some connections claim another address, as the parameter Plank passes the real one in: Plank must not believe them. */
    private static final String SPOOFED_ADDRESS = "?plank.remote-address=10.9.8.7";

    private static RunningPlank current;
    private static String itemsBefore;

    static Stream<Arguments> hostileMessages() {
        return Stream.of(
                Arguments.of("truncated", "{\"type\":\"subscribe\",\"table\":\"ite", "invalid_json"),
                Arguments.of("60,000 [ in 64 KiB", "{\"type\":\"ping\",\"x\":" + NESTED_60K, "invalid_json"),
                Arguments.of("60,000 [ closed", "[".repeat(30_000) + "]".repeat(30_000), "invalid_json"),
                Arguments.of("10,000 nested objects", "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000), "invalid_json"),
                Arguments.of("a lone surrogate escape", "{\"type\":\"subscribe\",\"table\":\"\\uD800\"}", "invalid_message"),
                Arguments.of("a lone surrogate as sub", "{\"type\":\"subscribe\",\"table\":\"items\",\"sub\":\"x\\uDC00\"}", "invalid_message"),
                Arguments.of("type a number", "{\"type\":1}", "invalid_message"),
                Arguments.of("type an array", "{\"type\":[\"ping\"]}", "invalid_message"),
                Arguments.of("table a number", "{\"type\":\"subscribe\",\"table\":5}", "invalid_message"),
                Arguments.of("table an object", "{\"type\":\"subscribe\",\"table\":{\"name\":\"items\"}}", "invalid_message"),
                Arguments.of("sub an array", "{\"type\":\"subscribe\",\"table\":\"items\",\"sub\":[]}", "invalid_message"),
                Arguments.of("filter a number", "{\"type\":\"subscribe\",\"table\":\"items\",\"filter\":12}", "invalid_filter"),
                Arguments.of("snapshot a string", "{\"type\":\"subscribe\",\"table\":\"items\",\"snapshot\":\"yes\"}", "invalid_message"),
                Arguments.of("since 1e400", "{\"type\":\"subscribe\",\"table\":\"items\",\"since\":1e400}", "invalid_message"),
                Arguments.of("since 23 nines", "{\"type\":\"subscribe\",\"table\":\"items\",\"since\":99999999999999999999999}", "invalid_message"),
                Arguments.of("since -1", "{\"type\":\"subscribe\",\"table\":\"items\",\"since\":-1}", "invalid_message"),
                Arguments.of("since 1.5", "{\"type\":\"subscribe\",\"table\":\"items\",\"since\":1.5}", "invalid_message"),
                Arguments.of("a 60,000-char table", "{\"type\":\"subscribe\",\"table\":\"" + "t".repeat(60_000) + "\"}", "invalid_message"),
                Arguments.of("a 60,000-char sub", "{\"type\":\"subscribe\",\"table\":\"items\",\"sub\":\"" + "s".repeat(60_000) + "\"}", "invalid_message"),
                Arguments.of("a 60,000-char filter", "{\"type\":\"subscribe\",\"table\":\"items\",\"filter\":\"name=eq." + "f".repeat(60_000) + "\"}", "invalid_filter"),
                Arguments.of("a filter value of 1e400 for an int", "{\"type\":\"subscribe\",\"table\":\"items\",\"filter\":\"value=gt.1e400\"}", "invalid_filter"),
                Arguments.of("a filter value of 23 nines for an int", "{\"type\":\"subscribe\",\"table\":\"items\",\"filter\":\"value=eq.99999999999999999999999\"}", "invalid_filter"),
                Arguments.of("SQL in a table name", "{\"type\":\"subscribe\",\"table\":\"items; DROP TABLE items; --\"}", "unknown_table"),
                Arguments.of("a quoted table name", "{\"type\":\"subscribe\",\"table\":\"\\\"items\\\"\"}", "unknown_table"),
                Arguments.of("a quote in a table name", "{\"type\":\"subscribe\",\"table\":\"items' OR '1'='1\"}", "unknown_table"),
                Arguments.of("RTL override in a table name", "{\"type\":\"subscribe\",\"table\":\"\u202Eitems\"}", "unknown_table"),
                Arguments.of("zero-width space in a table name", "{\"type\":\"subscribe\",\"table\":\"ite\u200Bms\"}", "unknown_table"),
                Arguments.of("emoji as a table name", "{\"type\":\"subscribe\",\"table\":\"\uD83D\uDCA3\"}", "unknown_table"),
                Arguments.of("NUL in a table name", "{\"type\":\"subscribe\",\"table\":\"items\\u0000\"}", "unknown_table"),
                Arguments.of("SQL in a filter column", "{\"type\":\"subscribe\",\"table\":\"items\",\"filter\":\"name;DROP TABLE items=eq.1\"}", "invalid_filter"),
                Arguments.of("unicode in a filter column", "{\"type\":\"subscribe\",\"table\":\"items\",\"filter\":\"na\u200Bme=eq.1\"}", "invalid_filter"),
                Arguments.of("NUL in a filter value", "{\"type\":\"subscribe\",\"table\":\"items\",\"filter\":\"name=eq.a\\u0000b\"}", "invalid_filter"));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("hostileMessages")
    void aHostileMessageGetsItsErrorAndTheConnectionStaysOpen(String what, String message, String code, RunningPlank plank) throws SQLException {
        remember(plank);
        try (var client = SocketClient.connect(plank)) {
            client.send(message);

            JsonObject error = client.awaitType("error");
            assertEquals(code, error.getString("code"), what + ": " + error);
            client.send("{\"type\":\"ping\"}");
            client.awaitType("pong");
            assertFalse(client.isClosed(), "connection still open");
        }
    }

    /** Filter values are data, never SQL: metacharacters and unicode match rows holding exactly them, live and in a snapshot. */
    @Test
    void sqlAndUnicodeInFilterValuesMatchOnlyWhatTheySay(RunningPlank plank) throws SQLException {
        remember(plank);
        String[] names = {"'; DROP TABLE items; --", "a\\' OR 1=1", "\u202Egnp.exe", "zero\u200Bwidth", "\uD83D\uDCA3\uD83D\uDD25", "%_*"};
        try (var client = SocketClient.connect(plank); var db = plank.connect()) {
            for (int i = 0; i < names.length; i++) {
                String sub = "n" + i;
                var message = JsonText.builder().add("type", "subscribe").add("table", "items").add("sub", sub)
                        .add("filter", "name=eq." + names[i]).build();
                client.send(message.toString());
                JsonObject answer = client.await("the answer to " + message,
                        frame -> sub.equals(frame.getString("sub", null)));
                assertEquals("subscribed", answer.getString("type"), answer.toString());
            }
            long decoy = Changes.insertWithJdbc(db, "innocent", 1);
            for (int i = 0; i < names.length; i++) {
                long id = Changes.insertWithJdbc(db, names[i], i);
                JsonObject change = client.await("the INSERT of " + names[i], Changes.change("INSERT", id));
                assertEquals(List.of("n" + i), change.getJsonArray("subs").getValuesAs(jakarta.json.JsonString.class).stream()
                        .map(jakarta.json.JsonString::getString).toList(), "only its own filter matched: " + change);
                assertEquals(names[i], change.getJsonObject("data").getString("name"));
            }
            assertTrue(client.takeAvailable().stream().noneMatch(Changes.change("INSERT", decoy)), "the decoy matched no filter");
            itemsBefore = items(plank);
        }
    }

    /**
     * 10,000 subscribes on one socket, each sent as soon as the last was answered, end in 4429 after a burst of 100; a
     * paced client beside it is served throughout.
     */
    @Test
    void tenThousandSubscribesOnOneSocketCloseItWith4429WhileAPacedClientIsFine(RunningPlank plank) throws Exception {
        remember(plank);
        try (var eager = SocketClient.connect(plank); var paced = SocketClient.connect(plank)) {
            int[] attempts = {0};
            Thread subscriber = new Thread(() -> {
                for (; attempts[0] < 10_000 && !eager.isClosed(); attempts[0]++) {
                    String sub = "s" + attempts[0];
                    eager.trySend("{\"type\":\"subscribe\",\"table\":\"items\",\"sub\":\"" + sub + "\"}");
                    try {
                        eager.await("the answer to " + sub, frame -> sub.equals(frame.getString("sub", null)));
                    } catch (AssertionError closedInstead) {
                        return;
                    }
                }
            }, "eager-subscriber");
            subscriber.start();
            long start = System.nanoTime();
            for (int sent = 0; sent < 150; sent++) { // 150 in 3 s: more than one burst, under the rate
                paced.send("{\"type\":\"ping\"}");
                paced.awaitType("pong");
                long due = start + TimeUnit.MILLISECONDS.toNanos(20L * (sent + 1));
                Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(due - System.nanoTime())));
            }
            assertEquals(TOO_MANY_MESSAGES, eager.awaitClose());
            assertEquals("Too many messages: at most " + MESSAGES_PER_SECOND + " per second (plank.ws.max-messages-per-second)", eager.closeReason());
            subscriber.join(30_000);
            assertTrue(attempts[0] > MESSAGES_PER_SECOND && attempts[0] < 10_000, attempts[0] + " attempts");
            assertFalse(paced.isClosed(), "the paced client is still connected");
            paced.send("{\"type\":\"ping\"}");
            paced.awaitType("pong");
        }
    }

    /**
     * A client that writes without reading answers is ended too. Its close frame says 4429, but Tyrus (Payara) closes
     * the TCP connection right after sending it, with the flood still unread, and the client may get a reset instead.
     */
    @Test
    void aFloodOfPingsEndsTheConnection(RunningPlank plank) throws SQLException {
        remember(plank);
        try (var client = SocketClient.connect(plank)) {
            int sent = 0;
            for (; sent < 50 * MESSAGES_PER_SECOND && !client.isClosed(); sent++) {
                client.trySend("{\"type\":\"ping\"}");
            }
            String end = client.awaitEnd();
            assertTrue(end.equals("closed with " + TOO_MANY_MESSAGES) || end.startsWith("failed"), end);
            long pongs = client.takeAvailable().stream().filter(frame -> "pong".equals(frame.getString("type", null))).count();
            assertTrue(pongs < sent, "Plank stopped answering: " + pongs + " pongs for " + sent + " pings");
        }
    }

    /**
     * 2,000 connections from one address, in rounds of the limit: each round opens exactly the limit before a handshake
     * is refused with 429 problem+json, so every way the previous round ended (a close frame, a dropped socket, Plank
     * closing it with 1003, an event stream going away) gave back its slot once. Two rounds hold event streams too.
     */
    @Test
    void twoThousandConnectionsFromOneAddressEachRoundOpensExactlyTheLimit(RunningPlank plank) throws Exception {
        remember(plank);
        int opened = 0;
        for (int round = 0; opened < 2_000; round++) {
            List<AutoCloseable> connections = fillUpTo(plank);
            try {
                if (round == 0 || round == 9) {
                    opened += swapInEventStreams(plank, connections);
                }
                assertFullAndRefusing(plank, round);
            } finally {
                end(connections, round);
            }
            opened += CONNECTIONS_PER_ADDRESS;
        }
        assertTrue(opened >= 2_000, "opened " + opened);
    }

    /** A full address is refused a WebSocket and an event stream alike, with 429 problem+json naming the setting. */
    private static void assertFullAndRefusing(RunningPlank plank, int round) {
        assertProblem(Api.send(HttpRequest.newBuilder(plank.webSocketHttp()).GET()), 429, "plank.ws.max-connections-per-address");
        assertProblem(EventStreamClient.refused(plank.api("/changes/items"), null), 429, "plank.ws.max-connections-per-address");
        if (round == 0) {
            assertEachCountedBy127001(plank);
        }
    }

    /**
     * Opens WebSockets until one is refused, within 90 s: fails unless exactly the limit open, which needs every earlier
     * connection to have given its slot back (Payara notices an event stream's client gone at its second keep-alive, so
     * up to 30 s late). Every tenth claims another address, which Plank must ignore.
     */
    private static List<AutoCloseable> fillUpTo(RunningPlank plank) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            List<AutoCloseable> connections = new ArrayList<>();
            String refusal = null;
            while (refusal == null && connections.size() <= CONNECTIONS_PER_ADDRESS) {
                try {
                    connections.add(RawSocketClient.connect(plank.webSocket(connections.size() % 10 == 7 ? SPOOFED_ADDRESS : "")));
                } catch (IOException refused) {
                    refusal = refused.getMessage();
                }
            }
            if (connections.size() == CONNECTIONS_PER_ADDRESS && refusal != null && refusal.contains("429")) {
                return connections;
            }
            end(connections, 0);
            assertTrue(connections.size() <= CONNECTIONS_PER_ADDRESS, "opened " + connections.size() + " over a limit of " + CONNECTIONS_PER_ADDRESS);
            assertTrue(refusal == null || refusal.contains("429"), "the one over the limit: " + refusal);
            assertTrue(System.nanoTime() < deadline, "only " + connections.size() + " of " + CONNECTIONS_PER_ADDRESS
                    + " connections accepted 90 s on; the last refusal: " + refusal + "; open now: " + openSessions(plank));
            Poll.pause();
        }
    }

    /**
     * Closes 20 of the full address's WebSockets politely and opens an event stream in each one's place, as soon as its
     * slot is back; the address is full again after. Returns how many streams opened.
     */
    private static int swapInEventStreams(RunningPlank plank, List<AutoCloseable> connections) throws Exception {
        int streams = 20;
        for (int i = 0; i < streams; i++) {
            var socket = (RawSocketClient) connections.remove(connections.size() - 1);
            socket.sendClose();
            socket.close();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (int i = 0; i < streams; i++) {
            while (true) {
                try {
                    connections.add(EventStreamClient.open(plank.api("/changes/items"), null));
                    break;
                } catch (AssertionError refused) {
                    assertTrue(refused.getMessage().contains("answered 429"), refused.getMessage());
                    assertTrue(System.nanoTime() < deadline, "the closed WebSockets' slots did not come back: " + openSessions(plank));
                    Poll.pause();
                }
            }
        }
        return streams;
    }

    /** The server's open connections, counted by transport and address. */
    private static String openSessions(RunningPlank plank) {
        var sessions = new Api(plank).get("/sessions");
        return sessions.statusCode() != 200 ? sessions.body() : JsonText.array(sessions.body()).getValuesAs(JsonObject.class).stream()
                .collect(java.util.stream.Collectors.groupingBy(session -> session.getString("transport") + " " + session.get("address"),
                        java.util.stream.Collectors.counting())).toString();
    }

    /** The server counted the connections by the address they came from, not by some stand-in the same for all. */
    private static void assertEachCountedBy127001(RunningPlank plank) {
        var sessions = new Api(plank).get("/sessions");
        assertEquals(200, sessions.statusCode(), sessions.body());
        var addresses = JsonText.array(sessions.body()).getValuesAs(JsonObject.class).stream()
                .map(session -> session.getString("transport") + " " + session.getString("address")).distinct().sorted().toList();
        assertEquals(List.of("event-stream 127.0.0.1", "websocket 127.0.0.1"), addresses);
    }

    /** Ends each connection one of four ways, by its place and the round. */
    private static void end(List<AutoCloseable> connections, int round) throws Exception {
        for (int i = 0; i < connections.size(); i++) {
            AutoCloseable connection = connections.get(i);
            if (connection instanceof RawSocketClient socket) {
                switch ((i + round) % 3) {
                    case 0 -> socket.sendClose();
                    case 1 -> socket.sendBinary(new byte[] {1}); // Plank closes it with 1003
                    default -> { } // dropped
                }
            }
        }
        for (AutoCloseable connection : connections) {
            connection.close();
        }
    }

    @Test
    void restBodiesNestedDeeplyOrWithWrongTypesOrHugeNumbersAre400AndStoreNothing(RunningPlank plank) throws SQLException {
        remember(plank);
        var api = new Api(plank);
        for (String body : List.of(
                "{\"name\":" + NESTED_60K,
                "{\"name\":" + "[".repeat(30_000) + "]".repeat(30_000) + ",\"value\":1}",
                "{\"name\":\"deep\",\"value\":1,\"extra\":" + "[".repeat(30_000) + "]".repeat(30_000) + "}",
                "{\"name\":\"deep\",\"value\":1,\"extra\":" + "{\"a\":".repeat(20_000) + "1" + "}".repeat(20_000) + "}",
                NESTED_60K,
                "{\"name\":\"truncated\",\"val",
                "{\"name\":5,\"value\":1}",
                "{\"name\":true,\"value\":1}",
                "{\"name\":[\"typed\"],\"value\":1}",
                "{\"name\":\"typed\",\"value\":\"12\"}",
                "{\"name\":{\"n\":\"typed\"},\"value\":1}",
                "{\"name\":\"typed\",\"value\":true}",
                "{\"name\":\"typed\",\"value\":1,\"version\":\"zero\"}",
                "{\"name\":\"typed\",\"value\":\"one\"}",
                "{\"name\":\"typed\",\"value\":[1]}",
                "{\"name\":\"typed\",\"value\":{\"n\":1}}",
                "{\"name\":\"huge\",\"value\":1e400}",
                "{\"name\":\"huge\",\"value\":99999999999999999999999}",
                "{\"name\":\"" + "n".repeat(900_000) + "\",\"value\":1}")) {
            var response = api.post("/items", Api.JSON, body);
            String shown = body.length() > 60 ? body.substring(0, 60) + "..." : body;
            assertEquals(400, response.statusCode(), shown + " -> " + response.body());
            assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith(Api.PROBLEM_JSON), shown);
        }
        assertProblem(api.post("/items", Api.JSON, "{\"name\":\"deep\",\"value\":1,\"extra\":" + "[".repeat(65) + "]".repeat(65) + "}"),
                400, "nest deeper than 64");
    }

    @Test
    void restPagesAndTableNamesWithHostileValuesAreProblems(RunningPlank plank) throws SQLException {
        remember(plank);
        var api = new Api(plank);
        assertProblem(api.get("/items?offset=0&limit=501"), 400, "500");
        assertProblem(api.get("/items?offset=0&limit=99999999999999999999999"), 400, null);
        assertProblem(api.get("/items?offset=0&limit=1e400"), 400, null);
        assertProblem(api.get("/items/99999999999999999999999"), 404, null);
        for (String table : List.of("items%3B%20DROP%20TABLE%20items", "items'%20OR%20'1'%3D'1", "%E2%80%AEitems", "ite%E2%80%8Bms",
                "%F0%9F%92%A3")) {
            var response = EventStreamClient.refused(plank.api("/changes/" + table), null);
            assertEquals(404, response.statusCode(), table + ": " + response.body());
            assertProblem(response, 404, null);
        }
        // A NUL in the path: WildFly passes it to Plank (404 problem+json); Payara's Grizzly answers 400 itself, empty.
        int nul = EventStreamClient.refused(plank.api("/changes/items%00"), null).statusCode();
        assertTrue(nul == 404 || nul == 400, "items%00: " + nul);
        assertProblem(EventStreamClient.refused(plank.api("/changes/items?filter=name%3Beq.1"), null), 400, null);
        assertProblem(EventStreamClient.refused(plank.api("/changes/items?since=1e400"), null), 400, null);
    }

    /** After each case: readiness UP, a fresh client gets a change, and the items and tables are as before it. */
    @AfterEach
    void theServerIsHealthyAndNothingChanged() throws SQLException {
        if (current == null) {
            return;
        }
        RunningPlank plank = current;
        current = null;
        Poll.until("readiness", Duration.ofSeconds(30), () -> Api.status(plank.readinessUrl()), 200);
        assertEquals(itemsBefore, items(plank), "the items and tables are unchanged");
        try (var fresh = SocketClient.subscribedTo(plank, "items"); Connection db = plank.connect()) {
            long id = Changes.insertWithJdbc(db, "after a hostile client", 1);
            fresh.await("the INSERT after a hostile client", Changes.change("INSERT", id));
            Sql.execute(db, "DELETE FROM items WHERE id = " + id);
        }
    }

    private static void remember(RunningPlank plank) throws SQLException {
        current = plank;
        itemsBefore = items(plank);
    }

    /** Every item and the public tables, as one text to compare. */
    private static String items(RunningPlank plank) throws SQLException {
        try (Connection db = plank.connect()) {
            return Sql.queryString(db, "SELECT coalesce(md5(string_agg(i::text, ',' ORDER BY id)), '') || ' ' || "
                    + "(SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public') FROM items i");
        }
    }

    private static void assertProblem(HttpResponse<String> response, int status, String detailNames) {
        assertEquals(status, response.statusCode(), "body: " + response.body());
        String type = response.headers().firstValue("Content-Type").orElse("(none)");
        assertTrue(type.startsWith(Api.PROBLEM_JSON), "Content-Type " + type + ", body " + response.body());
        JsonObject problem = JsonText.object(response.body());
        assertEquals(status, problem.getInt("status"), problem.toString());
        if (detailNames != null) {
            assertTrue(problem.getString("detail", "").contains(detailNames), problem.toString());
        }
    }
}
