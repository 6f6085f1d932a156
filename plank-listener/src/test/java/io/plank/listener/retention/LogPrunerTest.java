package io.plank.listener.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.plank.persistence.migration.SchemaMigrator;
import io.plank.testsupport.db.FreshDatabase;
import io.plank.testsupport.wait.Eventually;

/** Retention against a real change log: by age, by row count, and the watermark resuming clients rely on. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LogPrunerTest {

    @RegisterExtension
    final FreshDatabase database = FreshDatabase.migratedBy(SchemaMigrator::migrate);
    private Connection connection;

    @BeforeEach
    void connect() throws SQLException {
        connection = database.connection();
    }

    @Test
    void prunesEntriesOlderThanTheRetentionAgeAndRaisesTheWatermark() throws SQLException {
        insertItems(10);
        execute("UPDATE plank.change_log SET changed_at = now() - interval '2 hours' WHERE seq <= 4");

        long deleted = new LogPruner(Duration.ofHours(1), 1_000_000).prune(connection);

        assertEquals(4, deleted);
        assertEquals(4, single("SELECT pruned_through FROM plank.log_retention"));
        assertEquals(5, single("SELECT min(seq) FROM plank.change_log"));
        assertEquals(10, single("SELECT count(*) FROM items"), "pruning the log never touches the captured tables");
    }

    @Test
    void oneInstanceAtATimePrunesADatabase() throws SQLException {
        insertItems(10);
        execute("UPDATE plank.change_log SET changed_at = now() - interval '2 hours' WHERE seq <= 4");
        var pruner = new LogPruner(Duration.ofHours(1), 1_000_000);
        try (Connection other = database.connect()) {
            try (var lock = other.prepareStatement("SELECT pg_advisory_lock(?)")) {
                lock.setLong(1, LogPruner.LOCK);
                lock.execute();
            }
            assertEquals(0, pruner.pruneUnlessRunning(connection), "another instance is pruning: this one skips");
            assertEquals(10, single("SELECT count(*) FROM plank.change_log"));
        } // the other instance's session ends, and its lock with it (PostgreSQL lets it go a moment after the close)
        Eventually.until("the other session's lock let go", Duration.ofSeconds(10), this::nobodyHoldsTheLock);

        assertEquals(4, pruner.pruneUnlessRunning(connection));
        assertEquals(6, single("SELECT count(*) FROM plank.change_log"));
        try (Connection other = database.connect(); var lock = other.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
            lock.setLong(1, LogPruner.LOCK);
            try (var result = lock.executeQuery()) {
                result.next();
                assertTrue(result.getBoolean(1), "the lock is let go after pruning");
            }
        }
    }

    @Test
    void keepsOnlyTheNewestRowsBeyondTheLimitInBatches() throws SQLException {
        insertItems(LogPruner.BATCH + 300);

        long deleted = new LogPruner(Duration.ofDays(1), 100).prune(connection);

        assertEquals(LogPruner.BATCH + 200, deleted, "more than one batch");
        assertEquals(100, single("SELECT count(*) FROM plank.change_log"));
        assertEquals(LogPruner.BATCH + 200, single("SELECT pruned_through FROM plank.log_retention"));
    }

    @Test
    void nothingDueLeavesTheWatermarkAlone() throws SQLException {
        insertItems(3);
        assertEquals(0, new LogPruner(Duration.ofDays(1), 1_000).prune(connection));
        assertEquals(0, single("SELECT pruned_through FROM plank.log_retention"));
    }

    @Test
    void refusesARetentionThatWouldPruneEverything() {
        assertThrows(IllegalArgumentException.class, () -> new LogPruner(Duration.ZERO, 10));
        assertThrows(IllegalArgumentException.class, () -> new LogPruner(Duration.ofHours(1), 0));
    }

    private void insertItems(int count) throws SQLException {
        execute("INSERT INTO items (name, value) SELECT 'item ' || g, g FROM generate_series(1, " + count + ") g");
    }

    private void execute(String sql) throws SQLException {
        try (var statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private boolean nobodyHoldsTheLock() {
        try {
            return single("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = " + (LogPruner.LOCK >>> 32)
                    + " AND objid = " + (LogPruner.LOCK & 0xffffffffL)) == 0;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private long single(String sql) throws SQLException {
        try (var statement = connection.createStatement(); var result = statement.executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        }
    }
}
