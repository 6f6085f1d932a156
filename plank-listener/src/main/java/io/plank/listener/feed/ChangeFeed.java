package io.plank.listener.feed;

import java.sql.SQLException;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.postgresql.PGNotification;

import io.plank.domain.change.AccessChanged;
import io.plank.domain.change.CatalogChanged;
import io.plank.domain.change.ChangeEvent;
import io.plank.domain.text.Excerpt;
import io.plank.persistence.db.DatabaseSettings;

/**
 * What the listener does with a LISTEN connection while it has one: catches up on the change log, then waits for
 * notifications and hands every change to the sink on this thread, changes of durable tables from the log in
 * {@code seq} order and each once ({@link ChangeLogReader}), those of ephemeral tables straight from their
 * {@code plank_changes} frame ({@link NotificationDecoder}); and keeps its position saved ({@link ListenerCursor}).
 * It outlives the connections: after a reconnect it carries on from where it got to.
 */
final class ChangeFeed {

    private static final Logger LOG = Logger.getLogger(ChangeFeed.class.getName());

    /** How often a gap in the log is looked at again: the transactions holding it may end without a NOTIFY. */
    private static final int GAP_POLL_MS = 5;
    /** How much of a notification that is not a change frame the log quotes. */
    private static final int LOGGED_PAYLOAD = 200;

    private final Consumer<ChangeEvent> sink;
    /** Where {@link AccessChanged} and {@link CatalogChanged} go, on this thread, in order with the changes. */
    private final Consumer<Object> notices;
    private final int pollTimeoutMs;
    private final NotificationDecoder decoder = new NotificationDecoder();
    private final ListenerCursor savedCursor;
    private volatile ChangeLogReader log;
    private volatile long lastNotificationMillis = -1;
    private final AtomicLong received = new AtomicLong();

    ChangeFeed(Consumer<ChangeEvent> sink, Consumer<Object> notices, int pollTimeoutMs, String instance) {
        this.sink = sink;
        this.notices = notices;
        this.pollTimeoutMs = pollTimeoutMs;
        this.savedCursor = new ListenerCursor(instance);
    }

    /** Catches up, then follows the notifications on {@code connection} until {@code stopping} or a failure. */
    void follow(ListenConnection connection, BooleanSupplier stopping) throws SQLException {
        if (log == null) {
            log = new ChangeLogReader(savedCursor.load(connection.jdbc()));
        }
        // Rules and tables may have changed while nobody listened: open streams are checked against them again.
        notice(new AccessChanged());
        readLog(connection); // what was committed while nobody listened
        notice(new CatalogChanged());
        while (!stopping.getAsBoolean()) {
            PGNotification[] notifications = connection.await(log.waitingForGap() ? GAP_POLL_MS : pollTimeoutMs);
            boolean logWritten = false;
            boolean accessChanged = false;
            boolean catalogChanged = false;
            for (PGNotification notification : notifications) {
                switch (notification.getName()) {
                    case ListenConnection.LOG_CHANNEL -> logWritten = true;
                    case ListenConnection.ACCESS_CHANNEL -> accessChanged = true;
                    case ListenConnection.CATALOG_CHANNEL -> catalogChanged = true;
                    default -> dispatch(notification.getParameter());
                }
            }
            // New rules before any change that may have committed after them (the log read applies them too, exactly).
            if (accessChanged) {
                notice(new AccessChanged());
            }
            // An idle wait also reads the log: the round trip is the liveness check pgjdbc#1144 calls for.
            if (logWritten || notifications.length == 0 || log.waitingForGap()) {
                readLog(connection);
            }
            // After the changes committed before the DDL: a dropped table's last changes still reach its subscribers.
            if (catalogChanged) {
                notice(new CatalogChanged());
            }
        }
    }

    /** On the way out the exact position is saved, so a redeployed instance replays nothing it already handed on. */
    void saveCursor(DatabaseSettings database) {
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

    /** The last {@code seq} handed on (0 before the log was first read). */
    long cursor() {
        var reader = log;
        return reader == null ? 0 : reader.cursor();
    }

    /** The newest {@code seq} seen in the log, handed on or not. */
    long newest() {
        var reader = log;
        return reader == null ? 0 : reader.newest();
    }

    long received() {
        return received.get();
    }

    Instant lastNotificationAt() {
        long last = lastNotificationMillis;
        return last < 0 ? null : Instant.ofEpochMilli(last);
    }

    private void readLog(ListenConnection connection) throws SQLException {
        log.read(connection.jdbc(), this::deliver, () -> notice(new AccessChanged()));
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

    private void notice(Object notice) {
        try {
            notices.accept(notice);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "An observer failed on " + notice.getClass().getSimpleName() + "; the listener carries on", e);
        }
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
}
