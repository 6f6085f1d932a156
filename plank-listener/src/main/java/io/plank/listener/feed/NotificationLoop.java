package io.plank.listener.feed;

import io.plank.health.ListenerState;
import io.plank.health.ListenerStatus;

import java.sql.SQLException;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.postgresql.PGNotification;

import io.plank.domain.change.ChangeEvent;
import io.plank.domain.text.Excerpt;
import io.plank.persistence.db.DatabaseSettings;

/**
 * Hands every captured change to {@code sink} on the loop's own thread: changes of durably captured tables
 * from the change log, in {@code seq} order and each once (see {@link ChangeLogReader}), woken by NOTIFY on
 * {@code plank_log}; changes of ephemeral tables straight from their {@code plank_changes} notification.
 * Reconnects with backoff after any failure and then catches up on the log. Runs until {@link #stop()}.
 *
 * <p>Free of container API so that it can be tested and benchmarked on its own; {@link ChangeListener}
 * gives it a managed thread and a CDI event as the sink.
 */
public final class NotificationLoop implements Runnable {

    public static final String DEFAULT_INSTANCE = "default";

    private static final Logger LOG = Logger.getLogger(NotificationLoop.class.getName());
    /** How much of a notification that is not a change frame the log quotes. */
    private static final int LOGGED_PAYLOAD = 200;

    /** How often a gap in the log is looked at again: the transactions holding it may end without a NOTIFY. */
    private static final int GAP_POLL_MS = 5;

    private final DatabaseSettings database;
    private final Consumer<ChangeEvent> sink;
    private final ListenerSettings settings;
    private final ChangeFrameDecoder decoder = new ChangeFrameDecoder();
    private final ListenerCursor savedCursor;
    private volatile ChangeLogReader log;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private Runnable beforeFirstListen;

    private volatile ListenConnection current;
    private volatile ListenerState state = ListenerState.STARTING;
    private volatile String lastError;
    private volatile long lastNotificationMillis = -1;
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private final AtomicLong wakeUps = new AtomicLong();

    public NotificationLoop(DatabaseSettings database, Consumer<ChangeEvent> sink, ListenerSettings settings) {
        this(database, sink, settings, null, DEFAULT_INSTANCE);
    }

    public NotificationLoop(DatabaseSettings database, Consumer<ChangeEvent> sink, ListenerSettings settings,
                            Runnable beforeFirstListen) {
        this(database, sink, settings, beforeFirstListen, DEFAULT_INSTANCE);
    }

    /**
     * @param beforeFirstListen run before the first LISTEN, and again before each attempt until it succeeds
     *                          (the schema migration when the database was unreachable at deployment); may be null
     * @param instance          names this Plank instance in {@code plank.listener_cursor}, where its position in
     *                          the change log survives restarts
     */
    public NotificationLoop(DatabaseSettings database, Consumer<ChangeEvent> sink, ListenerSettings settings,
                            Runnable beforeFirstListen, String instance) {
        this.database = database;
        this.savedCursor = new ListenerCursor(instance);
        this.sink = sink;
        this.settings = settings;
        this.beforeFirstListen = beforeFirstListen;
    }

