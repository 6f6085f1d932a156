package io.plank.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Cross-origin access to the REST API: the origin configured through PLANK_CORS_ORIGINS, and no other. */
@ExtendWith(PlankExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CorsIT {

    /** Set on every test server by {@link RunningPlank}. */
    static final String ALLOWED_ORIGIN = "https://app.example.test";

    private static final String OTHER_ORIGIN = "https://evil.example.test";

    @Test
    void anAllowedOriginMayReadTheApi(RunningPlank plank) {
        HttpResponse<String> response = Api.send(HttpRequest.newBuilder(plank.api("/items")).header("Origin", ALLOWED_ORIGIN).GET());

        assertEquals(200, response.statusCode(), response.body());
        assertEquals(ALLOWED_ORIGIN, response.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        assertTrue(response.headers().allValues("Vary").stream().anyMatch(vary -> vary.contains("Origin")), response.headers().map().toString());
        assertTrue(response.headers().firstValue("Access-Control-Expose-Headers").orElse("").contains("Location"));
    }

    @Test
    void anotherOriginGetsNoCorsHeaders(RunningPlank plank) {
        HttpResponse<String> response = Api.send(HttpRequest.newBuilder(plank.api("/items")).header("Origin", OTHER_ORIGIN).GET());

        assertEquals(200, response.statusCode(), "the server answers; the browser withholds the answer from the page");
        assertFalse(response.headers().firstValue("Access-Control-Allow-Origin").isPresent(), response.headers().map().toString());
    }

    @Test
    void preflightForAnAllowedOriginIsAnswered(RunningPlank plank) {
        HttpResponse<String> response = Api.send(HttpRequest.newBuilder(plank.api("/items"))
                .header("Origin", ALLOWED_ORIGIN)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));

        assertEquals(204, response.statusCode(), response.body());
        assertEquals(ALLOWED_ORIGIN, response.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        assertTrue(response.headers().firstValue("Access-Control-Allow-Methods").orElse("").contains("POST"));
        assertTrue(response.headers().firstValue("Access-Control-Allow-Headers").orElse("").contains("Content-Type"));
    }

    @Test
    void preflightForAnotherOriginIsNotAllowed(RunningPlank plank) {
        HttpResponse<String> response = Api.send(HttpRequest.newBuilder(plank.api("/items"))
                .header("Origin", OTHER_ORIGIN)
                .header("Access-Control-Request-Method", "DELETE")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));

        assertFalse(response.headers().firstValue("Access-Control-Allow-Origin").isPresent(), response.headers().map().toString());
    }
}
