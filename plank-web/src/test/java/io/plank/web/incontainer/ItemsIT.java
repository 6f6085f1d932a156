package io.plank.web.incontainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;
import jakarta.json.JsonObject;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import io.plank.domain.change.Action;
import io.plank.domain.change.ChangeEvent;
import io.plank.domain.items.Item;
import io.plank.domain.items.NoSuchItemException;
import io.plank.domain.items.StaleItemException;
import io.plank.persistence.items.Items;

/** The JPA store behind /api/items on the real data source: database-kept columns, conflicts, and its writes in the feed. */
@ExtendWith(ArquillianExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ItemsIT {

    private static final Duration WITHIN = Duration.ofSeconds(20);
    private static final long MISSING_ID = Long.MAX_VALUE;

    @Deployment
    static WebArchive deployment() {
        return Deployments.plank();
    }

    @Inject
    Items items;

    @Inject
    ChangeRecorder changes;

    @Test
    void createReturnsTheRowAsTheDatabaseKeepsIt() throws Exception {
        String name = unique("created");

        Item item = items.create(name, 3);

        assertNotNull(item.getId());
        assertEquals(name, item.getName());
        assertEquals(3, item.getValue());
        assertNotNull(item.getCreatedAt(), "created_at is read back from the database");
        assertNotNull(item.getUpdatedAt(), "updated_at is read back from the database");
        try (Connection sql = Sql.connect()) {
            // Milliseconds only here: microseconds have a test of their own.
            assertEquals(millis(column(sql, "created_at", item)), millis(item.getCreatedAt()));
            assertEquals(millis(column(sql, "updated_at", item)), millis(item.getUpdatedAt()));
            assertEquals(Sql.queryValue(sql, Integer.class, "SELECT version FROM items WHERE id = ?", item.getId()), item.getVersion());
        }
    }

    @Test
    void createReturnsTheTimestampsWithTheDatabasesPrecision() throws Exception {
        Item item = items.create(unique("precise"), null);

        try (Connection sql = Sql.connect()) {
            // The change frames carry these columns with microseconds; the API must not tell clients another time.
            assertEquals(column(sql, "created_at", item).toInstant(), item.getCreatedAt().toInstant());
            assertEquals(column(sql, "updated_at", item).toInstant(), item.getUpdatedAt().toInstant());
        }
    }

    @Test
    void createStartsAtVersionZeroLikeEveryOtherWriter() throws Exception {
        Item item = items.create(unique("version-zero"), null);

        ChangeEvent inserted = changes.await("items", Action.INSERT, item.getId().toString(), WITHIN);
        assertEquals(0, ChangeRecorder.row(inserted).getInt("version"),
                "the version the INSERT wrote (a row inserted by SQL gets the column default, 0)");
        assertEquals(0, item.getVersion());
    }

    @Test
    void createArrivesAsChangeEvent() throws Exception {
        String name = unique("created-event");

        Item item = items.create(name, 4);

        ChangeEvent change = changes.await("items", Action.INSERT, item.getId().toString(), WITHIN);
        JsonObject row = ChangeRecorder.row(change);
        assertEquals(name, row.getString("name"));
        assertEquals(4, row.getInt("value"));
    }

    @Test
    void updateWithTheCurrentVersionBumpsItAndArrivesAsChangeEvent() throws Exception {
        Item created = items.create(unique("to-update"), 1);
        String renamed = unique("updated");

        Item updated = items.update(created.getId(), renamed, 2, created.getVersion());

        assertEquals(renamed, updated.getName());
        assertEquals(2, updated.getValue());
        assertEquals(created.getVersion() + 1, updated.getVersion());
        assertTrue(updated.getCreatedAt().isEqual(created.getCreatedAt()), "created_at stays");
        assertFalse(updated.getUpdatedAt().isBefore(created.getUpdatedAt()), "updated_at moves on");

        ChangeEvent change = changes.await("items", Action.UPDATE, created.getId().toString(), WITHIN);
        JsonObject row = ChangeRecorder.row(change);
        assertEquals(renamed, row.getString("name"));
        assertEquals(updated.getVersion(), row.getInt("version"));
    }

    @Test
    void updateWithAStaleVersionThrowsStaleItemExceptionAndChangesNothing() throws Exception {
        Item created = items.create(unique("contested"), 1);
        Item first = items.update(created.getId(), unique("first"), 2, created.getVersion());

        assertThrows(StaleItemException.class,
                () -> items.update(created.getId(), unique("second"), 3, created.getVersion()));

        try (Connection sql = Sql.connect()) {
            assertEquals(first.getName(), Sql.queryValue(sql, String.class, "SELECT name FROM items WHERE id = ?", created.getId()));
            assertEquals(first.getVersion(), Sql.queryValue(sql, Integer.class, "SELECT version FROM items WHERE id = ?", created.getId()));
        }
    }

    @Test
    void updateOnAVersionAnotherWriterReplacedThrowsStaleItemException() throws Exception {
        String name = unique("overtaken");
        Item item = items.create(name, 1);
        try (Connection sql = Sql.connect()) {
            assertEquals(1, Sql.update(sql, "UPDATE items SET value = 10 WHERE id = ?", item.getId()));

            assertThrows(StaleItemException.class, () -> items.update(item.getId(), unique("late"), 20, item.getVersion()));

            assertEquals(name, Sql.queryValue(sql, String.class, "SELECT name FROM items WHERE id = ?", item.getId()));
            assertEquals(10, Sql.queryValue(sql, Integer.class, "SELECT value FROM items WHERE id = ?", item.getId()));
        }
    }

    @Test
    void updateBasedOnTheVersionAnotherWriterLeftSucceeds() throws Exception {
        Item item = items.create(unique("shared"), 1);
        int current;
        try (Connection sql = Sql.connect()) {
            assertEquals(1, Sql.update(sql, "UPDATE items SET value = 2 WHERE id = ?", item.getId()));
            current = Sql.queryValue(sql, Integer.class, "SELECT version FROM items WHERE id = ?", item.getId());
        }

        Item updated = items.update(item.getId(), item.getName(), 3, current);

        assertEquals(3, updated.getValue());
        assertEquals(current + 1, updated.getVersion());
    }

    @Test
    void readsSeeWhatAnotherWriterCommitted() throws Exception {
        Item item = items.create(unique("read-back"), 1);
        String renamed = unique("renamed-by-sql");
        try (Connection sql = Sql.connect()) {
            assertEquals(1, Sql.update(sql, "UPDATE items SET name = ?, value = 2 WHERE id = ?", renamed, item.getId()));
        }

        Item found = items.find(item.getId()).orElseThrow();
        assertEquals(renamed, found.getName(), "find");
        assertEquals(item.getVersion() + 1, found.getVersion(), "find");
        Item listed = items.page(0, Integer.MAX_VALUE).stream()
                .filter(candidate -> candidate.getId().equals(item.getId())).findFirst().orElseThrow();
        assertEquals(renamed, listed.getName(), "page");
    }

    @Test
    void updateOfAMissingItemThrowsNoSuchItemException() {
        var thrown = assertThrows(NoSuchItemException.class, () -> items.update(MISSING_ID, "nobody", null, null));
        assertEquals(MISSING_ID, thrown.id());
    }

    @Test
    void deleteOfAMissingItemThrowsNoSuchItemException() {
        var thrown = assertThrows(NoSuchItemException.class, () -> items.delete(MISSING_ID));
        assertEquals(MISSING_ID, thrown.id());
    }

    @Test
    void deleteRemovesTheRowAndArrivesAsChangeEvent() throws Exception {
        String name = unique("to-delete");
        Item item = items.create(name, 5);

        items.delete(item.getId());

        assertTrue(items.find(item.getId()).isEmpty());
        ChangeEvent change = changes.await("items", Action.DELETE, item.getId().toString(), WITHIN);
        assertEquals(name, ChangeRecorder.row(change).getString("name"));
    }

    private static OffsetDateTime column(Connection sql, String column, Item item) throws Exception {
        return Sql.queryValue(sql, OffsetDateTime.class, "SELECT " + column + " FROM items WHERE id = ?", item.getId());
    }

    private static Instant millis(OffsetDateTime time) {
        return time.toInstant().truncatedTo(ChronoUnit.MILLIS);
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
