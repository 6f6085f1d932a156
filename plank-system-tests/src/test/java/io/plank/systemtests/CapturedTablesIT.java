package io.plank.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.TimeUnit;

import java.io.StringReader;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Choosing captured tables through {@code /api/tables}: tables made by plain SQL, composite keys, refusals, hostile names. */
@ExtendWith(PlankExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CapturedTablesIT {

    @Test
    void aTableMadeBySqlIsCapturedThroughTheApiAndReleasedAgain(RunningPlank plank) throws SQLException {
        var api = new Api(plank);
        try (Connection db = plank.connect()) {
            Sql.execute(db, "CREATE TABLE shipment_lines (shipment int, line int, sku text, PRIMARY KEY (shipment, line))");

            HttpResponse<String> created = api.put("/tables/shipment_lines", Api.JSON, "{\"mode\":\"durable\"}");
            assertEquals(201, created.statusCode(), created.body());
            assertEquals(200, api.put("/tables/shipment_lines", Api.JSON, "{}").statusCode(), "capturing again is fine");
            JsonObject listed = Json.createReader(new StringReader(api.get("/tables").body())).readArray().stream().map(JsonValue::asJsonObject)
                    .filter(t -> t.getString("table").equals("shipment_lines")).findFirst().orElseThrow();
            assertEquals("durable", listed.getString("mode"));

            try (var client = SocketClient.subscribedTo(plank, "shipment_lines")) {
                Sql.execute(db, "INSERT INTO shipment_lines VALUES (7, 1, 'A-1')");
                JsonObject frame = client.await("INSERT into shipment_lines", f -> "change".equals(f.getString("type", null))
                        && "shipment_lines".equals(f.getString("table", null)));
                assertEquals(7, frame.getJsonObject("id").getInt("shipment"));
                assertEquals(1, frame.getJsonObject("id").getInt("line"));

                assertEquals(204, api.delete("/tables/shipment_lines").statusCode());
                JsonObject ended = client.awaitType("unsubscribed");
                assertEquals("shipment_lines", ended.getString("table"));
                assertTrue(ended.getString("reason").contains("no longer captured"), ended.toString());
                JsonObject status = JsonText.object(api.get("/status").body());
                assertTrue(!status.getJsonObject("subscriptions").containsKey("shipment_lines"), "released: " + status);
                assertTrue(!status.getJsonObject("tables").containsKey("shipment_lines"), "released: " + status);
                Sql.execute(db, "INSERT INTO shipment_lines VALUES (7, 2, 'A-2')");
                long marker = Changes.insertWithJdbc(db, "after the release", 1);
                try (var items = SocketClient.subscribedTo(plank, "items")) {
                    // Durable changes arrive in seq order: once a later change to items is out, the released
                    // table's insert would have been sent before it, had it been captured.
                    items.send("{\"type\":\"subscribe\",\"table\":\"items\",\"since\":0}");
                    items.await("the marker", Changes.change("INSERT", marker));
                }
                List<JsonObject> rest = client.takeAvailable();
                assertTrue(rest.stream().noneMatch(f -> "change".equals(f.getString("type", null))), "nothing after the release: " + rest);
            }
            assertEquals(404, api.delete("/tables/shipment_lines").statusCode(), "no longer captured");
        }
    }

    @Test
    void tablesThatCannotBeCapturedAreRefusedClearly(RunningPlank plank) throws SQLException {
        var api = new Api(plank);
        try (Connection db = plank.connect()) {
            Sql.execute(db, "CREATE TABLE IF NOT EXISTS keyless (note text)");
            Sql.execute(db, "CREATE OR REPLACE VIEW item_names AS SELECT id, name FROM items");

            assertProblem(api.put("/tables/keyless", Api.JSON, "{}"), 409, "primary key");
            assertProblem(api.put("/tables/item_names", Api.JSON, "{}"), 409, "not a table");
            assertProblem(api.put("/tables/no_such_table", Api.JSON, "{}"), 404, "no table");
            assertProblem(api.put("/tables/items", Api.JSON, "{\"mode\":\"forgetful\"}"), 400, "mode");
        }
    }

    @Test
    void hostileNamesAreRefusedAndTheDatabaseIsUnharmed(RunningPlank plank) throws SQLException {
        var api = new Api(plank);
        for (String name : List.of("items; DROP TABLE items", "items'--", "\"items\"", "a.b.c", "ítems", "x".repeat(500), "pg_catalog.pg_class")) {
            HttpResponse<String> response = api.put("/tables/" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20"), Api.JSON, "{}");
            assertTrue(response.statusCode() == 400 || response.statusCode() == 404 || response.statusCode() == 409,
                    name + " -> " + response.statusCode() + " " + response.body());
            assertEquals(Api.PROBLEM_JSON, response.headers().firstValue("Content-Type").orElse("").split(";")[0], name);
        }
        try (Connection db = plank.connect(); var statement = db.createStatement();
             var result = statement.executeQuery("SELECT count(*) FROM plank.captured_tables WHERE table_name = 'items'")) {
            result.next();
            assertEquals(1, result.getInt(1), "items is still there and still captured");
        }
    }

    private static void assertProblem(HttpResponse<String> response, int status, String detailMentions) {
        assertEquals(status, response.statusCode(), response.body());
        assertEquals(Api.PROBLEM_JSON, response.headers().firstValue("Content-Type").orElse("").split(";")[0]);
        String detail = JsonText.object(response.body()).getString("detail", "");
        assertTrue(detail.toLowerCase().contains(detailMentions), detail);
    }
}
