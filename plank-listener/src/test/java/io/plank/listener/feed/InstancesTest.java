package io.plank.listener.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.plank.persistence.migration.SchemaMigrator;
import io.plank.testsupport.db.FreshDatabase;

/** Instances on one database: each its own name and saved position, and a new one starting where it is safe to. */
class InstancesTest {

    @RegisterExtension
    static final FreshDatabase database = FreshDatabase.migratedBy(SchemaMigrator::migrate);

    @Test
    void anInstanceIsNamedByConfigurationOrElseByItsHostAndServer() {
        assertEquals("eu-1", InstanceName.of(" eu-1 "));
        String derived = InstanceName.of(null);
        assertFalse(derived.isBlank());
        assertEquals(derived, InstanceName.of(""), "blank is not a name");
        String payara = System.setProperty("com.sun.aas.instanceName", "server");
        try {
            assertTrue(InstanceName.of(null).endsWith("/server"), "Payara's instance name after the host: " + InstanceName.of(null));
        } finally {
            if (payara == null) {
                System.clearProperty("com.sun.aas.instanceName");
            }
        }
    }

    @Test
    void aNewInstanceStartsWhereTheFurthestInstanceGotToAndEachKeepsItsOwn() throws SQLException {
        try (Connection connection = database.connect()) {
            assertEquals(0, new ListenerCursor("first").load(connection), "a database no instance has used: the whole log");
            new ListenerCursor("first").save(connection, 40);
            new ListenerCursor("old").save(connection, 25);

            var second = new ListenerCursor("second");
            assertEquals(40, second.load(connection), "the furthest saved position, a point below which all is handed on");
            second.save(connection, 55);

            assertEquals(40, new ListenerCursor("first").load(connection), "each instance keeps its own position");
            assertEquals(55, new ListenerCursor("second").load(connection));
            assertEquals(55, new ListenerCursor("third").load(connection));
            try (var listed = connection.createStatement().executeQuery("SELECT count(*) FROM plank.listener_cursor WHERE instance = 'third'")) {
                listed.next();
                assertEquals(1, listed.getInt(1), "a new instance is listed from its start, before it hands anything on");
            }
        }
    }
}
