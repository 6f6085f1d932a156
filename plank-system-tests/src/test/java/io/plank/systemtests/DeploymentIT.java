package io.plank.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.concurrent.TimeUnit;

import jakarta.json.JsonObject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The EAR deployed and the server's health endpoint knows about it. */
@ExtendWith(PlankExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DeploymentIT {

    @Test
    void readinessIsUpAndIncludesTheListenerCheck(RunningPlank plank) {
        var response = Api.get(plank.readinessUrl());
        assertEquals(200, response.statusCode(), response.body());
        JsonObject health = JsonText.object(response.body());
        assertEquals("UP", health.getString("status"), response.body());
        assertTrue(health.getJsonArray("checks").getValuesAs(JsonObject.class).stream()
                        .anyMatch(check -> "plank-listener".equals(check.getString("name", null))),
                "readiness lists the plank-listener check: " + response.body());
    }

    @Test
    void testPageIsServed(RunningPlank plank) {
        var response = Api.get(URI.create(plank.baseUrl() + "/"));
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/html"),
                "Content-Type of the test page: " + response.headers().map());
    }
}
