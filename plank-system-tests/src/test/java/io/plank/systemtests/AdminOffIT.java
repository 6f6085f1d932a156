package io.plank.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;

/**
 * Plank as it ships, with the admin API off ({@code plank.admin.enabled} unset): a second server of the kind under
 * test, beside the shared one (which the other tests run with the admin API on). Every admin call is refused with a
 * 403 problem that says how to turn it on and changes nothing; status still answers; the admin page says it is
 * read-only and still shows the status.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminOffIT {

    private static final Logger LOG = Logger.getLogger(AdminOffIT.class.getName());

    private static RunningPlank plank;

    @BeforeAll
    static void start() {
        try {
            plank = RunningPlank.start(Map.of("PLANK_ADMIN_ENABLED", "false"));
        } catch (RuntimeException lostPort) {
            // The free ports are checked, then bound by the server: on a busy machine another process may take one in
            // between (seen once: "Address already in use"). The failed server is gone; one more try, on other ports.
            LOG.warning(() -> "The second server did not start (" + lostPort.getMessage().lines().findFirst().orElse("")
                    + "); trying once more");
            plank = RunningPlank.start(Map.of("PLANK_ADMIN_ENABLED", "false"));
        }
    }

    @AfterAll
    static void stop() {
        if (plank != null) {
            plank.close();
        }
    }

    @Test
    void everyAdminCallIsRefusedAndChangesNothing() throws SQLException {
        var api = new Api(plank);
        try (Connection db = plank.connect()) {
            Sql.createTable(db, "admin_off_orders", "(id int PRIMARY KEY, status text)");
        }
        try (var client = SocketClient.subscribedTo(plank, "items")) {
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
            assertEquals("items", Sql.queryString(db, "SELECT string_agg(table_name, ',') FROM plank.captured_tables"),
                    "admin_off_orders was not captured and items was not released");
        }
        assertEquals(200, new Api(plank).get("/status").statusCode(), "status is not part of the admin API");
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
