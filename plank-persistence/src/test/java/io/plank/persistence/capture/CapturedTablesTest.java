package io.plank.persistence.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import io.plank.domain.change.CaptureMode;
import io.plank.persistence.migration.SchemaMigrator;
import io.plank.testsupport.db.FreshDatabase;

/**
 * The catalog as instances read it (relation ids, column types) and the notices V8 sends when it or the stored access
 * rules change, on a real database: DDL on captured tables wakes the listener's channel, temporary tables do not.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CapturedTablesTest {

    @RegisterExtension
    final FreshDatabase database = FreshDatabase.migratedBy(SchemaMigrator::migrate);
    private Connection listening;
    private Connection db;

    @BeforeEach
    void listen() throws SQLException {
        db = database.connection();
        listening = database.connection();
        try (var statement = listening.createStatement()) {
            statement.execute("LISTEN plank_catalog");
            statement.execute("LISTEN plank_access");
        }
    }

    private void sql(String sql) throws SQLException {
        try (var statement = db.createStatement()) {
            statement.execute(sql);
        }
    }

    /** The channels notified since the last call (a round trip first, so that everything sent has arrived). */
    private List<String> notices() throws SQLException {
        try (var statement = listening.createStatement()) {
            statement.execute("SELECT 1");
        }
        List<String> channels = new ArrayList<>();
        PGNotification[] notifications = listening.unwrap(PGConnection.class).getNotifications(200);
        for (PGNotification notification : notifications) {
            channels.add(notification.getName());
        }
        return channels;
    }

    @Test
    void theCatalogGivesRelationsAndColumnTypesAndFollowsRenamesAndDrops() throws SQLException {
        sql("CREATE TABLE orders (id int PRIMARY KEY, total numeric(10, 2), \"Mixed Case\" text)");
        sql("SELECT plank.capture('orders')");
        var tables = new CapturedTables(database.dataSource());
        CapturedTable orders = tables.refresh().get("orders");
        assertEquals(CaptureMode.DURABLE, orders.mode());
        assertEquals(Map.of("id", "integer", "total", "numeric(10,2)", "Mixed Case", "text"), orders.columns());
        assertEquals(List.of("id", "total", "Mixed Case"), List.copyOf(orders.columns().keySet()));

        sql("ALTER TABLE orders RENAME TO purchases");
        Map<String, CapturedTable> renamed = tables.refresh();
        assertFalse(renamed.containsKey("orders"));
        assertEquals(orders.relid(), renamed.get("purchases").relid(), "the same relation under its new name");

        sql("DROP TABLE purchases");
        assertFalse(tables.refresh().containsKey("purchases"));
        assertFalse(tables.exists(orders.relid()));
        sql("CREATE TABLE purchases (id int PRIMARY KEY)");
        assertFalse(tables.refresh().containsKey("purchases"), "a table made again under the name is not captured");
        sql("SELECT plank.capture('purchases')");
        assertNotEquals(orders.relid(), tables.refresh().get("purchases").relid());
    }

    @Test
    void ddlOnCapturedTablesNotifiesTheCatalogChannelAndTemporaryTablesDoNot() throws SQLException {
        sql("CREATE TABLE orders (id int PRIMARY KEY, status text)");
        notices();
        sql("SELECT plank.capture('orders')");
        assertEquals(List.of("plank_catalog"), notices(), "capturing says so (V7), as does releasing");
        sql("ALTER TABLE orders DROP COLUMN status");
        assertEquals(List.of("plank_catalog"), notices());
        sql("ALTER TABLE orders RENAME TO purchases");
        assertEquals(List.of("plank_catalog"), notices());
        sql("DROP TABLE purchases");
        assertEquals(List.of("plank_catalog"), notices());

        sql("CREATE TEMPORARY TABLE scratch (id int)");
        sql("ALTER TABLE scratch ADD COLUMN more text");
        sql("DROP TABLE scratch");
        assertEquals(List.of(), notices(), "temporary tables wake nobody");
    }

    @Test
    void changesToStoredAccessRulesCountAndNotify() throws SQLException {
        long before = version();
        sql("INSERT INTO plank.table_grants VALUES ('orders', 'read', 'sales')");
        sql("INSERT INTO plank.row_bindings VALUES ('orders', 'tenant', 'tenant')");
        sql("DELETE FROM plank.table_grants");
        assertEquals(before + 3, version());
        assertEquals(List.of("plank_access", "plank_access", "plank_access"), notices(), "one notice per statement");
    }

    private long version() throws SQLException {
        try (var statement = db.createStatement(); var result = statement.executeQuery("SELECT version FROM plank.access_version")) {
            result.next();
            return result.getLong(1);
        }
    }
}
