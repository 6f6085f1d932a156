package io.plank.web.incontainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import jakarta.json.Json;
import jakarta.json.JsonObject;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The admin resource as a deployment with no plank.admin.enabled finds it: every call is refused with a 403
 * problem that says how to turn it on, and nothing is captured or released. Called over HTTP from outside.
 */
@ExtendWith(ArquillianExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminApiOffIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Deployment(testable = false)
    static WebArchive deployment() {
        return Deployments.plank();
    }

    @ArquillianResource
    URL base;

    @Test
    void everyAdminCallIsRefusedAndChangesNothing() throws Exception {
        try (Connection sql = Deployments.newestDatabase().connect()) {
            Sql.update(sql, "CREATE TABLE orders (id int PRIMARY KEY, status text)");

            for (var request : new HttpRequest.Builder[] {
                    request("tables").GET(),
                    request("tables/orders").header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{}")),
                    request("tables/items").DELETE(),
                    request("sessions").GET(),
                    request("sessions/anything").DELETE()}) {
                HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
                String call = response.request().method() + " " + response.request().uri();

                assertEquals(403, response.statusCode(), call + ": " + response.body());
                assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElse("").split(";")[0], call);
                JsonObject problem = Json.createReader(new StringReader(response.body())).readObject();
                assertEquals(403, problem.getInt("status"), call);
                assertTrue(problem.getString("detail", "").contains("plank.admin.enabled"), call + ": " + problem);
            }

            assertEquals("items", Sql.queryValue(sql, String.class, "SELECT string_agg(table_name, ',') FROM plank.captured_tables"),
                    "orders was not captured and items was not released");
        }
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base.toString()).resolve("api/" + path)).timeout(Duration.ofSeconds(30));
    }
}