    @Override
    public void run() {
        long backoff = settings.backoffInitialMs();
        boolean listenedBefore = false;
        try {
            while (!stopping()) {
                try (var connection = connect()) {
                    if (listenedBefore) {
                        reconnects.incrementAndGet();
                    }
                    listenedBefore = true;
                    backoff = settings.backoffInitialMs();
                    state = ListenerState.LISTENING;
                    LOG.info(() -> "Listening on " + ListenConnection.CHANNEL + " at " + database.url()
                            + (connection.fastReads() ? "" : " (plain pgjdbc reads)"));
                    listen(connection);
                } catch (SQLException | RuntimeException e) {
                    if (stopping()) {
                        break;
                    }
                    state = listenedBefore ? ListenerState.RECONNECTING : ListenerState.STARTING;
                    lastError = describe(e);
                    long pause = backoff;
                    LOG.log(Level.WARNING, "LISTEN connection failed (" + lastError + "); retrying in " + pause + " ms");
                    LOG.log(Level.FINE, "LISTEN connection failure", e);
                } finally {
                    current = null;
                }
                if (stopRequested.await(backoff, TimeUnit.MILLISECONDS)) {
                    break;
                }
                backoff = Math.min(backoff * 2, settings.backoffMaxMs());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            saveCursor();
            state = ListenerState.STOPPED;
            LOG.info("Stopped listening");
        }
    }

    private ListenConnection connect() throws SQLException {
        if (beforeFirstListen != null) {
            beforeFirstListen.run();
            beforeFirstListen = null;
        }
        var connection = ListenConnection.open(database, settings);
        current = connection;
        if (stopping()) {
            connection.close(); // stop() ran before current was set; the next wait fails and the loop ends
        }
        return connection;
    }

    private void listen(ListenConnection connection) throws SQLException {
        if (log == null) {
            log = new ChangeLogReader(savedCursor.load(connection.jdbc()));
        }
        readLog(connection); // what was committed while nobody listened
        while (!stopping()) {
            PGNotification[] notifications = connection.await(log.waitingForGap() ? GAP_POLL_MS : settings.pollTimeoutMs());
            boolean logWritten = false;
            if (notifications.length > 0) {
                wakeUps.incrementAndGet();
            }
            for (PGNotification notification : notifications) {
                if (ListenConnection.LOG_CHANNEL.equals(notification.getName())) {
                    logWritten = true;
                } else {
                    dispatch(notification.getParameter());
                }
            }
            // An idle wait also reads the log: the round trip is the liveness check pgjdbc#1144 calls for.
            if (logWritten || notifications.length == 0 || log.waitingForGap()) {
                readLog(connection);
            }
        }
    }

    /** On the way out the exact position is saved, so a redeployed instance replays nothing it already handed on. */
    private void saveCursor() {
        var reader = log;
        if (reader == null) {
            return;
        }
        try (var connection = database.open(ListenConnection.APPLICATION_NAME)) {
            savedCursor.save(connection, reader.cursor());
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.WARNING, "Could not save the listener's position " + reader.cursor()
                    + "; after a restart it replays from its last saved position", e);
        }
    }

    private void readLog(ListenConnection connection) throws SQLException {
        log.read(connection.jdbc(), this::deliver);
        savedCursor.saveIfDue(connection.jdbc(), log.cursor());
    }

    private void dispatch(String payload) {
        ChangeEvent event;
        try {
            event = decoder.decode(payload);
        } catch (IllegalArgumentException e) {
            received.incrementAndGet();
            LOG.warning(() -> "Skipped a notification on " + ListenConnection.CHANNEL + " that is not a change frame ("
                    + e.getMessage() + "): " + Excerpt.of(payload, LOGGED_PAYLOAD));
            return;
        }
        deliver(event);
    }

    private void deliver(ChangeEvent event) {
        received.incrementAndGet();
        lastNotificationMillis = System.currentTimeMillis();
        try {
            sink.accept(event);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "An observer failed on a " + event.action() + " of " + event.table()
                    + "; the listener carries on", e);
        }
    }

    /** Ends the loop: a wait in progress is woken by closing the connection from the calling thread. */
    public void stop() {
        stopRequested.countDown();
        var connection = current;
        if (connection != null) {
            connection.close();
        }
    }

    public ListenerStatus status() {
        long last = lastNotificationMillis;
        var reader = log;
        return new ListenerStatus(state, received.get(), reconnects.get(),
                last < 0 ? null : Instant.ofEpochMilli(last), lastError,
                reader == null ? 0 : reader.cursor(), reader == null ? 0 : reader.newest());
    }

    /** How many waits returned notifications; notifications received / wake-ups is the batching. */
    public long wakeUps() {
        return wakeUps.get();
    }

    /** Whether the current connection reads notifications without pgjdbc's 1 ms peek (see {@link FastNotificationReads}). */
    public boolean fastReads() {
        var connection = current;
        return connection != null && connection.fastReads();
    }

    private boolean stopping() {
        return stopRequested.getCount() == 0 || Thread.currentThread().isInterrupted();
    }

    private static String describe(Exception e) {
        String message = e.getClass().getSimpleName() + ": " + e.getMessage();
        return e instanceof SQLException sql && sql.getSQLState() != null ? "SQLState " + sql.getSQLState() + ", " + message : message;
    }
}
