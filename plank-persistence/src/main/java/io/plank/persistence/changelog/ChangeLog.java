package io.plank.persistence.changelog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import jakarta.annotation.Resource;
import jakarta.enterprise.context.ApplicationScoped;

import io.plank.domain.change.ChangeEvent;
import io.plank.persistence.db.DatabaseException;

/** {@code plank.change_log} as resuming clients and the status resource see it: plain reads on the application's pool. */
@ApplicationScoped
public class ChangeLog {

    /** The status resource reads the stats; a database that hangs must not hang the request for long. */
    private static final int STATS_TIMEOUT_SECONDS = 2;

    /** A page and the prune watermark in one statement, so in one snapshot: a page that lost rows to the pruner shows it. */
    private static final String PAGE = "SELECT page.*, r.pruned_through FROM plank.log_retention r LEFT JOIN LATERAL (SELECT "
            + ChangeLogRows.COLUMNS + """

            FROM plank.change_log l
            WHERE l.table_name = ? AND l.seq > ? AND l.seq <= ?
            ORDER BY l.seq LIMIT ?) page ON true""";

    private static final String STATS = """
            SELECT (SELECT COALESCE(max(seq), 0) FROM plank.change_log),
                   (SELECT pruned_through FROM plank.log_retention),
                   (SELECT GREATEST(n_live_tup, 0) FROM pg_stat_all_tables WHERE relid = 'plank.change_log'::regclass),
                   pg_total_relation_size('plank.change_log'),
                   oldest.seq, oldest.changed_at
            FROM (SELECT 1) one
            LEFT JOIN LATERAL (SELECT seq, changed_at FROM plank.change_log ORDER BY seq LIMIT 1) oldest ON true""";

    @Resource(lookup = "java:app/jdbc/plank")
    DataSource dataSource;

    public ChangeLog() {
    }

    /** Outside a container (tests, benchmarks): on any data source. */
    public ChangeLog(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * How big the log is and how far it reaches. The row count is PostgreSQL's running estimate of live rows, kept
     * by its statistics as transactions end, not a count (which would read the whole log). {@code oldestSeq} and
     * {@code oldestAt} are the oldest entry still kept (0 and null when the log is empty): how far back a client can
     * resume.
     */
    public record Stats(long newestSeq, long prunedThrough, long approximateRows, long bytes, long oldestSeq, Instant oldestAt) {
    }

    /**
     * A page of the log: the changes of {@code table} with {@code after < seq <= upTo}, oldest first, at most
     * {@code limit} (the same events the listener hands on), and the prune watermark as it stood when they were read:
     * every change up to it may have been pruned, so a client that saw less must reload.
     */
    public record Page(List<ChangeEvent> changes, long prunedThrough) {
    }

    /** Reads a {@link Page}, its changes and its watermark in one statement. */
    public Page page(String table, long after, long upTo, int limit) {
        try (Connection connection = dataSource.getConnection(); PreparedStatement statement = connection.prepareStatement(PAGE)) {
            statement.setString(1, table);
            statement.setLong(2, after);
            statement.setLong(3, upTo);
            statement.setInt(4, limit);
            List<ChangeEvent> changes = new ArrayList<>();
            long prunedThrough = 0;
            try (var result = statement.executeQuery()) {
                while (result.next()) {
                    prunedThrough = result.getLong(ChangeLogRows.COLUMN_COUNT + 1);
                    if (result.getObject(1) != null) { // the one row of an empty page has the watermark alone
                        changes.add(ChangeLogRows.event(result));
                    }
                }
            }
            return new Page(changes, prunedThrough);
        } catch (SQLException e) {
            throw new DatabaseException("Could not read the changes of " + table + " after seq " + after, e);
        }
    }

    /**
     * The highest seq the log has ever handed out, 0 if none. A client claiming to have seen more holds a seq from
     * another database (restored, recreated): it must reload, since it would otherwise wait for seqs it has seen.
     */
    public long issuedThrough() {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement("SELECT COALESCE(pg_sequence_last_value('plank.change_seq'), 0)");
             var result = statement.executeQuery()) {
            result.next();
            return result.getLong(1);
        } catch (SQLException e) {
            throw new DatabaseException("Could not read the change log's newest issued seq", e);
        }
    }

    /** An instance that has read this log: its name and where it got to (saved at most once a second). */
    public record Instance(String name, long seq, Instant savedAt) {
    }

    /** The instances that have used this database, furthest first. */
    public List<Instance> instances() {
        try (Connection connection = dataSource.getConnection(); PreparedStatement statement = connection.prepareStatement(
                "SELECT instance, seq, updated_at FROM plank.listener_cursor ORDER BY seq DESC, instance")) {
            List<Instance> instances = new ArrayList<>();
            try (var result = statement.executeQuery()) {
                while (result.next()) {
                    instances.add(new Instance(result.getString(1), result.getLong(2), result.getObject(3, OffsetDateTime.class).toInstant()));
                }
            }
            return instances;
        } catch (SQLException e) {
            throw new DatabaseException("Could not read the instances' positions", e);
        }
    }

    public Stats stats() {
        try (Connection connection = dataSource.getConnection(); PreparedStatement statement = connection.prepareStatement(STATS)) {
            statement.setQueryTimeout(STATS_TIMEOUT_SECONDS);
            try (var result = statement.executeQuery()) {
                result.next();
                OffsetDateTime oldestAt = result.getObject(6, OffsetDateTime.class);
                return new Stats(result.getLong(1), result.getLong(2), result.getLong(3), result.getLong(4), result.getLong(5),
                        oldestAt == null ? null : oldestAt.toInstant());
            }
        } catch (SQLException e) {
            throw new DatabaseException("Could not read the change log's size", e);
        }
    }
}
