package io.plank.listener.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGNotification;

import io.plank.testsupport.db.FreshDatabase;

/** The fix is observable without timing: the driver field it sets, and nothing lost or reordered with it. */
@Timeout(20)
class FastNotificationReadsTest {

    @RegisterExtension
    static final FreshDatabase database = FreshDatabase.empty();

    @Test
    void appliesToAPgjdbcConnection() throws SQLException {
        try (var connection = database.connect()) {
            assertFalse(FastNotificationReads.isActive(connection));
            assertTrue(FastNotificationReads.apply(connection));
            assertTrue(FastNotificationReads.isActive(connection));
        }
    }

    @Test
    void theListenConnectionHasItAndThePlainOneDoesNot() throws SQLException {
        var settings = Notifications.settings(database);
        try (var fast = ListenConnection.open(settings, ListenerSettings.defaults());
             var plain = ListenConnection.open(settings, ListenerSettings.defaults(), false)) {
            assertTrue(fast.fastReads());
            assertFalse(plain.fastReads());
        }
    }

    @Test
    void fallsBackWithAWarningWhenTheDriverIsNotPgjdbc() {
        var notPgjdbc = (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    throw new SQLException("not a wrapper for " + args[0]);
                });
        var warnings = new ArrayList<LogRecord>();
        var logger = Logger.getLogger(FastNotificationReads.class.getName());
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                warnings.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(handler);
        try {
            assertFalse(FastNotificationReads.apply(notPgjdbc));
            assertFalse(FastNotificationReads.isActive(notPgjdbc));
        } finally {
            logger.removeHandler(handler);
        }
        assertEquals(1, warnings.size());
        assertEquals(Level.WARNING, warnings.get(0).getLevel());
    }

    @Test
    void rapidNotificationsAllArriveInOrder() throws Exception {
        int count = 2_000;
        try (var listener = ListenConnection.open(Notifications.settings(database), ListenerSettings.defaults());
             var sender = database.connect()) {
            assertTrue(listener.fastReads());
            var sending = CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < count; i++) {
                        Notifications.send(sender, Integer.toString(i));
                    }
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            var received = new ArrayList<Long>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (received.size() < count && System.nanoTime() < deadline) {
                for (PGNotification notification : listener.await(500)) {
                    received.add(Long.parseLong(notification.getParameter()));
                }
            }
            sending.get(1, TimeUnit.SECONDS);
            assertEquals(LongStream.range(0, count).boxed().toList(), List.copyOf(received));
        }
    }
}
