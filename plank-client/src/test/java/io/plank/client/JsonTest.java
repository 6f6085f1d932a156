package io.plank.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;
import java.nio.charset.StandardCharsets;

import jakarta.json.JsonException;

import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void aMessageIsOneFrameOrABatchOfThem() {
        assertEquals(1, Json.frames("{\"type\":\"pong\"}").size());
        var batch = Json.frames("[{\"type\":\"change\",\"seq\":1},{\"type\":\"change\",\"seq\":2},3,{\"no\":\"type\"}]");
        assertEquals(2, batch.size(), "objects with a type only");
        assertEquals(2, batch.get(1).getJsonNumber("seq").longValue(), "in order");
        assertThrows(JsonException.class, () -> Json.frames("{\"type\":"));
    }

    @Test
    void keysAreTheSameWhicheverWayTheyArrive() {
        var fromChange = Json.frames("[{\"type\":\"x\",\"id\":{\"region\":\"eu\",\"number\":7}}]").get(0).get("id");
        var fromRow = Json.PROVIDER.createObjectBuilder().add("number", 7).add("region", "eu").build();
        assertEquals(Json.canonicalKey(fromChange), Json.canonicalKey(fromRow));
        assertEquals(Json.canonicalKey(Json.PROVIDER.createValue(12)), Json.canonicalKey(Json.PROVIDER.createValue(12L)));
        assertEquals("\"12\"", Json.canonicalKey(Json.PROVIDER.createValue("12")), "a text key is not a number key");
    }

    @Test
    void aJwtsExpiryIsRead() {
        String payload = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"sub\":\"ann\",\"exp\":1795000000}"
                .getBytes(StandardCharsets.UTF_8));
        assertEquals(Instant.ofEpochSecond(1795000000), Token.of("e30." + payload + ".sig").expiresAt());
        assertNull(Token.of("opaque-token").expiresAt(), "not a JWT: the server's answer will tell");
    }

    @Test
    void backoffDoublesWithJitterInTheUpperHalfUpToTheCap() {
        var low = new Backoff(java.time.Duration.ofMillis(500), java.time.Duration.ofSeconds(30), () -> 0.0);
        var high = new Backoff(java.time.Duration.ofMillis(500), java.time.Duration.ofSeconds(30), () -> 1.0);
        long[] lows = new long[8];
        long[] highs = new long[8];
        for (int i = 0; i < 8; i++) {
            lows[i] = low.next(0);
            highs[i] = high.next(0);
        }
        assertEquals(250, lows[0]);
        assertEquals(500, highs[0]);
        assertEquals(1000, highs[1]);
        assertEquals(30_000, highs[7], "capped");
        assertEquals(15_000, lows[7], "never below half");
        low.reset();
        high.reset();
        assertEquals(5_000, low.next(5_000), "a floor (1013) holds");
        assertEquals(7_500, high.next(5_000), "and is jittered: a crowd told to wait does not come back at one instant");
        var spread = new java.util.TreeSet<Long>();
        var random = new Backoff(java.time.Duration.ofMillis(500), java.time.Duration.ofSeconds(30), () -> ThreadLocalRandom.current().nextDouble());
        for (int i = 0; i < 1_000; i++) {
            random.reset();
            spread.add(random.next(5_000));
        }
        assertTrue(spread.first() >= 5_000 && spread.last() <= 7_500 && spread.size() > 500,
                "1,000 clients closed with 1013 at once come back over [5 s, 7.5 s]: " + spread.size() + " distinct delays");
    }
}
