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
import java.util.logging.Logger;

/**
 * Threads writing {@code items} with plain JDBC, as other programs sharing the database do, at a bounded rate for a
 * bounded time. Each thread inserts rows and updates its own rows, autocommit mostly; some transactions hold a seq
 * while others commit (so seqs commit out of order), and some roll back (so seqs go missing for good). Only
 * writes whose commit returned count as acknowledged.
 */
final class Writers implements AutoCloseable {

    /** A committed change as its writer saw it: the row and the version the change gave it. */
    record Write(long id, int version) {
    }

    private static final Logger LOG = Logger.getLogger(Writers.class.getName());
    private static final Duration RECONNECT_PAUSE = Duration.ofMillis(100);
    private static final Duration STOP_WAIT = Duration.ofSeconds(20);

    private final RunningPlank plank;
    private final long intervalNanos;
    private final long deadline;
    private final boolean survivesConnectionLoss;
    private final ExecutorService threads;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Queue<Write> acknowledged = new ConcurrentLinkedQueue<>();
    private final AtomicInteger acknowledgedCount = new AtomicInteger();
    private final AtomicInteger reconnects = new AtomicInteger();
    private final Queue<Throwable> failures = new ConcurrentLinkedQueue<>();

    private Writers(RunningPlank plank, int count, int opsPerSecond, Duration maxTime, boolean survivesConnectionLoss) {
        this.plank = plank;
        this.intervalNanos = TimeUnit.SECONDS.toNanos(1) / opsPerSecond;
        this.deadline = System.nanoTime() + maxTime.toNanos();
        this.survivesConnectionLoss = survivesConnectionLoss;
        this.threads = Executors.newFixedThreadPool(count, task -> new Thread(task, "items-writer"));
        for (int i = 0; i < count; i++) {
            long seed = i;
            threads.execute(() -> write(new Random(seed)));
        }
        threads.shutdown();
    }

    /** {@code count} threads, each at most {@code opsPerSecond} writes a second, all ending after {@code maxTime}. */
    static Writers start(RunningPlank plank, int count, int opsPerSecond, Duration maxTime) {
        return new Writers(plank, count, opsPerSecond, maxTime, false);
    }

    /** As {@link #start}, but a lost connection (database restart) is reopened instead of ending the thread. */
    static Writers startSurvivingConnectionLoss(RunningPlank plank, int count, int opsPerSecond, Duration maxTime) {
        return new Writers(plank, count, opsPerSecond, maxTime, true);
    }

    /** Waits until {@code more} writes beyond those acknowledged now are acknowledged. */
    Writers awaitMore(int more, Duration within) {
        int target = acknowledgedCount.get() + more;
        Poll.until(more + " more acknowledged writes", within, () -> acknowledgedCount.get() >= target || !running(), true,
                () -> "(acknowledged " + acknowledgedCount.get() + ", failures " + failures + ")");
        if (acknowledgedCount.get() < target) {
            throw new AssertionError("Writers ended after " + acknowledgedCount.get() + " acknowledged writes, before "
                    + target + "; failures: " + failures);
        }
        return this;
    }

    /** Stops the writers, waits for them and fails if any failed; returns what they acknowledged. */
    List<Write> stop() {
        halt();
        if (!failures.isEmpty()) {
            var failure = new AssertionError(failures.size() + " writer(s) failed: " + failures.peek(), failures.peek());
            failures.stream().skip(1).forEach(failure::addSuppressed);
            throw failure;
        }
        LOG.info(() -> acknowledgedCount.get() + " writes acknowledged" + (reconnects.get() > 0 ? ", " + reconnects.get()
                + " reconnects" : ""));
        return new ArrayList<>(acknowledged);
    }

    @Override
    public void close() {
        halt();
    }

    private boolean running() {
        return !threads.isTerminated();
    }

    private void halt() {
        stop.set(true);
        try {
            if (!threads.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                threads.shutdownNow();
                failures.add(new AssertionError("Writers still running " + STOP_WAIT.toSeconds() + " s after being stopped"));
            }
        } catch (InterruptedException e) {
            threads.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private void write(Random random) {
        List<Long> own = new ArrayList<>();
        Connection db = null;
        long next = System.nanoTime();
        try {
            while (!stop.get() && System.nanoTime() < deadline) {
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait); // pacing, not waiting for an outcome
                }
                next += intervalNanos;
                try {
                    if (db == null) {
                        db = plank.connect();
                    }
                    writeOnce(db, random, own);
                } catch (SQLException e) {
                    if (!survivesConnectionLoss || !connectionLost(e, db)) {
                        failures.add(e);
                        return;
                    }
                    closeQuietly(db);
                    db = null;
                    reconnects.incrementAndGet();
                    TimeUnit.MILLISECONDS.sleep(RECONNECT_PAUSE.toMillis());
                    next = System.nanoTime();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            failures.add(e);
        } finally {
            closeQuietly(db);
        }
    }

    private void writeOnce(Connection db, Random random, List<Long> own) throws SQLException, InterruptedException {
        int dice = random.nextInt(20);
        if (own.isEmpty() || dice < 9) {
            long id = insert(db, random);
            own.add(id);
            acknowledge(new Write(id, 0));
        } else if (dice < 16) {
            acknowledge(update(db, own.get(random.nextInt(own.size()))));
        } else {
            // A transaction that holds its seqs across a pause: the other writers commit higher seqs meanwhile.
            db.setAutoCommit(false);
            try {
                long id = insert(db, random);
                TimeUnit.MILLISECONDS.sleep(2);
                Write updated = update(db, own.get(random.nextInt(own.size())));
                if (dice == 19) {
                    db.rollback();
                } else {
                    db.commit();
                    own.add(id);
                    acknowledge(new Write(id, 0));
                    acknowledge(updated);
                }
            } catch (SQLException | InterruptedException | RuntimeException e) {
                rollbackQuietly(db);
                throw e;
            } finally {
                if (!db.isClosed()) {
                    db.setAutoCommit(true);
                }
            }
        }
    }

    private void acknowledge(Write write) {
        acknowledged.add(write);
        acknowledgedCount.incrementAndGet();
    }

    private static long insert(Connection db, Random random) throws SQLException {
        return Changes.insertWithJdbc(db, "writer-" + Long.toHexString(random.nextLong()), random.nextInt(1000));
    }

    private static Write update(Connection db, long id) throws SQLException {
        try (var update = db.prepareStatement("UPDATE items SET value = value + 1 WHERE id = ? RETURNING version")) {
            update.setLong(1, id);
            try (var rows = update.executeQuery()) {
                if (!rows.next()) {
                    throw new SQLException("Row " + id + " that this writer inserted is gone");
                }
                return new Write(id, rows.getInt(1));
            }
        }
    }

    /** Class 08 (connection exception) and 57P01-57P03 (shutdown, crash, not yet accepting connections). */
    private static boolean connectionLost(SQLException e, Connection db) {
        String state = e.getSQLState();
        if (state != null && (state.startsWith("08") || state.startsWith("57P0"))) {
            return true;
        }
        try {
            return db == null || db.isClosed();
        } catch (SQLException closed) {
            return true;
        }
    }

    private static void rollbackQuietly(Connection db) {
        try {
            if (!db.isClosed()) {
                db.rollback();
            }
        } catch (SQLException e) {
            // The connection is broken; the caller decides what that means.
        }
    }

    private static void closeQuietly(Connection db) {
        if (db != null) {
            try {
                db.close();
            } catch (SQLException e) {
                // Already broken.
            }
        }
    }
}
