package io.plank.systemtests;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads writing a table {@code (id bigserial PRIMARY KEY, writer int, n int)} with plain JDBC until a number of
 * changes is reached or they are stopped: inserts, updates of their own rows, deletes, and transactions of three
 * changes that hold their seqs across a pause (so transactions interleave), some rolled back. A lost connection is
 * opened again, so the writers carry on while Plank is killed.
 */
final class TableWriters implements AutoCloseable {

    private final RunningPlank plank;
    private final String table;
    private final long intervalNanos;
    private final AtomicInteger budget;
    private final AtomicInteger committed = new AtomicInteger();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
    private final ExecutorService threads;

    private TableWriters(RunningPlank plank, String table, int count, int changes, int opsPerSecond) {
        this.plank = plank;
        this.table = table;
        this.budget = new AtomicInteger(changes);
        this.intervalNanos = TimeUnit.SECONDS.toNanos(1) / opsPerSecond;
        this.threads = Executors.newFixedThreadPool(count, task -> new Thread(task, table + "-writer"));
        for (int i = 0; i < count; i++) {
            int writer = i;
            threads.execute(() -> write(writer, new Random(writer)));
        }
        threads.shutdown();
    }

    /** {@code count} threads writing {@code changes} committed changes in all, each at most {@code opsPerSecond} writes a second. */
    static TableWriters start(RunningPlank plank, String table, int count, int changes, int opsPerSecond) {
        return new TableWriters(plank, table, count, changes, opsPerSecond);
    }

    static void create(Connection db, String table) throws SQLException {
        Sql.createTable(db, table, "(id bigserial PRIMARY KEY, writer int NOT NULL, n int NOT NULL DEFAULT 0)");
    }

    int committed() {
        return committed.get();
    }

    /** Waits until the writers are done (their budget spent) and fails if any failed. */
    void await(Duration within) throws InterruptedException {
        if (!threads.awaitTermination(within.toMillis(), TimeUnit.MILLISECONDS)) {
            stop.set(true);
            throw new AssertionError(table + " writers not done within " + within + " (" + committed + " committed)");
        }
        if (!failures.isEmpty()) {
            throw new AssertionError(failures.size() + " writer(s) failed: " + failures.peek(), failures.peek());
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        threads.awaitTermination(20, TimeUnit.SECONDS);
    }

    private void write(int writer, Random random) {
        List<Long> own = new ArrayList<>();
        Connection db = null;
        long next = System.nanoTime();
        try {
            while (!stop.get() && budget.get() > 0) {
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait); // pacing, not waiting for an outcome
                }
                next += intervalNanos;
                try {
                    if (db == null) {
                        db = plank.connect();
                    }
                    writeOnce(db, writer, random, own);
                } catch (SQLException e) {
                    if (db != null && !db.isClosed() && db.isValid(2)) {
                        throw e;
                    }
                    db = null; // the database connection went (PostgreSQL is not what these tests stop): open another
                    TimeUnit.MILLISECONDS.sleep(100);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (SQLException | RuntimeException e) {
            failures.add(e);
        } finally {
            if (db != null) {
                try {
                    db.close();
                } catch (SQLException ignored) {
                    // closing anyway
                }
            }
        }
    }

    private void writeOnce(Connection db, int writer, Random random, List<Long> own) throws SQLException, InterruptedException {
        int dice = random.nextInt(10);
        if (own.isEmpty() || dice < 4) {
            if (take(1)) {
                own.add(insert(db, writer));
                committed.incrementAndGet();
            }
        } else if (dice < 7) {
            if (take(1)) {
                update(db, own.get(random.nextInt(own.size())));
                committed.incrementAndGet();
            }
        } else if (dice < 8) {
            if (take(1)) {
                delete(db, own.remove(random.nextInt(own.size())));
                committed.incrementAndGet();
            }
        } else if (take(3)) {
            db.setAutoCommit(false);
            try {
                long first = insert(db, writer);
                TimeUnit.MILLISECONDS.sleep(2); // other writers commit meanwhile: transactions interleave in seq order
                long second = insert(db, writer);
                update(db, first);
                if (dice == 9 && random.nextInt(4) == 0) {
                    db.rollback();
                    budget.addAndGet(3);
                } else {
                    db.commit();
                    own.add(first);
                    own.add(second);
                    committed.addAndGet(3);
                }
            } catch (SQLException | InterruptedException | RuntimeException e) {
                try {
                    db.rollback();
                } catch (SQLException ignored) {
                    // the connection is broken
                }
                budget.addAndGet(3);
                throw e;
            } finally {
                if (!db.isClosed()) {
                    db.setAutoCommit(true);
                }
            }
        }
    }

    private boolean take(int changes) {
        if (budget.addAndGet(-changes) >= 0) {
            return true;
        }
        budget.addAndGet(changes);
        return false;
    }

    private long insert(Connection db, int writer) throws SQLException {
        try (var insert = db.prepareStatement("INSERT INTO " + table + " (writer) VALUES (?) RETURNING id")) {
            insert.setInt(1, writer);
            try (var rows = insert.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    private void update(Connection db, long id) throws SQLException {
        try (var update = db.prepareStatement("UPDATE " + table + " SET n = n + 1 WHERE id = ?")) {
            update.setLong(1, id);
            if (update.executeUpdate() != 1) {
                throw new SQLException("Row " + id + " of " + table + " is gone");
            }
        }
    }

    private void delete(Connection db, long id) throws SQLException {
        try (var delete = db.prepareStatement("DELETE FROM " + table + " WHERE id = ?")) {
            delete.setLong(1, id);
            delete.executeUpdate();
        }
    }
}
