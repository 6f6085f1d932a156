package io.plank.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The REST API's answers, above all to bad input: problem+json with the right status. */
@ExtendWith(PlankExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ItemsApiIT {

    private static final long UNKNOWN_ID = 987_654_321_000L;
    private static final HttpClient HTTP_1_1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void listsItemsPageByPage(RunningPlank plank) {
        var api = new Api(plank);
        api.createItem("listed", 5);

        var response = api.get("/items?offset=0&limit=50");
        assertEquals(200, response.statusCode(), response.body());
        JsonObject page = JsonText.object(response.body());
        assertEquals(0, page.getInt("offset"));
        assertEquals(50, page.getInt("limit"));
        assertTrue(page.getInt("total") >= 1, "total: " + page);
        assertTrue(!page.getJsonArray("items").isEmpty(), "items: " + page);
    }

    @Test
    void getsOneItem(RunningPlank plank) {
        var api = new Api(plank);
        JsonObject created = api.createItem("single", 9);
        long id = created.getJsonNumber("id").longValue();

        var response = api.get("/items/" + id);
        assertEquals(200, response.statusCode(), response.body());
        JsonObject item = JsonText.object(response.body());
        assertEquals("single", item.getString("name"));
        assertEquals(9, item.getInt("value"));
        assertEquals(0, item.getInt("version"));
        assertTrue(item.containsKey("created_at") && item.containsKey("updated_at"), "timestamps: " + item);
    }

    @Test
    void invalidPagingIs400(RunningPlank plank) {
        var api = new Api(plank);
        assertProblem(api.get("/items?offset=0&limit=501"), 400);
        assertProblem(api.get("/items?offset=-1&limit=50"), 400);
    }

    @Test
    void invalidFieldsAre400ListingTheFields(RunningPlank plank) {
        var api = new Api(plank);
        for (String body : new String[] {"{\"name\":\"\",\"value\":1}", "{\"name\":\"   \",\"value\":1}",
                "{\"value\":1}", "{\"name\":\"" + "n".repeat(201) + "\",\"value\":1}"}) {
            JsonObject problem = assertProblem(api.post("/items", Api.JSON, body), 400);
            assertTrue(problem.containsKey("violations"), "violations in " + problem + " for " + body.substring(0, Math.min(40, body.length())));
            assertTrue(problem.getJsonArray("violations").getValuesAs(JsonObject.class).stream()
                            .anyMatch(violation -> "name".equals(violation.getString("field", null))
                                    && violation.containsKey("message")),
                    "a violation for field name in " + problem);
        }
    }

    @Test
    void unknownIdIs404(RunningPlank plank) {
        var api = new Api(plank);
        assertProblem(api.get("/items/" + UNKNOWN_ID), 404);
        assertProblem(api.put("/items/" + UNKNOWN_ID, Api.JSON, "{\"name\":\"y\",\"value\":2}"), 404);
        assertProblem(api.delete("/items/" + UNKNOWN_ID), 404);
    }

    @Test
    void wrongContentTypeIs415(RunningPlank plank) {
        var response = new Api(plank).post("/items", "text/plain", "name=x");
        assertEquals(415, response.statusCode(), response.body());
    }

    @Test
    void malformedJsonIs400(RunningPlank plank) {
        assertProblem(new Api(plank).post("/items", Api.JSON, "{\"name\": \"x\", "), 400);
    }

    @Test
    void staleVersionIs409(RunningPlank plank) {
        var api = new Api(plank);
        long id = api.createItem("versioned", 1).getJsonNumber("id").longValue();
        var first = api.put("/items/" + id, Api.JSON, "{\"name\":\"v1\",\"value\":2,\"version\":0}");
        assertEquals(200, first.statusCode(), first.body());
        assertEquals(1, JsonText.object(first.body()).getInt("version"));

        assertProblem(api.put("/items/" + id, Api.JSON, "{\"name\":\"v2\",\"value\":3,\"version\":0}"), 409);
    }

    @Test
    void deleteIs204ThenTheItemIsGone(RunningPlank plank) {
        var api = new Api(plank);
        long id = api.createItem("doomed", 1).getJsonNumber("id").longValue();

        assertEquals(204, api.delete("/items/" + id).statusCode());
        assertProblem(api.get("/items/" + id), 404);
    }

    @ParameterizedTest(name = "value {0}")
    @ValueSource(strings = {"2147483648", "-2147483649", "99999999999999999999", "1e309", "1.5", "-0.5", "4294967297"})
    void aNumberOutOfRangeOrNotWholeIs400NamingTheFieldAndStoresNothing(String number, RunningPlank plank) {
        var api = new Api(plank);
        String name = "range-" + UUID.randomUUID();
        assertViolation(api.post("/items", Api.JSON, "{\"name\":\"" + name + "\",\"value\":" + number + "}"), "value");

        long id = api.createItem(name, 7).getJsonNumber("id").longValue();
        assertViolation(api.put("/items/" + id, Api.JSON, "{\"name\":\"changed\",\"value\":" + number + "}"), "value");
        assertViolation(api.put("/items/" + id, Api.JSON, "{\"name\":\"changed\",\"value\":1,\"version\":" + number + "}"), "version");
        JsonObject item = JsonText.object(api.get("/items/" + id).body());
        assertEquals(name, item.getString("name"), "unchanged: " + item);
        assertEquals(7, item.getInt("value"));
        assertEquals(0, item.getInt("version"));
    }

    @Test
    void theLimitsOfAnIntegerAndWholeDecimalsAreAccepted(RunningPlank plank) {
        var api = new Api(plank);
        for (String number : List.of("2147483647", "-2147483648", "1.0", "3e2")) {
            var created = api.post("/items", Api.JSON, "{\"name\":\"edge\",\"value\":" + number + "}");
            assertEquals(201, created.statusCode(), number + ": " + created.body());
            assertEquals(new BigDecimal(number).intValueExact(), JsonText.object(created.body()).getInt("value"), number);
        }
    }

    @Test
    void aNameWithNulIs400NamingTheField(RunningPlank plank) {
        assertViolation(new Api(plank).post("/items", Api.JSON, "{\"name\":\"a\\u0000b\",\"value\":1}"), "name");
    }

    /**
     * Over HTTP/1.1, as curl sends it, with a length and chunked; and a smaller one over whatever the client and server
     * agree (java.net.http asks for HTTP/2, which WildFly grants: past Undertow's own 10 MB limit it resets the stream).
     */
    @Test
    void aBodyOverTheLimitIs413ProblemJsonAndTheServerCarriesOn(RunningPlank plank) throws Exception {
        String huge = "{\"name\":\"" + "n".repeat(10 * 1024 * 1024) + "\",\"value\":1}";
        HttpRequest.Builder declared = HttpRequest.newBuilder(plank.api("/items")).header("Content-Type", Api.JSON)
                .POST(HttpRequest.BodyPublishers.ofString(huge));
        JsonObject problem = assertProblem(HTTP_1_1.send(declared.build(), HttpResponse.BodyHandlers.ofString()), 413);
        assertTrue(problem.getString("detail").contains("plank.rest.max-body-bytes"), problem.toString());

        HttpRequest.Builder chunked = HttpRequest.newBuilder(plank.api("/items")).header("Content-Type", Api.JSON)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(huge.getBytes(StandardCharsets.UTF_8))));
        assertProblem(HTTP_1_1.send(chunked.build(), HttpResponse.BodyHandlers.ofString()), 413);

        var api = new Api(plank);
        assertProblem(api.post("/items", Api.JSON, "{\"name\":\"" + "n".repeat(2 * 1024 * 1024) + "\",\"value\":1}"), 413);
        assertEquals(201, api.post("/items", Api.JSON, "{\"name\":\"after\",\"value\":1}").statusCode());
    }

    @Test
    void anOffsetBeyondTheRangeIs400NamingTheRange(RunningPlank plank) {
        JsonObject problem = assertProblem(new Api(plank).get("/items?offset=99999999999&limit=5"), 400);
        assertTrue(problem.getString("detail").contains("between 0 and 2147483647"), problem.toString());
    }

    @Test
    void nullFieldsAreAbsentNotMalformedJson(RunningPlank plank) {
        // What the built-in page sends for an empty form: the fields are there, null; Bean Validation names them.
        var api = new Api(plank);
        assertViolation(api.post("/items", Api.JSON, "{\"name\":null,\"value\":null}"), "name");
        assertEquals(201, api.post("/items", Api.JSON, "{\"name\":\"no value\",\"value\":null}").statusCode(), "value is optional");
    }

    private static void assertViolation(HttpResponse<String> response, String field) {
        JsonObject problem = assertProblem(response, 400);
        assertTrue(problem.getJsonArray("violations").getValuesAs(JsonObject.class).stream()
                .anyMatch(violation -> field.equals(violation.getString("field", null))), "a violation of " + field + " in " + problem);
    }

    /** An application/problem+json answer with this status; returns the problem. */
    private static JsonObject assertProblem(HttpResponse<String> response, int status) {
        assertEquals(status, response.statusCode(), "status; body: " + response.body());
        String contentType = response.headers().firstValue("Content-Type").orElse("(none)");
        assertTrue(contentType.startsWith(Api.PROBLEM_JSON), "Content-Type " + contentType + ", body " + response.body());
        JsonObject problem = JsonText.object(response.body());
        assertEquals(status, problem.getInt("status"), "status member: " + problem);
        assertEquals(JsonValue.ValueType.STRING, problem.get("title").getValueType(), "title: " + problem);
        return problem;
    }
}
