package io.plank.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;

/**
 * Plank as it ships, closed: a second server of the kind under test, beside the shared one (which the other tests run
 * with the admin API on, anonymous callers as administrators and every table open). Here the admin API is off
 * ({@code plank.admin.enabled} unset), callers without a token have no roles, and the only grant is the one an operator
 * would write first ({@code items:read:authenticated}). Every admin call is refused with a 403 problem that says how to
 * turn it on and changes nothing; nothing is read or written without a token and a grant; status still answers; the
 * admin page says it is read-only and still shows the status.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminOffIT {

    /** Over the tests' settings: what a production deployment has, with the one grant an operator would add. */
    private static final Map<String, String> AS_SHIPPED = Map.of("PLANK_ADMIN_ENABLED", "false",
            "PLANK_AUTH_ANONYMOUS_ROLES", "", "PLANK_GRANTS", "items:read:authenticated");

    private static RunningPlank plank;

    @BeforeAll
    static void start() {
        plank = RunningPlank.startSecond(AS_SHIPPED);
    }

    @AfterAll
    static void stop() {
        if (plank != null) {
            plank.close();
        }
    }

    @Test
    void everyAdminCallIsRefusedAndChangesNothing() throws SQLException {
        try (Connection db = plank.connect()) {
            Sql.createTable(db, "admin_off_orders", "(id int PRIMARY KEY, status text)");
        }
        try (var client = SocketClient.connect(plank)) {
            client.authenticate(TestTokens.token("ada", List.of("plank-admin")));
            client.subscribe("items", null);
            var api = new Api(plank, TestTokens.token("ada", List.of("plank-admin")));
            List<Supplier<HttpResponse<String>>> calls = List.of(
                    () -> api.get("/tables"),
                    () -> api.put("/tables/admin_off_orders", Api.JSON, "{}"),
                    () -> api.delete("/tables/items"),
                    () -> api.get("/sessions"),
                    () -> api.delete("/sessions/anything"));
            for (var call : calls) {
                AdminApiIT.assertProblem(call.get(), 403, "plank.admin.enabled");
            }
            assertEquals("open", client.describeEnd(), "no session was disconnected");
        }
        try (Connection db = plank.connect()) {
            assertEquals("items", Sql.queryString(db, "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM plank.captured_tables"
                    + " WHERE table_name IN ('items', 'admin_off_orders')"), "admin_off_orders was not captured and items was not released");
        }
        assertEquals(200, new Api(plank).get("/status").statusCode(), "status is not part of the admin API");
    }

    @Test
    void nothingIsReadOrWrittenWithoutATokenAndAGrant() throws SQLException {
        try (Connection db = plank.connect()) {
            Sql.createTable(db, "closed_orders", "(id int PRIMARY KEY)");
            Sql.execute(db, "SELECT plank.capture('closed_orders'::regclass, 'durable')");
        }
        String token = TestTokens.token("ann", List.of("sales"));
        var anonymous = new Api(plank);
        var reader = new Api(plank, token);
        AdminApiIT.assertProblem(anonymous.get("/items"), 401, "bearer");
        AdminApiIT.assertProblem(anonymous.post("/items", Api.JSON, "{\"name\":\"x\",\"value\":1}"), 401, "bearer");
        assertEquals(200, reader.get("/items").statusCode(), "items:read:authenticated");
        AdminApiIT.assertProblem(reader.post("/items", Api.JSON, "{\"name\":\"x\",\"value\":1}"), 403, "write");
        assertEquals(401, EventStreamClient.refused(plank.api("/changes/items"), null).statusCode());
        try (var client = SocketClient.connect(plank)) {
            for (String table : List.of("items", "closed_orders")) {
                client.send("{\"type\":\"subscribe\",\"table\":\"" + table + "\"}");
                assertEquals("unauthorized", client.awaitType("error").getString("code"), table);
            }
            client.authenticate(token);
            client.subscribe("items", null);
            client.send("{\"type\":\"subscribe\",\"table\":\"closed_orders\",\"snapshot\":true}");
            assertEquals("forbidden", client.awaitType("error").getString("code"), "no grant on closed_orders");
        }
    }

    @Test
    void theAdminPageSaysItIsReadOnlyAndStillShowsTheStatus() {
        Browser.assumeInstalled();
        try (Browser browser = Browser.start()) {
            browser.driver().get(plank.baseUrl() + "/admin/");
            var driver = browser.driver();
            Supplier<String> evidence = () -> driver.findElement(By.tagName("body")).getText();
            browser.await("the read-only banner", d -> d.findElement(By.id("banner")).getText().contains("plank.admin.enabled"), evidence);
            browser.await("the listener's state", d -> "LISTENING".equals(d.findElement(By.id("listener-state")).getText()), evidence);
            browser.await("items among the captured tables", d -> !d.findElements(By.cssSelector("#tables tr[data-table='items']")).isEmpty(), evidence);
            assertEquals(false, driver.findElement(By.id("capture-button")).isEnabled(), "capturing is off");
            assertEquals(false, driver.findElement(By.cssSelector("#tables tr[data-table='items'] button")).isEnabled(), "releasing is off");
        }
    }
}
