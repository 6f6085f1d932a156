package io.plank.persistence.capture;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import jakarta.annotation.Resource;
import jakarta.enterprise.context.ApplicationScoped;

import io.plank.domain.change.CaptureMode;
import io.plank.persistence.db.DatabaseException;

/**
 * The tables clients may subscribe to: those with the {@code plank_capture} trigger or in the publication {@code plank}
 * (durable, by logical decoding), how each is captured, and its columns ({@link CapturedTable}).
 * Cached: read again by {@link #refresh()} (on every DDL notice and once a second, {@code CatalogWatch} in the web
 * module), and when asked about a table it does not know unless it was read in the last 100 ms, so a table captured
 * a moment ago (by SQL, the admin API or configuration) is subscribable at once or within that time.
 */
@ApplicationScoped
public class CapturedTables {

    /** How old a read may be when asked about a table it does not know: bounds the reads a stream of unknown names costs. */
    private static final long REFRESH_INTERVAL_NANOS = 100_000_000L;

    /** The view's tables with their relation, and their columns' names and types in column order. */
    private static final String READ = """
            SELECT ct.table_name, ct.mode, ct.relid::bigint, cols.names, cols.types
            FROM plank.captured_tables ct
            CROSS JOIN LATERAL (SELECT array_agg(a.attname::text ORDER BY a.attnum) AS names,
                                       array_agg(format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum) AS types
                                FROM pg_attribute a
                                WHERE a.attrelid = ct.relid AND a.attnum > 0 AND NOT a.attisdropped) AS cols""";

    @Resource(lookup = "java:app/jdbc/plank")
    DataSource dataSource;

    private volatile Map<String, CapturedTable> tables;
    private final AtomicLong lastRead = new AtomicLong(System.nanoTime() - REFRESH_INTERVAL_NANOS);
    private final AtomicLong reads = new AtomicLong();

    /** For CDI, which injects the application's pool. */
    public CapturedTables() {
    }

    /** Outside a container, in tests. */
    public CapturedTables(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public boolean contains(String table) {
        return mode(table).isPresent();
    }

    /** How {@code table} is captured, or empty if it is not. */
    public Optional<CaptureMode> mode(String table) {
        return table(table).map(CapturedTable::mode);
    }

    /** The captured table named {@code table} (as frames name it), or empty if it is not captured. */
    public Optional<CapturedTable> table(String table) {
        Map<String, CapturedTable> known = tables;
        if (known != null && known.containsKey(table)) {
            return Optional.of(known.get(table));
        }
        long last = lastRead.get();
        if (known == null || (System.nanoTime() - last >= REFRESH_INTERVAL_NANOS && lastRead.compareAndSet(last, System.nanoTime()))) {
            known = refresh();
        }
        return Optional.ofNullable(known.get(table));
    }

    /** Drops the cached list: the next question reads the database again. */
    public void forget() {
        tables = null;
    }

    /** Every captured table and how it is captured, by name. */
    public Map<String, CaptureMode> all() {
        Map<String, CaptureMode> modes = new LinkedHashMap<>();
        catalog().forEach((name, table) -> modes.put(name, table.mode()));
        return modes;
    }

    /** Every captured table, by name, as last read. */
    public Map<String, CapturedTable> catalog() {
        Map<String, CapturedTable> known = tables;
        return known != null ? known : refresh();
    }

    /** Reads the captured tables now; what later questions are answered from. */
    public Map<String, CapturedTable> refresh() {
        Map<String, CapturedTable> fresh = new LinkedHashMap<>();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement(READ);
             var result = statement.executeQuery()) {
            while (result.next()) {
                String name = result.getString(1);
                fresh.put(name, new CapturedTable(name, CaptureMode.ofSqlName(result.getString(2)), result.getLong(3),
                        columns(result.getArray(4), result.getArray(5))));
            }
        } catch (SQLException e) {
            throw new DatabaseException("Could not read the captured tables", e);
        }
        lastRead.set(System.nanoTime());
        tables = Map.copyOf(fresh);
        reads.incrementAndGet();
        return tables;
    }

    /** How many times the catalog was read: a subscription made since a count may have seen a catalog read after it. */
    public long reads() {
        return reads.get();
    }

    private static Map<String, String> columns(java.sql.Array names, java.sql.Array types) throws SQLException {
        Map<String, String> columns = new LinkedHashMap<>();
        if (names != null) {
            String[] name = (String[]) names.getArray();
            String[] type = (String[]) types.getArray();
            for (int i = 0; i < name.length; i++) {
                columns.put(name[i], type[i]);
            }
        }
        return columns;
    }

    /** Whether relation {@code relid} is still a table (one no longer captured under any name was dropped, or released). */
    public boolean exists(long relid) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement("SELECT EXISTS (SELECT 1 FROM pg_class WHERE oid::bigint = ?)")) {
            statement.setLong(1, relid);
            try (var result = statement.executeQuery()) {
                result.next();
                return result.getBoolean(1);
            }
        } catch (SQLException e) {
            throw new DatabaseException("Could not look for a dropped table", e);
        }
    }
}
