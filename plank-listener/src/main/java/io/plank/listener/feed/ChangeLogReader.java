package io.plank.listener.feed;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;

import io.plank.domain.change.ChangeEvent;
import io.plank.persistence.changelog.ChangeLogRows;

/**
 * Reads {@code plank.change_log} in {@code seq} order and hands on every committed change exactly once.
 *
 * <p>The difficulty: {@code seq} is taken inside the writer's transaction, before commit, so a change with a
 * lower {@code seq} can become visible after higher ones. When the next expected {@code seq} is missing, only a
 * transaction that was running when the read's snapshot was taken can still hold it (it had its transaction id
 * before it took the {@code seq}, which was before the visible higher one committed). So the reader notes every
 * transaction running right after that read ({@code pg_locks}: each transaction holds a lock on its own id;
 * unlike the snapshot's in-progress list this includes transactions newer than the snapshot's xmax, and prepared
 * ones), and reads again only once all of them have ended, checking that before taking the next snapshot. That
 * snapshot decides: a missing {@code seq} below the gap's end is then committed and visible, or gone for good
 * (rolled back) and skipped. Nothing committed is skipped and nothing is handed on twice; the price is that
 * changes queue behind a gap until the writing transactions open at that moment have ended.
 */
final class ChangeLogReader {

    static final int PAGE_SIZE = 500;

    /**
     * The page, and the version of the stored access rules in the same snapshot: a change that committed after new
     * rules is only ever read together with them (V8).
     */
    private static final String READ = "SELECT " + ChangeLogRows.COLUMNS + """
            , (SELECT version FROM plank.access_version) AS access_version
            FROM plank.change_log l
            WHERE l.seq > ?
            ORDER BY l.seq
            LIMIT ?""";

    /** The column of {@link #READ} after {@link ChangeLogRows#COLUMNS}. */
    private static final int ACCESS_VERSION = ChangeLogRows.COLUMN_COUNT + 1;

    private static final String RUNNING = """
            SELECT transactionid::text FROM pg_locks
            WHERE locktype = 'transactionid' AND mode = 'ExclusiveLock' AND granted""";

    private volatile long cursor;
    private volatile long newest;
    /** The transactions that may hold a missing seq below {@link #gapEnd}; null when there is no gap. */
    private Set<String> awaited;
    private long gapEnd;
    /** The access rules' version the last page was read with; -1 before the first. */
    private long accessVersion = -1;

    ChangeLogReader(long cursor) {
        this.cursor = cursor;
    }

    /** The last {@code seq} handed on. */
    long cursor() {
        return cursor;
    }

    /** The highest {@code seq} seen in the log so far, delivered or not. */
    long newest() {
        return Math.max(newest, cursor);
    }

    /** Whether a missing {@code seq} is holding delivery back until some transactions end. */
    boolean waitingForGap() {
        return awaited != null;
    }

    /** Hands on everything deliverable now, in {@code seq} order; returns how many changes that was. */
    int read(Connection connection, Consumer<ChangeEvent> sink) throws SQLException {
        return read(connection, sink, () -> { });
    }

    /**
     * As {@link #read(Connection, Consumer)}; {@code accessChanged} runs before the first change read with stored
     * access rules other than the previous page's.
     */
    int read(Connection connection, Consumer<ChangeEvent> sink, Runnable accessChanged) throws SQLException {
        int delivered = 0;
        while (true) {
            long settledUpTo = 0;
            if (awaited != null) {
                Set<String> running = running(connection);
                if (awaited.stream().anyMatch(running::contains)) {
                    return delivered;
                }
                // All ended before the snapshot below is taken: below gapEnd it shows everything that committed.
                settledUpTo = gapEnd;
                awaited = null;
            }
            Page page = readPage(connection, sink, settledUpTo, accessChanged);
            delivered += page.delivered();
            if (page.gapAt() > 0) {
                awaited = running(connection);
                gapEnd = page.gapAt();
                if (awaited.isEmpty()) {
                    continue; // nothing was running, so nothing can still commit below the gap: read again now
                }
                return delivered;
            }
            if (!page.full()) {
                return delivered;
            }
        }
    }

    /** What one read did: how many it handed on, where it met a gap (0 if none), whether the page was full. */
    private record Page(int delivered, long gapAt, boolean full) {
    }

    private Page readPage(Connection connection, Consumer<ChangeEvent> sink, long settledUpTo, Runnable accessChanged) throws SQLException {
        int delivered = 0;
        int rows = 0;
        try (var statement = connection.prepareStatement(READ)) {
            statement.setLong(1, cursor);
            statement.setInt(2, PAGE_SIZE);
            try (var result = statement.executeQuery()) {
                while (result.next()) {
                    rows++;
                    long seq = result.getLong(1);
                    newest = Math.max(newest, seq);
                    if (seq != cursor + 1 && seq > settledUpTo) {
                        return new Page(delivered, seq, false);
                    }
                    long version = result.getLong(ACCESS_VERSION);
                    if (version != accessVersion) {
                        if (accessVersion >= 0) {
                            accessChanged.run();
                        }
                        accessVersion = version;
                    }
                    cursor = seq;
                    delivered++;
                    sink.accept(ChangeLogRows.event(result));
                }
            }
        }
        return new Page(delivered, 0, rows == PAGE_SIZE);
    }

    private static Set<String> running(Connection connection) throws SQLException {
        Set<String> running = new HashSet<>();
        try (var statement = connection.prepareStatement(RUNNING); var result = statement.executeQuery()) {
            while (result.next()) {
                running.add(result.getString(1));
            }
        }
        return running;
    }
}
