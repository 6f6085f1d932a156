package io.plank.listener.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.plank.domain.change.Action;
import io.plank.domain.change.ChangeEvent;
import io.plank.persistence.migration.SchemaMigrator;
import io.plank.testsupport.db.FreshDatabase;
import io.plank.testsupport.wait.Eventually;

/** The commit-order rule of the log reader, played out with real transactions that commit out of seq order. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ChangeLogReaderTest {

    @RegisterExtension
    static final FreshDatabase database = FreshDatabase.preparedBy(db -> SchemaMigrator.migrate(Notifications.settings(db).unpooled("test-migrate")));

    private Connection reading;
    private Connection early;
    private Connection late;
    private final List<ChangeEvent> delivered = new ArrayList<>();

    @BeforeEach
    void connect() throws SQLException {
        reading = database.connection();
        early = database.connection();
        late = database.connection();
    }

    @Test
    void handsOnCommittedChangesInSeqOrderOnce() throws SQLException {
        var reader = new ChangeLogReader(newestSeq());
        long first = insert(late, "one");
        insert(late, "two");
        insert(late, "three");

        assertEquals(3, reader.read(reading, delivered::add));
        assertEquals(0, reader.read(reading, delivered::add), "nothing is handed on twice");
        assertEquals(List.of(first, first + 1, first + 2), delivered.stream().map(ChangeEvent::seq).toList());
        assertTrue(delivered.stream().allMatch(e -> e.table().equals("items") && e.action() == Action.INSERT));
        assertTrue(delivered.get(0).row().contains("\"name\": \"one\""), delivered.get(0).row());
        assertEquals(first + 2, reader.cursor());
    }

    @Test
    void newAccessRulesAreAppliedBeforeTheFirstChangeReadWithThem() throws SQLException {
        var reader = new ChangeLogReader(newestSeq());
        List<String> happened = new ArrayList<>();
        insert(late, "under the old rules");
        reader.read(reading, change -> happened.add("change " + change.seq()), () -> happened.add("rules"));
        assertEquals(1, happened.size(), "the first page only learns the rules' version: " + happened);

        execute(late, "INSERT INTO plank.table_grants VALUES ('items', 'read', 'sales')");
        long after = insert(late, "committed after the new rules");
        reader.read(reading, change -> happened.add("change " + change.seq()), () -> happened.add("rules"));
        assertEquals(List.of("rules", "change " + after), happened.subList(1, happened.size()),
                "the rules are applied before the change that followed them");
    }

    @Test
    void holdsLaterChangesBackUntilAnEarlierSeqCommits() throws SQLException {
        var reader = new ChangeLogReader(newestSeq());
        early.setAutoCommit(false);
        long earlier = insert(early, "takes its seq first, commits last");
        long later = insert(late, "commits first");
        assertTrue(later > earlier);

        assertEquals(0, reader.read(reading, delivered::add), "the later change waits for the open transaction");
        assertTrue(reader.waitingForGap());
        assertEquals(later, reader.newest(), "the waiting change counts as lag");

        early.commit();
        assertEquals(2, readAfterGap(reader, 2));
        assertEquals(List.of(earlier, later), delivered.stream().map(ChangeEvent::seq).toList());
        assertFalse(reader.waitingForGap());
    }

    @Test
    void waitsForANewerTransactionHoldingALowerSeqThatTheSnapshotCannotList() throws SQLException {
        // The older transaction (smaller xid) commits the higher seq; the newer one holds the lower seq. The
        // snapshot's in-progress list stops at its xmax, just past the older one, so it cannot name the holder.
        var reader = new ChangeLogReader(newestSeq());
        late.setAutoCommit(false);
        execute(late, "CREATE TEMP TABLE takes_an_xid (x int)");
        early.setAutoCommit(false);
        long lower = insert(early, "newer transaction, lower seq");
        long higher = insert(late, "older transaction, higher seq");
        late.commit();

        assertEquals(0, reader.read(reading, delivered::add), "the higher seq waits for the newer transaction");
        assertEquals(0, reader.read(reading, delivered::add), "and keeps waiting while it runs");

        early.commit();
        assertEquals(2, readAfterGap(reader, 2));
        assertEquals(List.of(lower, higher), delivered.stream().map(ChangeEvent::seq).toList());
    }

    @Test
    void skipsTheSeqOfARolledBackTransactionOnceItHasEnded() throws SQLException {
        var reader = new ChangeLogReader(newestSeq());
        early.setAutoCommit(false);
        insert(early, "rolled back");
        long later = insert(late, "committed");

        assertEquals(0, reader.read(reading, delivered::add));
        early.rollback();

        assertEquals(1, readAfterGap(reader, 1));
        assertEquals(later, delivered.get(0).seq());
        assertEquals(later, reader.cursor());
    }

    @Test
    void aGapLeftByAnAbortedTransactionLongAgoDoesNotWait() throws SQLException {
        long start = newestSeq();
        early.setAutoCommit(false);
        insert(early, "rolled back before anyone looked");
        early.rollback();
        var reader = new ChangeLogReader(start);
        long committed = insert(late, "after the hole");
        assertTrue(committed > start + 1, "the rolled-back insert left a hole in seq");

        assertEquals(1, readAfterGap(reader, 1), "no transaction of this test was running, so the hole is final");
        assertEquals(committed, delivered.get(0).seq());
    }

    @Test
    void marksTheLastChangeOfATransactionThoughItsRowsSpanPagesAndAGap() throws SQLException {
        var reader = new ChangeLogReader(newestSeq());
        late.setAutoCommit(false);
        early.setAutoCommit(false);
        execute(late, "INSERT INTO items (name) SELECT 'a' || i FROM generate_series(1, 300) i");
        long gap = insert(early, "a lower seq committed later");
        execute(late, "INSERT INTO items (name) SELECT 'b' || i FROM generate_series(1, 900) i");
        late.commit();

        assertEquals(300, reader.read(reading, delivered::add), "up to the open transaction's seq");
        assertTrue(delivered.stream().noneMatch(ChangeEvent::txLast),
                "the transaction goes on beyond what could be delivered: " + delivered.get(299));

        early.commit();
        assertEquals(901, readAfterGap(reader, 901), "the rest, over two pages of " + ChangeLogReader.PAGE_SIZE);
        ChangeEvent alone = delivered.get(300);
        assertEquals(gap, alone.seq());
        assertTrue(alone.txFirst() && alone.txLast(), "a transaction of one change: " + alone);
        List<ChangeEvent> big = new ArrayList<>(delivered);
        big.remove(alone);
        assertEquals(1, big.stream().map(change -> change.tx().id()).distinct().count(), "one transaction");
        assertEquals(List.of(big.get(big.size() - 1)), big.stream().filter(ChangeEvent::txLast).toList(),
                "exactly one last change, the transaction's highest seq");
        assertEquals(List.of(big.get(0)), big.stream().filter(ChangeEvent::txFirst).toList());
        assertTrue(big.stream().allMatch(change -> change.tx().firstSeq() == big.get(0).seq()), "each knows where its transaction began");
        assertTrue(alone.tx().id() != big.get(0).tx().id());
    }

    /**
     * Reads until {@code expected} changes have been handed on; returns how many were. Past a gap the reader waits out
     * every transaction that was running on the server, in any database, and other test runs share this PostgreSQL.
     */
    private int readAfterGap(ChangeLogReader reader, int expected) {
        int[] handedOn = {0};
        return Eventually.until(expected + " changes handed on", Duration.ofSeconds(20), () -> handedOn[0] += read(reader),
                count -> count >= expected);
    }

    private int read(ChangeLogReader reader) {
        try {
            return reader.read(reading, delivered::add);
        } catch (SQLException e) {
            throw new AssertionError("Reading the log failed", e);
        }
    }

    private long insert(Connection connection, String name) throws SQLException {
        try (var statement = connection.prepareStatement("INSERT INTO items (name) VALUES (?)")) {
            statement.setString(1, name);
            statement.executeUpdate();
        }
        // The seq this connection's own transaction took: its newest visible entry.
        try (var statement = connection.createStatement();
             var result = statement.executeQuery("SELECT max(seq) FROM plank.change_log WHERE new_row ->> 'name' = '" + name.replace("'", "''") + "'")) {
            result.next();
            return result.getLong(1);
        }
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (var statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private long newestSeq() throws SQLException {
        try (var statement = reading.createStatement();
             var result = statement.executeQuery("SELECT COALESCE(max(seq), 0) FROM plank.change_log")) {
            result.next();
            return result.getLong(1);
        }
    }
}
