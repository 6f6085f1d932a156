package io.plank.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import jakarta.json.JsonObject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The API documents, as a client author fetches them from a running Plank: the REST API's OpenAPI document, which
 * each server generates from the same EAR ({@code /openapi}), lists every resource and operation; the WebSocket
 * protocol's AsyncAPI document is served beside the pages.
 */
@ExtendWith(PlankExtension.class)
class ApiDocumentsIT {

    /** Every REST operation Plank has, as {@code METHOD /path} under /api. */
    private static final Set<String> OPERATIONS = Set.of(
            "get /items", "post /items", "get /items/{id}", "put /items/{id}", "delete /items/{id}",
            "get /tables", "put /tables/{name}", "delete /tables/{name}", "get /sessions", "delete /sessions/{id}",
            "get /status", "get /changes/{table}", "get /metrics",
            "put /tables/{name}/grants", "put /tables/{name}/binding", "delete /tables/{name}/binding");

    @Test
    void theOpenApiDocumentListsEveryResourceAndOperation(RunningPlank plank) {
        URI base = plank.baseUrl();
        URI openApi = URI.create(base.getScheme() + "://" + base.getHost() + ":" + base.getPort() + "/openapi");
        var response = Api.send(HttpRequest.newBuilder(openApi).timeout(Duration.ofSeconds(30)).header("Accept", "application/json").GET());
        assertEquals(200, response.statusCode(), openApi + ": " + response.body());
        JsonObject document = JsonText.object(response.body());
        assertTrue(document.getString("openapi", "").startsWith("3."), "an OpenAPI 3 document: " + document.getString("openapi", "?"));
        assertEquals("Plank", document.getJsonObject("info").getString("title"));

        Set<String> operations = new TreeSet<>();
        JsonObject paths = document.getJsonObject("paths");
        for (String path : paths.keySet()) {
            // Servers differ in whether the application's context root and /api are part of each path.
            String local = path.substring(path.indexOf("/api/") >= 0 ? path.indexOf("/api/") + 4 : 0).replaceAll("\\{id[^}]*}", "{id}");
            for (String method : paths.getJsonObject(path).keySet()) {
                if (List.of("get", "put", "post", "delete", "patch").contains(method)) {
                    operations.add(method + " " + local);
                    assertTrue(paths.getJsonObject(path).getJsonObject(method).containsKey("summary"),
                            method + " " + path + " has a summary");
                }
            }
        }
        assertEquals(new TreeSet<>(OPERATIONS), operations, "the operations in " + paths.keySet());
    }

    @Test
    void theAsyncApiDocumentIsServedBesideThePages(RunningPlank plank) {
        var response = Api.get(URI.create(plank.baseUrl() + "/asyncapi.json"));
        assertEquals(200, response.statusCode());
        JsonObject document = JsonText.object(response.body());
        assertEquals("3.0.0", document.getString("asyncapi"));
        assertEquals("/ws", document.getJsonObject("channels").getJsonObject("changes").getString("address"));
    }
}
