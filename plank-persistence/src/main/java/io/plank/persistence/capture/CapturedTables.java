package io.plank.persistence.capture;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
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
 * (durable, by logical decoding), and how each is captured.
 * Cached, and re-read at most once a second when asked about a table it does not know, so a table captured
 * after start-up (by SQL, or later through the admin API) becomes subscribable without a restart.
 */
@ApplicationScoped
public class CapturedTables {

    private static final long REFRESH_INTERVAL_NANOS = 1_000_000_000L;

    @Resource(lookup = "java:app/jdbc/plank")
    DataSource dataSource;

    private volatile Map<String, CaptureMode> tables;
    private final AtomicLong lastRead = new AtomicLong(System.nanoTime() - REFRESH_INTERVAL_NANOS);

    public boolean contains(String table) {
        return mode(table).isPresent();
    }

    /** How {@code table} is captured, or empty if it is not. */
    public Optional<CaptureMode> mode(String table) {
        Map<String, CaptureMode> known = tables;
        if (known != null && known.containsKey(table)) {
            return Optional.of(known.get(table));
        }
        long last = lastRead.get();
        if (known == null || (System.nanoTime() - last >= REFRESH_INTERVAL_NANOS && lastRead.compareAndSet(last, System.nanoTime()))) {
            known = reload();
        }
        return Optional.ofNullable(known.get(table));
    }

    /** Drops the cached list: the next question reads the database again. */
    public void forget() {
        tables = null;
    }

    public Map<String, CaptureMode> all() {
        Map<String, CaptureMode> known = tables;
        return known != null ? known : reload();
    }

    private Map<String, CaptureMode> reload() {
        Map<String, CaptureMode> fresh = new HashMap<>();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement("SELECT table_name, mode FROM plank.captured_tables");
             var result = statement.executeQuery()) {
            while (result.next()) {
                fresh.put(result.getString(1), CaptureMode.ofSqlName(result.getString(2)));
            }
        } catch (SQLException e) {
            throw new DatabaseException("Could not read the captured tables", e);
        }
        tables = Map.copyOf(fresh);
        return tables;
    }
}
