package io.plank.listener.feed;

import java.sql.SQLException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.plank.domain.change.ChangeEvent;
import io.plank.health.ListenerState;
import io.plank.health.ListenerStatus;
import io.plank.persistence.db.DatabaseSettings;

/**
 * Keeps a LISTEN connection open for the {@link ChangeFeed}, which hands every captured change to {@code sink} on
 * the loop's own thread: connects, lets the feed follow the connection, and after any failure reconnects with
 * backoff (the feed then catches up on the log). Runs until {@link #stop()}.
 *
 * <p>Free of container API so that it can be tested and benchmarked on its own; {@link ChangeListener}
 * gives it a managed thread and a CDI event as the sink.
 */
public final class NotificationLoop implements Runnable {

    public static final String DEFAULT_INSTANCE = "default";

    private static final Logger LOG = Logger.getLogger(NotificationLoop.class.getName());

    private final DatabaseSettings database;
    private final ListenerSettings settings;
    private final ChangeFeed feed;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private Runnable beforeFirstListen;

    private volatile ListenConnection current;
    private volatile ListenerState state = ListenerState.STARTING;
    private volatile String lastError;
    private final AtomicLong reconnects = new AtomicLong();

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
        this(database, sink, notice -> { }, settings, beforeFirstListen, instance);
    }

    /**
     * @param notices receives {@link io.plank.domain.change.AccessChanged} and
     *                {@link io.plank.domain.change.CatalogChanged} on the loop's thread, in order with the changes
     */
    public NotificationLoop(DatabaseSettings database, Consumer<ChangeEvent> sink, Consumer<Object> notices,
                            ListenerSettings settings, Runnable beforeFirstListen, String instance) {
        this.database = database;
        this.settings = settings;
        this.feed = new ChangeFeed(sink, notices, settings.pollTimeoutMs(), instance);
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
                    feed.follow(connection, this::stopping);
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
            feed.saveCursor(database);
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

    /**
     * Drops the current connection (an operator's "reconnect now"): the loop reconnects, catches up on the log and
     * counts a reconnect, as after any failure.
     */
    public void reconnect() {
        var connection = current;
        if (connection != null) {
            connection.close();
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
        return new ListenerStatus(state, feed.received(), reconnects.get(), feed.lastNotificationAt(), lastError,
                feed.cursor(), feed.newest());
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
