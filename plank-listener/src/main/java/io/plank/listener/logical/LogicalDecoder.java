package io.plank.listener.logical;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

import io.plank.listener.feed.FastNotificationReads;
import io.plank.persistence.db.DatabaseSettings;

/**
 * Capture by logical decoding: reads the committed changes of the tables in the publication {@code plank} from
 * Plank's replication slot ({@code pgoutput}, protocol 1) and writes them into {@code plank.change_log} in commit
 * order, several transactions per log transaction when they queue up, with a NOTIFY on {@code plank_log} that wakes
 * every instance's listener. Everything downstream reads the log as under the trigger method.
 *
 * <p>Exactly once: the commit LSN of the last logged transaction is stored with the log rows
 * ({@code plank.decoder_position}), and after a restart a transaction at or below it is skipped; the slot is
 * acknowledged only up to what the log holds. One instance at a time reads a slot: another finds it active, keeps
 * serving clients from the log, and tries again with backoff. The database going away is met with reconnection
 * and backoff, as the listener does.
 */
public final class LogicalDecoder implements Runnable {

    public static final String APPLICATION_NAME = "plank-decoder";
    /** The prefix of the logical messages that snapshots emit to learn when the log has caught up with them. */
    public static final String MARK_PREFIX = "plank";

    private static final Logger LOG = Logger.getLogger(LogicalDecoder.class.getName());
    private static final int BATCH_CHANGES = 2_000;
    private static final int BATCH_CHARS = 4 * 1024 * 1024;
    /**
     * The pause between polls of an idle stream, doubled while it stays idle up to 2 ms: a quiet slot costs a poll of
     * the socket 500 times a second, and the change that ends the quiet waits 1 ms for it on average.
     */
    private static final int IDLE_PAUSE_MS = 1;
    private static final int IDLE_PAUSE_MAX_MS = 2;
    private static final int FLUSH_AFTER_MS = 10;
    /**
     * How long the stream must stay quiet before a batch is logged. Each log write costs its round trips, a NOTIFY and
     * the listeners' reads whatever its size; single-row writers a few hundred microseconds apart leave the stream dry
     * between most transactions, and a millisecond's wait lets the batch grow.
     */
    private static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /**
     * A transaction that follows this long a time without any is logged as soon as the stream runs dry, without the
     * quiet millisecond: at a few hundred transactions a second the wait held each for up to the batch's 10 ms and
     * seldom found it company. Writers a few hundred microseconds apart, whose batches the wait is for, are never this
     * far apart; a burst after a pause pays one batch more, for its first transaction.
     */
    private static final long LONE_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    private static final long LAG_CHECK_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final DatabaseSettings database;
    private final String configuredSlot;
    private final int backoffInitialMs;
    private final int backoffMaxMs;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final AtomicLong logged = new AtomicLong();
    private volatile Connection replication;
    private volatile String state = "starting";
    private volatile String lastError;
    private volatile ReplicationSlot.Lag lag;
    private volatile String slot;
    private boolean started;
    /** Run after each batch is logged, before the slot is acknowledged: tests crash the decoder there. */
    Runnable afterLogged = () -> {
    };
    /** False leaves typing every row to PostgreSQL, as before V10: tests compare the log rows of both. */
    boolean typeRows = true;

    public LogicalDecoder(DatabaseSettings database, String configuredSlot, int backoffInitialMs, int backoffMaxMs) {
        this.database = database;
        this.configuredSlot = configuredSlot;
        this.backoffInitialMs = backoffInitialMs;
        this.backoffMaxMs = backoffMaxMs;
    }

