package io.plank.client.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.plank.testsupport.db.TestDatabase;
import io.plank.testsupport.wait.Eventually;

/** The position row and the leader's lock on a real PostgreSQL: what keeps two instances from handling a change twice. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PositionsTest {

    private static TestDatabase database;

    @BeforeAll
    static void database() {
        database = TestDatabase.create();
    }

    @AfterAll
    static void drop() {
        database.close();
    }

    @Test
    void theRowAndItsTableAreMadeOnceAndKeepTheirPosition() throws SQLException {
        var positions = new Positions("consumer_positions", "made", "orders");
        try (var db = database.connect()) {
            assertEquals(7, positions.read(db, 7), "a new row starts at the initial position");
            db.setAutoCommit(false);
            assertTrue(positions.lockAndCheck(db, 7));
            positions.advance(db, 12);
            db.commit();
            db.setAutoCommit(true);
            assertEquals(12, positions.read(db, 0), "the stored position, not the initial one");
        }
    }

    @Test
    void aSecondInstanceThatStartedFromTheSamePositionWaitsThenFindsItMovedAndGoesNoFurther() throws Exception {
        var positions = new Positions("consumer_positions", "racing", "orders");
        try (var first = database.connect(); var second = database.connect()) {
            positions.read(first, 100);
            first.setAutoCommit(false);
            second.setAutoCommit(false);
            assertTrue(positions.lockAndCheck(first, 100), "the first holds the row");
            long secondPid = backendPid(second);
            var secondCheck = CompletableFuture.supplyAsync(() -> check(positions, second, 100));
            try (var observer = database.connect()) {
                Eventually.until("the second waiting for the row lock", Duration.ofSeconds(10), () -> waitsForLock(observer, secondPid),
                        waiting -> waiting);
            }
            assertFalse(secondCheck.isDone(), "the second waits for the first's transaction");
            positions.advance(first, 150);
            first.commit();
            assertFalse(secondCheck.get(10, TimeUnit.SECONDS), "then finds the position moved: it rolls back its work");
            second.rollback();
        }
    }

    @Test
    void oneLeaderAtATimeAndTheLockGoesWithItsSession() throws SQLException {
        var positions = new Positions("consumer_positions", "leader", "orders");
        try (var other = database.connect()) {
            try (var leader = database.connect()) {
                assertTrue(positions.tryLead(leader));
                assertFalse(positions.tryLead(other), "a second instance stands by");
                assertTrue(new Positions("consumer_positions", "someone-else", "orders").tryLead(other), "another name is not blocked");
            }
            // The server ends the session a moment after the client closed it, and the lock with it.
            Eventually.until("the lock free once the leader's session ended", Duration.ofSeconds(10), () -> lead(positions, other),
                    led -> led);
        }
    }

    @Test
    void aLeaderSteppingDownFreesTheLockThoughItsSessionLivesOnAsAPooledOneWould() throws SQLException {
        var positions = new Positions("consumer_positions", "pooled", "orders");
        try (var pooled = database.connect(); var other = database.connect()) {
            assertTrue(positions.tryLead(pooled));
            positions.stepDown(pooled);
            assertTrue(positions.tryLead(other), "another instance leads while the first session is still open");
        }
    }

    private static boolean lead(Positions positions, Connection db) {
        try {
            return positions.tryLead(db);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long backendPid(Connection db) throws SQLException {
        try (var statement = db.createStatement(); var rows = statement.executeQuery("SELECT pg_backend_pid()")) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static boolean waitsForLock(Connection db, long pid) {
        try (var query = db.prepareStatement("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = ?")) {
            query.setLong(1, pid);
            try (var rows = query.executeQuery()) {
                return rows.next() && rows.getBoolean(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean check(Positions positions, Connection db, long expected) {
        try {
            return positions.lockAndCheck(db, expected);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
