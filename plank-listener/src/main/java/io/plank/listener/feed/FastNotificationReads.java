package io.plank.listener.feed;

import java.lang.reflect.Field;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.postgresql.core.BaseConnection;

/**
 * Makes pgjdbc hand over notifications as soon as they are read instead of up to a quiet millisecond later.
 *
 * <p>Why: {@code getNotifications(timeout)} ({@code QueryExecutorImpl.processNotifies}) keeps reading after
 * the first notification for as long as {@code PGStream.hasMessagePending()} is true. When the socket buffer
 * is empty that method does a blocking 1 ms "peek" read whenever {@code nextStreamAvailableCheckTime} has
 * passed, and it only moves that time forward after a peek that found nothing. Under a steady stream (changes
 * less than 1 ms apart) the peeks keep finding data, so the call returns only after a quiet millisecond:
 * STACK-NOTES measured p50 36-52 ms and p99 ~250 ms at 1,000 notifications/s (pgjdbc#1547, #1313).
 *
 * <p>What: setting {@code nextStreamAvailableCheckTime} to {@link Long#MAX_VALUE} once per connection disables
 * the peek, so {@code hasMessagePending()} only asks {@code available()}. Bytes already received are still
 * drained in the same call; anything not yet received is picked up by the next {@code getNotifications} call,
 * which blocks on the socket and returns as soon as a byte arrives. Nothing is lost; only the batching goes.
 * The peek exists for SSL sockets whose {@code available()} can report 0; there the effect is the same:
 * one more (immediate) call. The field is used by {@code hasMessagePending()} alone, which this connection
 * reaches only through {@code processNotifies} (it runs no COPY).
 *
 * <p>Why reflection rather than another library: it is one field on a connection Plank owns alone, pgjdbc
 * offers no option for it, and it was measured (0.18 ms p50, one notification per wake-up). If a pgjdbc
 * upgrade renames or removes the field, {@link #apply} logs a WARNING and the listener keeps working with
 * pgjdbc's plain (slower) behaviour; the listener tests and the benchmark show it.
 *
 * <p>The logical decoder's replication connection uses it too: there {@code PGReplicationStream.readPending()} asks
 * the same {@code hasMessagePending()}, so without it every idle poll would wait out a 1 ms peek and a timeout.
 */
public final class FastNotificationReads {

    private static final Logger LOG = Logger.getLogger(FastNotificationReads.class.getName());

    private FastNotificationReads() {
    }

    /** Applies the fix to {@code connection}; returns false (after a WARNING) if the driver's internals differ. */
    public static boolean apply(Connection connection) {
        try {
            Object stream = pgStream(connection);
            checkTimeField(stream).setLong(stream, Long.MAX_VALUE);
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError | SQLException e) {
            LOG.log(Level.WARNING, "Could not disable pgjdbc's 1 ms peek on the LISTEN connection (driver internals "
                    + "differ from pgjdbc 42.7.x); notifications may be delayed by tens of milliseconds under load", e);
            return false;
        }
    }

    /** Whether {@code connection} currently skips the peek; false for anything that is not pgjdbc. */
    static boolean isActive(Connection connection) {
        try {
            Object stream = pgStream(connection);
            return checkTimeField(stream).getLong(stream) == Long.MAX_VALUE;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError | SQLException e) {
            return false;
        }
    }

    private static Object pgStream(Connection connection) throws ReflectiveOperationException, SQLException {
        Object executor = connection.unwrap(BaseConnection.class).getQueryExecutor();
        return accessible(executor.getClass(), "pgStream").get(executor);
    }

    private static Field checkTimeField(Object stream) throws NoSuchFieldException {
        Field field = accessible(stream.getClass(), "nextStreamAvailableCheckTime");
        if (field.getType() != long.class) {
            throw new NoSuchFieldException("nextStreamAvailableCheckTime is a " + field.getType() + ", not a long");
        }
        return field;
    }

    private static Field accessible(Class<?> type, String name) throws NoSuchFieldException {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            try {
                Field field = c.getDeclaredField(name);
                field.setAccessible(true);
                return field;
            } catch (NoSuchFieldException e) {
                // look in the superclass: pgStream is declared on QueryExecutorBase
            }
        }
        throw new NoSuchFieldException(type.getName() + "." + name);
    }
}
