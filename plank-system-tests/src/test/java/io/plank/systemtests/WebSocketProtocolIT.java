package io.plank.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import jakarta.json.JsonObject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The WebSocket protocol's control messages, and what a bad client gets: errors, not a dropped connection. */
@ExtendWith(PlankExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebSocketProtocolIT {

    private static final int MESSAGE_TOO_BIG = 1009;
    private static final int CANNOT_ACCEPT = 1003;

    @Test
    void pingGetsPong(RunningPlank plank) {
        try (var client = SocketClient.connect(plank)) {
            client.send("{\"type\":\"ping\"}");
            client.awaitType("pong");
        }
    }

    @Test
    void subscribeAndUnsubscribeAreConfirmed(RunningPlank plank) {
        try (var client = SocketClient.subscribedTo(plank, "items")) {
            client.send("{\"type\":\"unsubscribe\",\"table\":\"items\"}");
            assertEquals("items", client.awaitType("unsubscribed").getString("table"));
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "{\"type\":\"subscribe\",                | invalid_json",
            "not json at all                          | invalid_json",
            "[1,2,3]                                  | invalid_message",
            "\"subscribe\"                            | invalid_message",
            "{\"table\":\"items\"}                    | invalid_message",
            "{\"type\":\"subscribe\"}                 | invalid_message",
            "{\"type\":\"shout\",\"table\":\"items\"} | unknown_type",
            "{\"type\":\"subscribe\",\"table\":\"no_such_table\"} | unknown_table",
            "{\"type\":\"ping\"} xyz                  | invalid_json",
            "{\"type\":\"ping\"}{\"type\":\"ping\"}     | invalid_json",
    })
    void badMessageGetsErrorFrameAndConnectionStaysOpen(String message, String code, RunningPlank plank) {
        try (var client = SocketClient.connect(plank)) {
            client.send(message);

            JsonObject error = client.awaitType("error");
            assertEquals(code, error.getString("code"), "error frame: " + error);
            assertTrue(error.containsKey("message"), "error frame has a message: " + error);
            client.send("{\"type\":\"ping\"}");
            client.awaitType("pong");
            assertTrue(!client.isClosed(), "connection still open");
        }
    }

    @Test
    void aBinaryMessageClosesWith1003(RunningPlank plank) {
        try (var client = SocketClient.connect(plank)) {
            client.sendBinary(new byte[] {1, 2, 3});

            assertEquals(CANNOT_ACCEPT, client.awaitClose());
        }
    }

    @Test
    void aTableNamedWithItsSchemaIsTheSameTable(RunningPlank plank) throws Exception {
        try (var db = plank.connect(); var client = SocketClient.connect(plank)) {
            client.send("{\"type\":\"subscribe\",\"table\":\"public.items\",\"sub\":\"qualified\"}");
            JsonObject subscribed = client.awaitType("subscribed");
            assertEquals("items", subscribed.getString("table"), "named as change frames name it: " + subscribed);
            long id = Changes.insertWithJdbc(db, "qualified name", 3);
            JsonObject change = client.await("the INSERT", Changes.change("INSERT", id));
            assertEquals("qualified", change.getJsonArray("subs").getString(0));

            client.send("{\"type\":\"unsubscribe\",\"table\":\"public.items\"}");
            assertEquals("items", client.awaitType("unsubscribed").getString("table"));
        }
    }

    @Test
    void frameOver64KiBClosesWith1009(RunningPlank plank) {
        try (var client = SocketClient.connect(plank)) {
            String padding = "x".repeat(65_536);
            client.trySend("{\"type\":\"ping\",\"padding\":\"" + padding + "\"}");

            assertEquals(MESSAGE_TOO_BIG, client.awaitClose());
            assertEquals("Messages are limited to 65536 bytes (plank.ws.max-message-bytes)", client.closeReason());
        }
    }
}
