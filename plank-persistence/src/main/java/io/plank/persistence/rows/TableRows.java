package io.plank.persistence.rows;

import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.Resource;
import jakarta.enterprise.context.ApplicationScoped;

import io.plank.domain.filter.Filter;

/**
 * The rows of captured tables, for subscriptions: a table's columns ({@link TableCatalog}), filters typed against
 * them ({@link FilterTyping}), and snapshots that line up exactly with the change stream ({@link Snapshots}). Plain
 * JDBC on the application's pool.
 */
@ApplicationScoped
public class TableRows {

    /**
     * Where snapshot rows go, a page at a time, while the snapshot's transaction is open: it must not wait for
     * anything (a client, above all), since the transaction holds a pooled connection. It may refuse a snapshot
     * that grows too large.
     */
    public interface PageSink {
        void page(List<String> rows, boolean last) throws SnapshotTooLargeException;
    }

    @Resource(lookup = "java:app/jdbc/plank")
    DataSource dataSource;

    private TableCatalog catalog;
    private RecentShapes recentShapes;
    private FilterTyping typing;
    private Snapshots snapshots;

    /** For CDI, which injects the application's pool. */
    public TableRows() {
    }

    /** Outside a container (tests, benchmarks): on any data source. */
    public TableRows(DataSource dataSource) {
        this.dataSource = dataSource;
        init();
    }

    @PostConstruct
    void init() {
        catalog = new TableCatalog(dataSource);
        recentShapes = new RecentShapes(catalog::shape);
        typing = new FilterTyping(dataSource);
        snapshots = new Snapshots(dataSource);
    }

    /** The columns and key of a captured table, or empty if {@code table} (named as change frames name it) is not captured. */
    public Optional<TableShape> shape(String table) throws SQLException {
        return catalog.shape(table);
    }

    /**
     * As {@link #shape}, but read at most half a second ago and shared: for subscribes, which may come by the thousand
     * and must not each take a pooled connection on the container's thread ({@link RecentShapes}).
     */
    public Optional<TableShape> recentShape(String table) throws SQLException {
        return recentShapes.shape(table);
    }

    /** The catalog changed: the next {@link #recentShape} reads it again. */
    public void forgetRecentShapes() {
        recentShapes.forget();
    }

    /** Types {@code filter} against the table; an {@link io.plank.domain.filter.InvalidFilterException} says what does not fit. */
    public RowFilter filter(TableShape shape, Filter filter) throws SQLException {
        return typing.filter(shape, filter);
    }

    /**
     * Sends the rows of {@code shape} that pass {@code filter}, in key order, as pages, and returns the seqs of the
     * table's changes after {@code afterSeq} that the snapshot already contains: those must not be delivered again.
     * The rows and those seqs are read in one repeatable-read transaction, so they are one consistent picture; a
     * change whose log row the transaction cannot see committed after it, and is not in the rows.
     */
    public long[] snapshot(TableShape shape, RowFilter filter, long afterSeq, int maxRows, int pageRows, int pageBytes,
                           PageSink sink) throws SQLException, SnapshotTooLargeException {
        return snapshots.snapshot(shape, filter, afterSeq, maxRows, pageRows, pageBytes, sink);
    }
}
