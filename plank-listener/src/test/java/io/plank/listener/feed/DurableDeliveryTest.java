package io.plank.listener.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import jakarta.json.Json;
import jakarta.json.JsonObject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.plank.domain.change.ChangeEvent;
import io.plank.listener.logical.CaptureMethod;
import io.plank.listener.logical.LogicalDecoder;
import io.plank.persistence.migration.SchemaMigrator;
import io.plank.testsupport.db.FreshDatabase;
import io.plank.testsupport.wait.Eventually;

/**
 * Exactly once, in order, under concurrency: writers that hold their transactions open for random times
 * (so commits land out of seq order), some rolling back, the listener's connection killed midway. "Midway" and
 * "nothing more" are waited for, not slept on: every writer is halfway when the kill comes, and a sentinel row,
 * written last, closes the stream (changes are handed on in seq order, so a duplicate would come before it).
 * Each case runs with durable tables captured by trigger and by logical decoding (then the decoder's connections
 * are killed midway too).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DurableDeliveryTest {

    private static final int WRITERS = 50;
    private static final int UPDATES = 12;
    private static final String SENTINEL = "sentinel";
    private static final Duration WITHIN = Duration.ofSeconds(30);

    @RegisterExtension
    final FreshDatabase database = FreshDatabase.preparedBy(db -> SchemaMigrator.migrate(Notifications.settings(db).unpooled("test-migrate")));

    private final ConcurrentLinkedQueue<ChangeEvent> delivered = new ConcurrentLinkedQueue<>();
    private NotificationLoop loop;
    private Thread thread;
    private LogicalDecoder decoder;
    private Thread decoderThread;

    @AfterEach
    void stopLoopAndDecoder() throws InterruptedException {
        stop();
        stopDecoder();
    }

    /** Captures durable tables by {@code method}; under logical decoding a decoder runs until the test ends. */
    private void capture(CaptureMethod method) {
        method.apply(database.dataSource(), null);
        if (method == CaptureMethod.LOGICAL) {
            decoder = new LogicalDecoder(Notifications.settings(database), null, 50, 500);
            decoderThread = new Thread(decoder, "decoder-under-test");
            decoderThread.start();
        }
    }

    private void stopDecoder() throws InterruptedException {
        if (decoder != null) {
            decoder.stop();
            decoderThread.join(5_000);
            decoder = null;
        }
    }

    private void stop() throws InterruptedException {
        if (loop != null) {
            loop.stop();
            thread.join(5_000);
            loop = null;
        }
    }

    @ParameterizedTest
    @EnumSource(CaptureMethod.class)
    void concurrentWritersCommittingOutOfOrderAreDeliveredExactlyOnceAndInOrderPerRow(CaptureMethod method) throws Exception {
        capture(method);
        start("concurrency");
        Map<Long, List<Integer>> committed = new ConcurrentHashMap<>();
        ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
        var halfway = new CountDownLatch(WRITERS);
        var killed = new CountDownLatch(1);
        List<Future<?>> work = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            int writer = w;
            work.add(writers.submit(() -> write(writer, committed, halfway, killed)));
        }
        // Midway, the listener loses its connection; it must catch up from the log, not lose or repeat anything.
        assertTrue(halfway.await(WITHIN.toSeconds(), TimeUnit.SECONDS), "every writer halfway");
        terminateListenerBackend();
        killed.countDown();
        for (Future<?> future : work) {
            future.get();
        }
        writers.shutdown();

        int expected = committed.values().stream().mapToInt(List::size).sum();
        long sentinel;
        try {
            sentinel = awaitSentinelAfter(expected);
        } catch (AssertionError e) {
            Set<Long> missing = loggedSeqs();
            delivered.forEach(event -> missing.remove(event.seq()));
            throw new AssertionError(e.getMessage() + "; logged but not delivered: " + missing + "; listener "
                    + loop.status() + ", last delivered " + delivered.stream().mapToLong(ChangeEvent::seq).max().orElse(0), e);
        }

        List<Long> seqs = delivered.stream().map(ChangeEvent::seq).toList();
        assertEquals(expected, seqs.size(), "every committed change once, nothing else");
        for (int i = 1; i < seqs.size(); i++) {
            assertTrue(seqs.get(i) > seqs.get(i - 1), "seq strictly increases: " + seqs.get(i - 1) + " then " + seqs.get(i));
        }
        Map<Long, List<Integer>> seen = new HashMap<>();
        for (ChangeEvent event : delivered) {
            JsonObject data = Json.createReader(new StringReader(event.row())).readObject();
            seen.computeIfAbsent(data.getJsonNumber("id").longValue(), id -> new ArrayList<>()).add(data.getInt("value"));
        }
        assertEquals(committed, seen, "per row, exactly the committed values, in commit order");
        Set<Long> logged = loggedSeqs();
        logged.remove(sentinel);
        assertEquals(logged, new HashSet<>(seqs), "the delivered seqs are exactly those in the log");
    }

    @ParameterizedTest
    @EnumSource(CaptureMethod.class)
    void aRestartedListenerCarriesOnFromItsSavedPosition(CaptureMethod method) throws Exception {
        capture(method);
        start("restart");
        try (var connection = database.connect()) {
            insert(connection, "before the restart");
            insert(connection, "also before the restart");
            awaitSentinelAfter(2);
            stop(); // a graceful stop, as on undeploy, saves the exact position
            delivered.clear();

            insert(connection, "while nobody listens");
            start("restart");
            awaitSentinelAfter(1);
            ChangeEvent first = delivered.peek();
            assertTrue(first.row().contains("while nobody listens"), "the restarted listener starts where it stopped: " + first.row());
        }
    }

    private void write(int writer, Map<Long, List<Integer>> committed, CountDownLatch halfway, CountDownLatch killed) {
        var random = ThreadLocalRandom.current();
        try (Connection connection = database.connect()) {
            long id = insert(connection, "writer " + writer);
            List<Integer> values = new ArrayList<>(List.of(0));
            connection.setAutoCommit(false);
            for (int value = 1; value <= UPDATES; value++) {
                if (value == UPDATES / 2 + 1) {
                    halfway.countDown();
                    killed.await(); // between transactions: the other half is written after the kill
                }
                try (var statement = connection.prepareStatement("UPDATE items SET value = ? WHERE id = ?")) {
                    statement.setInt(1, value);
                    statement.setLong(2, id);
                    statement.executeUpdate();
                }
                Thread.sleep(random.nextInt(15)); // between taking the seq and committing
                if (random.nextInt(10) == 0) {
                    connection.rollback();
                } else {
                    connection.commit();
                    values.add(value);
                }
            }
            committed.put(id, values);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long insert(Connection connection, String name) throws SQLException {
        try (var statement = connection.prepareStatement("INSERT INTO items (name, value) VALUES (?, 0) RETURNING id")) {
            statement.setString(1, name);
            try (var result = statement.executeQuery()) {
                result.next();
                return result.getLong(1);
            }
        }
    }

    private void start(String instance) {
        loop = new NotificationLoop(Notifications.settings(database), delivered::add, ListenerSettings.defaults(), null, instance);
        thread = new Thread(loop, "listener-under-test");
        thread.start();
    }

    private void terminateListenerBackend() throws SQLException {
        try (var connection = database.connect(); var statement = connection.createStatement()) {
            statement.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name IN ('"
                    + ListenConnection.APPLICATION_NAME + "', '" + LogicalDecoder.APPLICATION_NAME + "') AND datname = current_database()");
        }
    }

    /**
     * Writes the sentinel row and waits for its INSERT: everything before it has been handed on by then, duplicates
     * included. Then exactly {@code count} changes must have come before it. Returns the sentinel's seq and leaves
     * it out of {@link #delivered}.
     */
    private long awaitSentinelAfter(int count) throws SQLException {
        try (var connection = database.connect()) {
            insert(connection, SENTINEL);
        }
        ChangeEvent sentinel = Eventually.until("the sentinel's INSERT delivered (" + delivered.size() + " changes so far)",
                WITHIN, () -> delivered.stream().filter(event -> event.row().contains("\"" + SENTINEL + "\"")).findFirst(),
                Optional::isPresent).orElseThrow();
        delivered.remove(sentinel);
        assertEquals(count, delivered.size(), "changes delivered before the sentinel");
        return sentinel.seq();
    }

    private Set<Long> loggedSeqs() throws SQLException {
        Set<Long> seqs = new HashSet<>();
        try (var connection = database.connect(); var statement = connection.createStatement();
             var result = statement.executeQuery("SELECT seq FROM plank.change_log")) {
            while (result.next()) {
                seqs.add(result.getLong(1));
            }
        }
        return seqs;
    }
}
