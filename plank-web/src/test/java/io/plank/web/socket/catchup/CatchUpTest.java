package io.plank.web.socket.catchup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.plank.persistence.migration.SchemaMigrator;
import io.plank.persistence.rows.RowFilter;
import io.plank.persistence.rows.TableRows;
import io.plank.persistence.rows.TableShape;
import io.plank.testsupport.db.FreshDatabase;
import io.plank.testsupport.websocket.TextRemote;
import io.plank.web.security.Caller;
import io.plank.web.socket.fanout.Client;
import io.plank.web.socket.fanout.Router;
import io.plank.web.socket.fanout.Subscription;
import io.plank.web.socket.outbox.Backlog;
import io.plank.web.socket.outbox.Outbox;
import io.plank.web.socket.outbox.WebSocketTransport;
import io.plank.web.socket.protocol.TestSettings;

/**
 * Snapshots for a client that stops reading and then reads again, against PostgreSQL: nothing waits on the client,
 * and once it reads, every snapshot it asked for arrives whole, in order, each after its {@code subscribed}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CatchUpTest {

    @RegisterExtension
    static final FreshDatabase database = FreshDatabase.migratedBy(SchemaMigrator::migrate);
    private static TableShape shape;

    private final ExecutorService readers = Executors.newFixedThreadPool(4);
    private final ExecutorService reader = Executors.newSingleThreadExecutor();

    @BeforeAll
    static void table() throws Exception {
        try (var connection = database.connect(); var statement = connection.createStatement()) {
            statement.execute("CREATE TABLE bulk (id int PRIMARY KEY, body text)");
            statement.execute("INSERT INTO bulk SELECT n, repeat(md5(n::text), 20) FROM generate_series(1, 3000) n");
            statement.execute("SELECT plank.capture('bulk')");
        }
        shape = new TableRows(database.dataSource()).shape("bulk").orElseThrow();
    }

    @Test
    void aClientThatStopsReadingGetsEverySnapshotWholeOnceItReadsAgain() throws Exception {
        var remote = new HeldRemote();
        var settings = TestSettings.socket(1_000, 2_000_000, 10_000, 100);
        var backlog = new Backlog(Long.MAX_VALUE, () -> { });
        var client = new Client(new Outbox(new WebSocketTransport("t", remote, null, false), new Outbox.Limits(settings.sendQueueLimit(), settings.sendQueueChars()), backlog, Runnable::run, reason -> {
            throw new AssertionError("closed: " + reason.getReasonPhrase());
        }), Caller.anonymous(List.of()), "127.0.0.1", (ignored, subscription) -> { });
        var catchUp = new CatchUp();
        catchUp.tableRows = new TableRows(database.dataSource());
        catchUp.router = new Router();
        catchUp.settings = settings;
        catchUp.reads = new ReadQueue(readers, 4);

        for (int i = 0; i < 5; i++) {
            var subscription = Subscription.catchingUp("s" + i, "bulk", RowFilter.ALL, 0, 500);
            client.put(subscription);
            catchUp.snapshot(client, subscription, shape, 0);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (client.outbox().hasRoom() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(!client.outbox().hasRoom(), "the outbox fills up while the client reads nothing");

        int heldBack = remote.sent.size();

        reader.execute(remote::readEverything);
        List<JsonObject> frames = remote.awaitFrames(text -> text.contains("\"sub\":\"s4\"") && text.contains("\"last\":true"));
        assertTrue(heldBack < frames.size(), "more came once the client read");
        for (int i = 0; i < 5; i++) {
            String sub = "s" + i;
            List<JsonObject> own = frames.stream().filter(frame -> sub.equals(frame.getString("sub"))).toList();
            assertEquals("subscribed", own.get(0).getString("type"), sub);
            assertEquals(3_000, own.stream().skip(1).mapToInt(frame -> frame.getJsonArray("rows").size()).sum(), sub);
            assertTrue(own.get(own.size() - 1).getBoolean("last"), sub);
        }
        assertEquals(0, backlog.chars(), "everything sent is given back");
    }

    /** An endpoint whose sends complete only while the client reads. */
    private static final class HeldRemote extends TextRemote {
        final ConcurrentLinkedQueue<String> sent = new ConcurrentLinkedQueue<>();
        private final ConcurrentLinkedQueue<SendHandler> pending = new ConcurrentLinkedQueue<>();
        private volatile boolean reading;

        @Override
        public void sendText(String text, SendHandler handler) {
            sent.add(text);
            pending.add(handler);
        }

        void readEverything() {
            reading = true;
            while (reading) {
                SendHandler next = pending.poll();
                if (next == null) {
                    Thread.onSpinWait();
                } else {
                    next.onResult(new SendResult());
                }
            }
        }

        /** Every frame sent, once one matching {@code last} (as text) has been. */
        List<JsonObject> awaitFrames(Predicate<String> last) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                if (sent.stream().anyMatch(last)) {
                    reading = false;
                    return sent.stream().map(CatchUpTest::json).toList();
                }
                Thread.sleep(20);
            }
            reading = false;
            throw new AssertionError("the last frame never came; " + sent.size() + " sent");
        }
    }

    private static JsonObject json(String text) {
        try (var reader = Json.createReader(new StringReader(text))) {
            return reader.readObject();
        }
    }
}
