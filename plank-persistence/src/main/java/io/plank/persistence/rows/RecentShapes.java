package io.plank.persistence.rows;

import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Captured tables' shapes as read from the catalog at most {@link #FRESH_NANOS} ago, one read per table at a time.
 *
 * <p>Why: every filtered or snapshot subscribe needs its table's shape, and reading it takes a pooled connection on the
 * container's thread. 190 connections sending 100 snapshot subscribes each (issue 19) kept every worker thread of the
 * server waiting for the pool behind 19,000 catalog reads, so another client's subscribe, and even its WebSocket
 * handshake, waited 10 s and more (thread dumps: all of WildFly's "default task" threads in {@code TableCatalog.shape},
 * parked on the pool's semaphore). Shared, the shape costs one read per table and half second however many ask.
 * A table not found is not remembered: one captured a moment later is subscribable at once.
 */
final class RecentShapes {

    static final long FRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** Captured tables are few; names that are not stay out. Past this many, start afresh rather than grow. */
    private static final int MAX_TABLES = 10_000;

    interface Reader {
        Optional<TableShape> read(String table) throws SQLException;
    }

    private record Entry(TableShape shape, long readAt) {
    }

    private final Reader reader;
    private final Map<String, Entry> shapes = new ConcurrentHashMap<>();
    private final Map<String, Object> reading = new ConcurrentHashMap<>();

    RecentShapes(Reader reader) {
        this.reader = reader;
    }

    Optional<TableShape> shape(String table) throws SQLException {
        Entry recent = shapes.get(table);
        if (fresh(recent)) {
            return Optional.of(recent.shape());
        }
        // Those who ask while it is read wait for that read instead of each taking a connection for the same answer.
        synchronized (reading.computeIfAbsent(table, name -> new Object())) {
            recent = shapes.get(table);
            if (fresh(recent)) {
                return Optional.of(recent.shape());
            }
            long readAt = System.nanoTime();
            Optional<TableShape> shape = reader.read(table);
            if (shapes.size() >= MAX_TABLES || reading.size() >= MAX_TABLES) {
                shapes.clear();
                reading.clear();
            }
            shape.ifPresentOrElse(found -> shapes.put(table, new Entry(found, readAt)), () -> shapes.remove(table));
            return shape;
        }
    }

    /** Forgets every shape: the catalog changed, and a shape read before must not type a filter after. */
    void forget() {
        shapes.clear();
    }

    private static boolean fresh(Entry entry) {
        return entry != null && System.nanoTime() - entry.readAt() < FRESH_NANOS;
    }
}
