package io.plank.systemtests;

import static io.plank.systemtests.Delivery.seq;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import jakarta.json.JsonObject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Plank behind nginx with the documented configuration ({@code docker/nginx/plank.conf}): TLS ends at the proxy,
 * clients know only its public address. REST works through it; the WebSocket origin check accepts a page served
 * from the proxy's host and refuses another site; a subscriber cut off when the proxy restarts reconnects through
 * it and resumes with {@code since}, missing nothing written meanwhile.
 */
@ExtendWith(PlankExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReverseProxyIT {

    @Test
    void throughTheProxyRestAndTheOriginCheckWorkAndACutOffSubscriberResumes(RunningPlank plank) throws Exception {
        Nginx.assumeInstalled();
        try (var proxy = Nginx.inFrontOf(plank.baseUrl()); Connection db = plank.connect()) {
            HttpClient http = proxy.client();

            var created = Api.send(HttpRequest.newBuilder(proxy.https("/plank/api/items")).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", Api.JSON).POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"proxied\",\"value\":1}")), http);
            assertEquals(201, created.statusCode(), created.body());
            String location = created.headers().firstValue("Location").orElse("");
            assertTrue(location.contains("//localhost:" + proxy.https("").getPort() + "/plank/api/items/"),
                    "Location names the proxy's public host and port: " + location);
            var page = Api.send(HttpRequest.newBuilder(proxy.https("/plank/api/items?limit=1")).GET(), http);
            assertEquals(200, page.statusCode());

            var refused = assertThrowsHandshake(http, proxy, "https://evil.example");
            assertEquals(403, refused, "a page of another site is refused through the proxy too");

            try (var writers = Writers.start(plank, 2, 50, Duration.ofSeconds(60))) {
                List<JsonObject> first;
                long start;
                try (var client = SocketClient.connect(http, proxy.wss("/plank/ws"), proxy.origin())) {
                    start = seq(client.subscribe("items", null)); // a page served by the proxy may connect
                    first = new ArrayList<>(client.takeUntil("20 changes through the proxy", Delivery.nthItemsChange(20)));
                    proxy.stop(); // cuts the connection, as a proxy restart or a network drop does
                    client.awaitEnd(); // the client sees its connection end
                    first.addAll(client.takeAvailable());
                }
                long resumeFrom = Delivery.resumePoint(start, first);
                writers.awaitMore(50, Duration.ofSeconds(20)); // written while the proxy is down
                proxy.start();
                try (var again = SocketClient.connect(http, proxy.wss("/plank/ws"), proxy.origin())) {
                    again.subscribe("items", resumeFrom);
                    writers.awaitMore(30, Duration.ofSeconds(20));
                    List<Writers.Write> written = writers.stop();
                    long end = LoggedChanges.insertSentinel(db);
                    List<JsonObject> second = again.takeUntil("the sentinel's change, seq " + end, Delivery.itemsChangeFrom(end));
                    Delivery.assertNothingUpTo("the resumed connection", resumeFrom, second);
                    Delivery.assertExactlyOnce(db, start, end, List.of(first, second), written);
                }
            }
        }
    }

    /** The HTTP status a WebSocket handshake through the proxy gets from a page at {@code origin} (101 if it opened). */
    private static int assertThrowsHandshake(HttpClient http, Nginx proxy, String origin) throws InterruptedException {
        try {
            WebSocket socket = http.newWebSocketBuilder().header("Origin", origin)
                    .buildAsync(proxy.wss("/plank/ws"), new WebSocket.Listener() { }).join();
            socket.abort();
            return 101;
        } catch (CompletionException e) {
            if (e.getCause() instanceof java.net.http.WebSocketHandshakeException handshake) {
                return handshake.getResponse().statusCode();
            }
            throw e;
        }
    }
}
