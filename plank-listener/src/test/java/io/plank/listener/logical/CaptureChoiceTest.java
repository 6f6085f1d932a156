package io.plank.listener.logical;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.plank.testsupport.db.FreshDatabase;

/** {@code auto} takes logical decoding where the database allows it, and says why not where it does not. */
class CaptureChoiceTest {

    @RegisterExtension
    static final FreshDatabase database = FreshDatabase.empty();

    @Test
    void autoTakesLogicalDecodingWhereTheDatabaseAllowsIt() throws SQLException {
        try (Connection connection = database.get().dataSource().getConnection()) {
            String walLevel = single(connection, "SHOW wal_level");
            CaptureChoice choice = CaptureChoice.of(null, connection, "plank_choice_test");
            assertTrue(choice.auto());
            if ("logical".equals(walLevel)) {
                assertEquals(CaptureMethod.LOGICAL, choice.method(), choice.describe());
                assertNull(choice.fallback());
            } else {
                assertEquals(CaptureMethod.TRIGGER, choice.method());
                assertTrue(choice.fallback().contains("wal_level is " + walLevel), choice.fallback());
            }
        }
    }

    @Test
    void autoFallsBackToTriggersForARoleWithoutReplicationSayingSo() throws SQLException {
        String role = "plank_no_replication";
        try (Connection admin = database.get().dataSource().getConnection(); Statement statement = admin.createStatement()) {
            statement.execute("DROP ROLE IF EXISTS " + role);
            statement.execute("CREATE ROLE " + role + " LOGIN NOSUPERUSER NOREPLICATION PASSWORD 'x'");
            try (Connection plain = DriverManager.getConnection(admin.getMetaData().getURL(), role, "x")) {
                CaptureChoice choice = CaptureChoice.of("auto", plain, "plank_choice_test");
                assertEquals(CaptureMethod.TRIGGER, choice.method());
                assertTrue(choice.fallback().contains("role " + role + " has no REPLICATION attribute"), choice.fallback());
                assertTrue(choice.describe().startsWith("trigger (auto: Capturing by trigger"), choice.describe());
            } finally {
                statement.execute("DROP ROLE " + role);
            }
        }
    }

    @Test
    void aConfiguredMethodIsTakenAsConfiguredAndAnUnknownOneRefused() throws SQLException {
        try (Connection connection = database.get().dataSource().getConnection()) {
            CaptureChoice trigger = CaptureChoice.of(" Trigger ", connection, "s");
            assertEquals(CaptureMethod.TRIGGER, trigger.method());
            assertFalse(trigger.auto());
            assertEquals("trigger (configured)", trigger.describe());
            assertEquals(CaptureMethod.LOGICAL, CaptureChoice.of("logical", connection, "s").method());
            var refused = assertThrows(IllegalArgumentException.class, () -> CaptureChoice.of("wal", connection, "s"));
            assertTrue(refused.getMessage().contains("auto, trigger or logical"), refused.getMessage());
        }
    }

    @Test
    void everyMissingPrerequisiteIsNamed() {
        var choice = CaptureChoice.decide(new CaptureChoice.Facts("replica", false, "app", 0, false, 0));
        assertEquals(CaptureMethod.TRIGGER, choice.method());
        for (String named : new String[] {"wal_level is replica", "role app has no REPLICATION", "no free replication slot", "no free WAL sender"}) {
            assertTrue(choice.fallback().contains(named), named + " in " + choice.fallback());
        }
        assertEquals(CaptureMethod.LOGICAL, CaptureChoice.decide(new CaptureChoice.Facts("logical", true, "app", 0, true, 1)).method(),
                "a slot of Plank's own needs no free one");
    }

    private static String single(Connection connection, String sql) throws SQLException {
        try (var statement = connection.createStatement(); var result = statement.executeQuery(sql)) {
            result.next();
            return result.getString(1);
        }
    }
}
