package io.plank.bench;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import io.plank.persistence.db.DatabaseSettings;

/**
 * A bare pgjdbc LISTEN loop on {@code plank_changes}: {@code getNotifications(timeout)} as pgjdbc does it, with no
 * change to how it reads. What the listener latency benchmark compares Plank's listener with. Hands each
 * notification's key (its {@code "id"}) and frame to the sink; counts the calls that returned something.
 */
final class PgjdbcReads implements Runnable, AutoCloseable {

    private final Connection connection;
    private final BiConsumer<String, String> sink;
    private final AtomicLong wakeUps = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private volatile boolean stopped;

    PgjdbcReads(DatabaseSettings database, BiConsumer<String, String> sink) throws SQLException {
        this.connection = database.open("plank-bench-plain");
        this.sink = sink;
        try (var statement = connection.createStatement()) {
            statement.execute("LISTEN plank_changes");
        }
    }

    @Override
    public void run() {
        try {
            PGConnection pg = connection.unwrap(PGConnection.class);
            while (!stopped) {
                PGNotification[] notifications = pg.getNotifications(500);
                if (notifications.length > 0) {
                    wakeUps.incrementAndGet();
                }
                for (PGNotification notification : notifications) {
                    received.incrementAndGet();
                    String frame = notification.getParameter();
                    int at = frame.indexOf("\"id\" : ") + 7;
                    sink.accept(frame.substring(at, frame.indexOf(',', at)), frame);
                }
            }
        } catch (SQLException e) {
            if (!stopped) {
                throw new IllegalStateException("The bare LISTEN loop failed", e);
            }
        }
    }

    long wakeUps() {
        return wakeUps.get();
    }

    long received() {
        return received.get();
    }

    /** Ends the loop: the wait in progress fails at once when the connection closes. */
    @Override
    public void close() throws SQLException {
        stopped = true;
        connection.close();
    }
}
