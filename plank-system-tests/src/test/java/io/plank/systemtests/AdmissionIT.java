package io.plank.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.json.JsonObject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.plank.client.ConnectionState;
import io.plank.client.PlankClient;
import io.plank.client.Subscribe;

/**
 * New connections over {@code plank.ws.admission-rate}: a second server of the kind under test, admitting 4 a second
 * after a burst of 4, so that a test can reach the rate by itself. A WebSocket handshake and an event stream over it are
 * refused before any work with 503 problem+json naming the setting and a {@code Retry-After}; connections already
 * open are untouched and keep their changes; the Java client waits what it is told and then comes in; status counts
 * the refusals.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AdmissionIT {

    private static final int RATE = 4;
    private static final Map<String, String> SLOW_ADMISSION = Map.of(
            "PLANK_WS_ADMISSION_RATE", Integer.toString(RATE), "PLANK_WS_ADMISSION_BURST", Integer.toString(RATE));

    private static RunningPlank plank;

    @BeforeAll
    static void start() {
        plank = RunningPlank.startSecond(SLOW_ADMISSION);
    }

    @AfterAll
    static void stop() {
        if (plank != null) {
            plank.close();
        }
    }

    @Test
    void overTheRateAHandshakeAndAStreamAreRefusedWith503AndRetryAfterAndOpenConnectionsKeepTheirChanges() throws Exception {
        long refusedBefore = refusedAdmission();
        try (Connection db = plank.connect(); var reader = SocketClient.connect(plank)) {
            reader.subscribe("items", null);
            Thread.sleep(1_500); // the bucket full again: RATE after a second
            List<RawSocketClient> admitted = new ArrayList<>();
            String refusal = null;
            try {
                while (refusal == null && admitted.size() < 10 * RATE) {
                    try {
                        admitted.add(RawSocketClient.connect(plank.webSocket("")));
                    } catch (IOException refused) {
                        refusal = refused.getMessage();
                    }
                }
                assertTrue(refusal != null && refusal.contains("503"), "a real handshake over the rate: " + refusal
                        + " after " + admitted.size() + " admitted");
                assertTrue(admitted.size() >= RATE && admitted.size() < 10 * RATE, "admitted the burst, then about the rate: " + admitted.size());
            } finally {
                for (var client : admitted) {
                    client.close();
                }
            }

            assertRefused(drain(plank.webSocketHttp()));
            // An unknown table's stream: 404 once admitted (nothing opens), 503 when not.
            assertRefused(drain(plank.api("/changes/no_such_table")));

            Sql.execute(db, "INSERT INTO items (name) VALUES ('admitted before the crowd')");
            JsonObject change = reader.awaitType("change");
            assertEquals("admitted before the crowd", change.getJsonObject("data").getString("name"));
            assertEquals("open", reader.describeEnd(), "the connection admitted earlier is untouched");
        }
        assertTrue(refusedAdmission() >= refusedBefore + 3, "status counts every refusal: " + refusedAdmission());
    }

    @Test
    void theJavaClientWaitsTheRetryAfterItIsToldAndThenComesIn() throws Exception {
        var record = new JavaClients.Record();
        var crowd = new AtomicBoolean(true);
        // Another crowd keeps the bucket empty until the client has been refused once.
        var drainer = new Thread(() -> {
            while (crowd.get()) {
                Api.send(HttpRequest.newBuilder(plank.webSocketHttp()).GET());
            }
        });
        drainer.start();
        try {
            drain(plank.webSocketHttp());
            try (var client = PlankClient.builder(plank.webSocket("")).backoff(Duration.ofMillis(100), Duration.ofSeconds(1))
                    .onState(change -> {
                        record.states.add(change);
                        if (change.state() == ConnectionState.RECONNECTING) {
                            crowd.set(false);
                        }
                    }).build()) {
                client.subscribe(Subscribe.to("items"), record::accept).ready().get(30, TimeUnit.SECONDS);
                var refused = record.states.stream().filter(state -> state.state() == ConnectionState.RECONNECTING).findFirst()
                        .orElseThrow(() -> new AssertionError("never refused: " + record.states));
                assertTrue(refused.delayMillis() >= 1_000, "waited the Retry-After (at least 1 s), not its own backoff (at most"
                        + " 100 ms here): " + refused);
                assertEquals(ConnectionState.OPEN, client.state(), record.states.toString());
            }
        } finally {
            crowd.set(false);
            drainer.join(10_000);
        }
    }

    /** Handshakes until one is refused over the rate: that refusal (a handshake its address may make counts against the rate). */
    private static HttpResponse<String> drain(URI uri) {
        for (int attempt = 0; attempt < 100 * RATE; attempt++) {
            var response = Api.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).header("Accept", "text/event-stream").GET());
            if (response.statusCode() == 503) {
                return response;
            }
        }
        throw new AssertionError("never refused at " + RATE + " a second: " + uri);
    }

    private static void assertRefused(HttpResponse<String> response) {
        String call = response.request().uri().toString();
        assertEquals(Api.PROBLEM_JSON, response.headers().firstValue("Content-Type").orElse("").split(";")[0], call);
        JsonObject problem = JsonText.object(response.body());
        assertEquals(503, problem.getInt("status"), call);
        assertTrue(problem.getString("detail", "").contains("plank.ws.admission-rate"), call + ": " + problem);
        String retryAfter = response.headers().firstValue("Retry-After").orElse("(none)");
        assertTrue(retryAfter.matches("\\d+") && Long.parseLong(retryAfter) >= 1 && Long.parseLong(retryAfter) <= 60,
                call + ": Retry-After " + retryAfter);
    }

    private static long refusedAdmission() {
        return JsonText.object(new Api(plank).get("/status").body()).getJsonObject("sessions").getJsonNumber("refused_admission").longValue();
    }
}
