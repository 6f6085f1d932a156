package io.plank.listener.feed;

import io.plank.health.ListenerState;
import io.plank.health.ListenerStatus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;

import jakarta.json.Json;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.plank.domain.change.Action;
import io.plank.domain.change.ChangeEvent;
import io.plank.persistence.db.DatabaseSettings;
import io.plank.persistence.migration.SchemaMigrator;
import io.plank.testsupport.db.FreshDatabase;
import io.plank.testsupport.db.TestDatabase;
import io.plank.testsupport.wait.Eventually;

@Timeout(20)
class NotificationLoopTest {

    @RegisterExtension
    static final FreshDatabase database = FreshDatabase.preparedBy(db -> SchemaMigrator.migrate(Notifications.settings(db).unpooled("test-migrate")));

    private final BlockingQueue<ChangeEvent> events = new LinkedBlockingQueue<>();
    private Connection sender;
    private NotificationLoop loop;
    private Thread thread;

    @BeforeEach
    void connectSender() throws SQLException {
        sender = database.connection();
    }

    @AfterEach
    void stopLoop() throws Exception {
        if (loop != null) {
            loop.stop();
            thread.join(5_000);
        }
    }

    @Test
    void deliversChangesInCommitOrderWithFastReads() throws Exception {
        start(Notifications.settings(database), events::add, ListenerSettings.defaults(), null);
        assertTrue(loop.fastReads());
        int count = 1_000;
        for (int i = 0; i < count; i++) {
            Notifications.send(sender, Notifications.frame(i));
        }
        for (int i = 0; i < count; i++) {
            assertEquals(Integer.toString(i), next().key());
        }
        assertEquals(count, loop.status().notificationsReceived());
        assertNotNull(loop.status().lastNotificationAt());
    }

    @Test
    void skipsMalformedPayloadsAndCarriesOn() throws Exception {
        start(Notifications.settings(database), events::add, ListenerSettings.defaults(), null);
        Notifications.send(sender, "not json");
        Notifications.send(sender, "{\"type\" : \"change\"}");
        Notifications.send(sender, Notifications.frame(42));
        assertEquals("42", next().key());
        assertEquals(3, loop.status().notificationsReceived());
        assertTrue(loop.status().listening());
    }

    @Test
    void aFailingObserverDoesNotStopTheLoop() throws Exception {
        Consumer<ChangeEvent> sink = event -> {
            if (event.key().equals("1")) {
                throw new IllegalStateException("observer bug");
            }
            events.add(event);
        };
        start(Notifications.settings(database), sink, ListenerSettings.defaults(), null);
        Notifications.send(sender, Notifications.frame(1));
        Notifications.send(sender, Notifications.frame(2));
        assertEquals("2", next().key());
        assertTrue(loop.status().listening());
    }

    @Test
    void reconnectsWithinFiveSecondsAfterTheBackendIsTerminated() throws Exception {
        start(Notifications.settings(database), events::add, ListenerSettings.defaults(), null);
        assertEquals(1, Notifications.terminateListener(sender));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        ChangeEvent event = null;
        for (int i = 0; event == null && System.nanoTime() < deadline; i++) {
            Notifications.send(sender, Notifications.frame(i)); // lost while nobody listens, so keep sending
            event = events.poll(100, TimeUnit.MILLISECONDS);
        }
        assertNotNull(event, "no change within 5 s of pg_terminate_backend");
        assertEquals(1, loop.status().reconnects());
        assertTrue(loop.status().lastError().contains("57P01"), loop.status().lastError());
        assertTrue(loop.fastReads());
    }

    @Test
    void stopEndsALongWaitPromptly() throws Exception {
        start(Notifications.settings(database), events::add, new ListenerSettings(60_000, 100, 2_000, 2_000), null);
        loop.stop();
        thread.join(2_000);
        assertFalse(thread.isAlive());
        assertEquals(ListenerState.STOPPED, loop.status().state());
    }

    @Test
    void keepsRetryingAnUnreachableDatabaseUntilStopped() throws Exception {
        var nowhere = new DatabaseSettings("jdbc:postgresql://127.0.0.1:1/plank", "postgres", "");
        loop = new NotificationLoop(nowhere, events::add, ListenerSettings.defaults());
        thread = new Thread(loop, "test-listener");
        thread.start();
        awaitStatus(status -> status.lastError() != null);
        assertEquals(ListenerState.STARTING, loop.status().state());
        loop.stop();
        thread.join(2_000);
        assertFalse(thread.isAlive());
    }

    @Test
    void migratesBeforeTheFirstListenRetryingUntilItWorks() throws Exception {
        try (var fresh = TestDatabase.create(); var writer = fresh.connect()) {
            var settings = Notifications.settings(fresh);
            var attempts = new AtomicInteger();
            Runnable migration = () -> {
                if (attempts.incrementAndGet() < 3) {
                    throw new IllegalStateException("database not reachable yet");
                }
                SchemaMigrator.migrate(settings.unpooled("plank-migrate"));
            };
            start(settings, events::add, ListenerSettings.defaults(), migration);
            assertEquals(3, attempts.get());
            try (var statement = writer.createStatement()) {
                statement.execute("INSERT INTO items (name, value) VALUES ('first', 1)");
                statement.execute("UPDATE items SET value = 2");
                statement.execute("DELETE FROM items");
            }
            var insert = next();
            assertEquals("items", insert.table());
            assertEquals(Action.INSERT, insert.action());
            assertEquals("1", insert.key());
            var row = Json.createReader(new StringReader(insert.row())).readObject();
            assertEquals("first", row.getString("name"));
            assertEquals(Action.UPDATE, next().action());
            assertEquals(Action.DELETE, next().action());
            loop.stop();
            thread.join(5_000);
        }
    }

    private void start(DatabaseSettings settings, Consumer<ChangeEvent> sink, ListenerSettings timings, Runnable before)
            throws InterruptedException {
        loop = new NotificationLoop(settings, sink, timings, before);
        thread = new Thread(loop, "test-listener");
        thread.start();
        awaitStatus(ListenerStatus::listening);
    }

    private void awaitStatus(Predicate<ListenerStatus> condition) {
        Eventually.until("the listener's status to match", Duration.ofSeconds(5), loop::status, condition);
    }

    private ChangeEvent next() throws InterruptedException {
        ChangeEvent event = events.poll(5, TimeUnit.SECONDS);
        assertNotNull(event, "no change event within 5 s");
        return event;
    }
}