    @Override
    public void run() {
        long backoff = backoffInitialMs;
        try {
            while (!stopping()) {
                try {
                    decode();
                } catch (SQLException | RuntimeException e) {
                    if (stopping()) {
                        break;
                    }
                    lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
                    boolean busy = e instanceof SQLException sql && "55006".equals(sql.getSQLState());
                    state = busy ? "standby (another instance decodes)" : "reconnecting";
                    long pause = backoff;
                    LOG.log(busy ? Level.FINE : Level.WARNING, "Logical decoding stopped (" + lastError + "); retrying in " + pause + " ms");
                    LOG.log(Level.FINE, "Logical decoding failure", e);
                }
                if (stopRequested.await(backoff, TimeUnit.MILLISECONDS)) {
                    break;
                }
                // A session that got the slot starts the backoff afresh; a busy slot is retried ever more slowly.
                backoff = started ? backoffInitialMs : Math.min(backoff * 2, backoffMaxMs);
                started = false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            state = "stopped";
        }
    }

    private void decode() throws SQLException {
        try (Connection sql = database.open(APPLICATION_NAME)) {
            String name = ReplicationSlot.name(sql, configuredSlot);
            slot = name;
            ReplicationSlot.ensure(sql, name);
            var writer = new LogWriter(sql);
            try (Connection connection = openReplication()) {
                replication = connection;
                FastNotificationReads.apply(connection); // idle polls ask available() only
                if (stopping()) {
                    return;
                }
                PGReplicationStream stream = connection.unwrap(PGConnection.class).getReplicationAPI()
                        .replicationStream().logical()
                        .withSlotName(name)
                        .withSlotOption("proto_version", 1)
                        .withSlotOption("publication_names", "plank")
                        .withSlotOption("messages", true)
                        .withStatusInterval(1, TimeUnit.SECONDS)
                        .start();
                state = "decoding";
                started = true;
                LOG.info(() -> "Decoding replication slot " + name + " from " + database.url());
                follow(stream, writer, sql, name);
            } finally {
                replication = null;
            }
        }
    }

    private void follow(PGReplicationStream stream, LogWriter writer, Connection sql, String name) throws SQLException {
        var session = new Session(stream, writer);
        boolean skipping = false;
        int idle = IDLE_PAUSE_MS;
        long quietSince = 0;
        long lastLagCheck = System.nanoTime() - LAG_CHECK_NANOS;
        while (!stopping()) {
            ByteBuffer buffer = stream.readPending();
            if (buffer == null) {
                if (!session.batch.pending() && (session.batch.changes() > 0 || session.mark > 0)) {
                    long now = System.nanoTime();
                    quietSince = quietSince == 0 ? now : quietSince;
                    if (session.mark > 0 || session.lone || now - quietSince >= QUIET_NANOS || session.due(now)) {
                        session.flush();
                        quietSince = 0;
                    } else {
                        pause(IDLE_PAUSE_MS);
                    }
                } else if (!session.batch.pending()) {
                    // Everything received is logged, or was of no captured table: the server may recycle its WAL.
                    long received = stream.getLastReceiveLSN().asLong();
                    if (received > session.acknowledged) {
                        session.acknowledged = acknowledge(stream, received);
                    }
                    if (System.nanoTime() - lastLagCheck >= LAG_CHECK_NANOS) {
                        lag = ReplicationSlot.lag(sql, name);
                        sql.commit(); // holds no snapshot while idle
                        lastLagCheck = System.nanoTime();
                    }
                    pause(idle);
                    idle = Math.min(idle * 2, IDLE_PAUSE_MAX_MS);
                } else {
                    pause(IDLE_PAUSE_MS);
                }
                continue;
            }
            idle = IDLE_PAUSE_MS;
            quietSince = 0;
            PgOutput.Message message = PgOutput.parse(buffer);
            if (message instanceof PgOutput.Relation relation) {
                session.batch.relation(relation);
            } else if (message instanceof PgOutput.Begin begin) {
                skipping = begin.commitLsn() <= session.loggedThrough;
                session.batch.begin(begin);
            } else if (message instanceof PgOutput.Change change) {
                if (!skipping) {
                    session.batch.change(change);
                }
            } else if (message instanceof PgOutput.Truncate truncate) {
                if (!skipping) {
                    session.batch.truncate(truncate);
                }
            } else if (message instanceof PgOutput.Commit commit) {
                session.commit(commit, skipping);
                skipping = false;
            } else if (message instanceof PgOutput.Note note) {
                if (MARK_PREFIX.equals(note.prefix())) {
                    // A snapshot waits for it: everything before it was received, so log it now.
                    session.mark = Math.max(session.mark, note.lsn());
                    session.flush();
                }
            } else if (message instanceof PgOutput.Other other) {
                LOG.fine(() -> "Ignored pgoutput message '" + other.kind() + "'");
            }
        }
    }

    /**
     * What one replication session has decoded and not yet logged, and how far it has logged and acknowledged. A
     * batch is logged when the stream has been quiet for a millisecond (at once if its first transaction came after
     * {@link #LONE_AFTER_NANOS} without any), at a snapshot's mark, or once it is large or {@value #FLUSH_AFTER_MS} ms
     * old: a stream that never runs dry still reaches the log promptly.
     */
    private final class Session {
        final DecodedBatch batch = new DecodedBatch(typeRows);
        final PGReplicationStream stream;
        final LogWriter writer;
        long loggedThrough;
        long acknowledged;
        long mark;
        long batchSince;
        /** When the last transaction was decoded, logged or not. */
        long lastCommit;
        /** Whether the batch began after a pause of {@link #LONE_AFTER_NANOS} or more: it is logged at the first lull. */
        boolean lone;

        Session(PGReplicationStream stream, LogWriter writer) throws SQLException {
            this.stream = stream;
            this.writer = writer;
            this.loggedThrough = writer.loggedThrough();
            this.lastCommit = System.nanoTime() - LONE_AFTER_NANOS;
        }

        void commit(PgOutput.Commit commit, boolean skipping) throws SQLException {
            if (skipping) {
                batch.skip(commit);
                return;
            }
            long now = System.nanoTime();
            if (batch.changes() == 0) {
                batchSince = now;
                lone = now - lastCommit >= LONE_AFTER_NANOS;
            }
            lastCommit = now;
            batch.commit(commit);
            if (batch.changes() >= BATCH_CHANGES || batch.chars() >= BATCH_CHARS || due(now)) {
                flush();
            }
        }

        /** Whether the batch has waited long enough: a stream that never runs dry still reaches the log promptly. */
        boolean due(long now) {
            return batch.changes() > 0 && now - batchSince >= TimeUnit.MILLISECONDS.toNanos(FLUSH_AFTER_MS);
        }

        void flush() throws SQLException {
            logged.addAndGet(writer.write(batch, mark));
            afterLogged.run();
            loggedThrough = Math.max(loggedThrough, batch.commitLsn());
            acknowledged = acknowledge(stream, Math.max(batch.endLsn(), mark));
            batch.clear();
            mark = 0;
            lone = false;
        }
    }

    private static long acknowledge(PGReplicationStream stream, long lsn) throws SQLException {
        if (lsn <= 0) {
            return 0;
        }
        var position = LogSequenceNumber.valueOf(lsn);
        stream.setFlushedLSN(position);
        stream.setAppliedLSN(position);
        stream.forceUpdateStatus();
        return lsn;
    }

    private Connection openReplication() throws SQLException {
        var properties = new Properties();
        PGProperty.USER.set(properties, database.user());
        PGProperty.PASSWORD.set(properties, database.password());
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(properties, "10");
        PGProperty.REPLICATION.set(properties, "database");
        PGProperty.PREFER_QUERY_MODE.set(properties, "simple");
        PGProperty.APPLICATION_NAME.set(properties, APPLICATION_NAME);
        PGProperty.TCP_KEEP_ALIVE.set(properties, true);
        // The driver itself, not DriverManager: in an EAR the driver is in the application's class loader.
        Connection connection = new org.postgresql.Driver().connect(database.url(), properties);
        if (connection == null) {
            throw new SQLException("pgjdbc does not accept " + database.url());
        }
        return connection;
    }

    private void pause(int ms) {
        try {
            stopRequested.await(ms, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Ends decoding: closing the replication connection from this thread wakes a read in progress. */
    public void stop() {
        stopRequested.countDown();
        var connection = replication;
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.log(Level.FINE, "Closing the replication connection failed", e);
            }
        }
    }

    /** What operators see: decoding, standby (another instance holds the slot), reconnecting, stopped. */
    public String state() {
        return state;
    }

    public String lastError() {
        return lastError;
    }

    public String slot() {
        return slot;
    }

    /** Changes logged by this decoder since it started. */
    public long logged() {
        return logged.get();
    }

    /** The slot's lag behind the server's WAL, checked every ten seconds while idle; null before the first check. */
    public ReplicationSlot.Lag lag() {
        return lag;
    }

    private boolean stopping() {
        return stopRequested.getCount() == 0 || Thread.currentThread().isInterrupted();
    }
}
