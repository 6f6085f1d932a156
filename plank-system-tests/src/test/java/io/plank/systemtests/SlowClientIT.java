package io.plank.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

import jakarta.json.JsonObject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import io.plank.testsupport.server.ServerKind;

/**
 * One client that stops reading among a hundred while 20,000 changes flow: it is closed as too slow, what Plank holds
 * for clients stays under its limit, and the other 99 receive every change. They take batches ({@code ?batch=true}),
 * as the client library does. The stalled one is a raw socket that never reads; it also watches a table of large
 * rows, so that what it does not read is more than the kernel's socket buffers hold and really backs up in Plank.
 */
@ExtendWith(PlankExtension.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class SlowClientIT {

    private static final Logger LOG = Logger.getLogger(SlowClientIT.class.getName());
    private static final int READERS = 99;
    private static final int CHANGES = 20_000;
    private static final int PER_TRANSACTION = 10;
    private static final int CHANGES_PER_SECOND = 500;
    private static final int BLOBS = 60;
    private static final int BLOB_CHARS = 200_000;

    @Test
    void aClientThatStopsReadingIsClosedAndCostsTheOthersNothing(RunningPlank plank) throws Exception {
        try (Connection db = plank.connect()) {
            Sql.createTable(db, "ticks", "(id bigint PRIMARY KEY, note text)");
            Sql.capture(plank, "ticks", "durable");
            Sql.createTable(db, "blobs", "(id int PRIMARY KEY, body text)");
            Sql.capture(plank, "blobs", "durable");
            long closedBefore = closedTooSlow(plank);
            long limit = status(plank).getJsonObject("sessions").getJsonNumber("backlog_limit_chars").longValue();

            List<Reader> readers = new ArrayList<>();
            try (var stalled = RawSocketClient.connect(plank.webSocket(""))) {
                for (int i = 0; i < READERS; i++) {
                    readers.add(Reader.connect(plank));
                }
                for (Reader reader : readers) {
                    reader.subscribed.get(30, TimeUnit.SECONDS);
                }
                stalled.sendText("{\"type\":\"subscribe\",\"table\":\"ticks\"}");
                stalled.sendText("{\"type\":\"subscribe\",\"table\":\"blobs\"}");
                Sql.execute(db, "INSERT INTO blobs SELECT n, repeat('b', " + BLOB_CHARS + ") FROM generate_series(1, " + BLOBS + ") n");

                var backlogSeen = new AtomicLong();
                var sampling = CompletableFuture.runAsync(() -> {
                    while (readers.stream().anyMatch(reader -> reader.changes.get() < CHANGES)) {
                        backlogSeen.accumulateAndGet(status(plank).getJsonObject("sessions").getJsonNumber("backlog_chars").longValue(), Math::max);
                        Poll.pause();
                    }
                });
                long start = System.nanoTime();
                write(db);
                Duration writing = Duration.ofNanos(System.nanoTime() - start);

                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                while (readers.stream().anyMatch(reader -> reader.changes.get() < CHANGES) && System.nanoTime() < deadline) {
                    Poll.pause();
                }
                sampling.get(10, TimeUnit.SECONDS);
                List<Integer> received = readers.stream().map(reader -> reader.changes.get()).toList();
                LOG.info(() -> plank.kind().id() + ": " + CHANGES + " changes written in " + writing.toMillis() + " ms; the readers got "
                        + received.stream().mapToInt(Integer::intValue).min().orElse(0) + " to "
                        + received.stream().mapToInt(Integer::intValue).max().orElse(0) + " in "
                        + readers.stream().mapToLong(reader -> reader.messages.get()).sum() + " messages; most backlog seen "
                        + backlogSeen.get() + " of " + limit + " characters");
                assertTrue(received.stream().allMatch(count -> count == CHANGES), "every reader received every change: " + received);
                assertTrue(readers.stream().noneMatch(reader -> reader.end.isDone()), "no reader was closed");
                assertTrue(backlogSeen.get() <= limit, "backlog " + backlogSeen.get() + " within " + limit);
                assertTrue(closedTooSlow(plank) - closedBefore >= 1, "the stalled client was closed as too slow");
                String expectedEnd = plank.kind() == ServerKind.PAYARA ? "ended without a close frame" : "1013";
                assertEquals(expectedEnd, stalled.readUntilClosed(Duration.ofSeconds(30)), "how the stalled client ended");
            } finally {
                readers.forEach(Reader::close);
            }
        }
    }

    /** {@link #CHANGES} rows at about {@link #CHANGES_PER_SECOND}, {@link #PER_TRANSACTION} to a transaction. */
    private static void write(Connection db) throws Exception {
        long period = TimeUnit.SECONDS.toNanos(1) * PER_TRANSACTION / CHANGES_PER_SECOND;
        long next = System.nanoTime();
        try (var insert = db.prepareStatement("INSERT INTO ticks SELECT n, 'tick ' || n FROM generate_series(?, ?) n")) {
            for (int first = 1; first <= CHANGES; first += PER_TRANSACTION) {
                insert.setInt(1, first);
                insert.setInt(2, first + PER_TRANSACTION - 1);
                insert.execute();
                next += period;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
        }
    }

    private static long closedTooSlow(RunningPlank plank) {
        return status(plank).getJsonObject("sessions").getJsonNumber("closed_too_slow").longValue();
    }

    private static JsonObject status(RunningPlank plank) {
        return JsonText.object(new Api(plank).get("/status").body());
    }

    /** A client that takes batches and counts the change frames it receives, without parsing them. */
    private static final class Reader extends WholeMessages {

        private static final HttpClient HTTP = HttpClient.newHttpClient();
        private static final String CHANGE = "\"type\":\"change\"";

        final CompletableFuture<Void> subscribed = new CompletableFuture<>();
        final CompletableFuture<Integer> end = new CompletableFuture<>();
        final AtomicInteger changes = new AtomicInteger();
        final AtomicInteger messages = new AtomicInteger();
        private WebSocket socket;

        static Reader connect(RunningPlank plank) throws Exception {
            var reader = new Reader();
            reader.socket = HTTP.newWebSocketBuilder().buildAsync(plank.webSocket("?batch=true"), reader).get(30, TimeUnit.SECONDS);
            reader.socket.sendText("{\"type\":\"subscribe\",\"table\":\"ticks\"}", true).get(10, TimeUnit.SECONDS);
            return reader;
        }

        @Override
        void onMessage(String text) {
            messages.incrementAndGet();
            if (text.contains("\"type\":\"subscribed\"")) {
                subscribed.complete(null);
            }
            int found = 0;
            for (int at = text.indexOf(CHANGE); at >= 0; at = text.indexOf(CHANGE, at + CHANGE.length())) {
                found++;
            }
            changes.addAndGet(found);
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            end.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            end.completeExceptionally(error);
        }

        void close() {
            socket.abort();
        }
    }
}
