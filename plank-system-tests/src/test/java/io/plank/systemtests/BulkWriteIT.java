package io.plank.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Logger;

import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A bulk write reaches every client that reads, whole: one transaction of {@link #ROWS} rows of about a kilobyte, to
 * clients that take their messages steadily but slower than Plank hands the transaction out (about
 * {@value #PAUSE_EVERY} messages a millisecond), so each falls a thousand messages and more behind: plain ones, one
 * that takes batches, one that resumed with {@code since} just before. None is closed; each gets every row once, in
 * order, and Plank reports that clients fell behind and read on from the log.
 */
@ExtendWith(PlankExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BulkWriteIT {

    private static final Logger LOG = Logger.getLogger(BulkWriteIT.class.getName());
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final int ROWS = 10_000;
    private static final int PAUSE_EVERY = 10;
    /**
     * How long the fresh application's readers hold their first change before reading on: long enough for the listener
     * to hand out the transaction (of 4 KB rows, 40 MB), which fills the kernel's socket buffers (autotuned, several
     * MB on loopback) and the outbox behind them.
     */
    private static final long HOLD_FIRST_MS = 3_000;

    @Test
    void everyClientThatReadsGetsTheWholeTransactionAndNoneIsClosed(RunningPlank plank) throws Exception {
        try (Connection db = plank.connect()) {
            Sql.createTable(db, "bulk", "(id int PRIMARY KEY, body text)");
            Sql.capture(plank, "bulk", "durable");
            long fellBehindBefore = fellBehind(plank);

            List<SteadyReader> readers = new ArrayList<>();
            try {
                readers.add(SteadyReader.connect(plank, "", "{\"type\":\"subscribe\",\"table\":\"bulk\"}"));
                readers.add(SteadyReader.connect(plank, "", "{\"type\":\"subscribe\",\"table\":\"bulk\",\"sub\":\"mine\"}"));
                readers.add(SteadyReader.connect(plank, "?batch=true", "{\"type\":\"subscribe\",\"table\":\"bulk\"}"));
                for (SteadyReader reader : readers) {
                    reader.subscribed.get(30, TimeUnit.SECONDS);
                }
                // Resumes from where the first stands: nothing to replay, then the bulk write live like the others.
                long since = readers.get(0).subscribed.join();
                readers.add(SteadyReader.connect(plank, "", "{\"type\":\"subscribe\",\"table\":\"bulk\",\"since\":" + since + "}"));
                readers.get(3).subscribed.get(30, TimeUnit.SECONDS);

                writeAndCheck(plank, db, "bulk", 1, readers, fellBehindBefore);
            } finally {
                readers.forEach(SteadyReader::close);
            }
        }
    }

    /**
     * The same, first thing in a fresh application, with live plain clients only: the first client to fall behind is
     * then the first use of catch-up, from the listener's thread. Payara could not create catch-up there (the lookup of
     * its executor failed), and the readers lost the changes from the one they fell behind at on.
     */
    @Test
    void inAFreshApplicationTheFirstClientsToFallBehindReadOnToo(RunningPlank plank) throws Exception {
        plank.redeploy();
        try (Connection db = plank.connect()) {
            Sql.createTable(db, "bulk_fresh", "(id int PRIMARY KEY, body text)");
            Sql.capture(plank, "bulk_fresh", "durable");
            long fellBehindBefore = fellBehind(plank);
            List<SteadyReader> readers = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) { // sure to fall behind, however fast or slow the fresh listener is
                    readers.add(SteadyReader.connect(plank, "", "{\"type\":\"subscribe\",\"table\":\"bulk_fresh\"}", HOLD_FIRST_MS));
                }
                for (SteadyReader reader : readers) {
                    reader.subscribed.get(30, TimeUnit.SECONDS);
                }
                writeAndCheck(plank, db, "bulk_fresh", 4, readers, fellBehindBefore);
            } finally {
                readers.forEach(SteadyReader::close);
            }
        }
    }

    /**
     * Writes {@link #ROWS} rows of {@code kilobytes} KB to {@code table} in one transaction; every reader gets each once,
     * in order, unclosed.
     */
    private static void writeAndCheck(RunningPlank plank, Connection db, String table, int kilobytes, List<SteadyReader> readers,
                                      long fellBehindBefore) throws Exception {
        Sql.execute(db, "INSERT INTO " + table + " SELECT n, repeat(md5(n::text), " + 32 * kilobytes + ") FROM generate_series(1, " + ROWS + ") n");

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (readers.stream().anyMatch(reader -> reader.ids.size() < ROWS && !reader.end.isDone()) && System.nanoTime() < deadline) {
            Poll.pause();
        }
        for (SteadyReader reader : readers) {
            LOG.info(() -> plank.kind().id() + ": " + reader.name + " received " + reader.ids.size() + " changes in " + reader.messages
                    + " messages; ended: " + (reader.end.isDone() ? reader.end.join() : "no"));
        }
        for (SteadyReader reader : readers) {
            assertTrue(!reader.end.isDone(), reader.name + " was not closed: " + (reader.end.isDone() ? reader.end.join() : ""));
            List<Integer> ids = List.copyOf(reader.ids);
            assertEquals(ROWS, ids.size(), reader.name + ": every change, once");
            for (int i = 0; i < ids.size(); i++) {
                assertEquals(i + 1, ids.get(i), reader.name + ": in order");
            }
            List<Long> seqs = List.copyOf(reader.seqs);
            for (int i = 1; i < seqs.size(); i++) {
                assertTrue(seqs.get(i) > seqs.get(i - 1), reader.name + ": seqs rise at " + i);
            }
        }
        assertTrue(fellBehind(plank) > fellBehindBefore, "the readers fell behind and read on from the log");
    }

    private static long fellBehind(RunningPlank plank) {
        return JsonText.object(new Api(plank).get("/status").body()).getJsonObject("sessions").getJsonNumber("fell_behind").longValue();
    }

    /**
     * Reads every message as it comes, pausing a millisecond after every {@link #PAUSE_EVERY}: steady, not fast. It may
     * hold its first change a while first.
     */
    private static final class SteadyReader extends WholeMessages {

        final String name;
        /** The answer's seq: where the subscription starts. */
        final CompletableFuture<Long> subscribed = new CompletableFuture<>();
        final CompletableFuture<String> end = new CompletableFuture<>();
        final ConcurrentLinkedQueue<Integer> ids = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Long> seqs = new ConcurrentLinkedQueue<>();
        volatile int messages;
        private final long holdFirstMillis;
        private boolean held;
        private WebSocket socket;

        private SteadyReader(String name, long holdFirstMillis) {
            this.name = name;
            this.holdFirstMillis = holdFirstMillis;
        }

        static SteadyReader connect(RunningPlank plank, String query, String subscribe) throws Exception {
            return connect(plank, query, subscribe, 0);
        }

        static SteadyReader connect(RunningPlank plank, String query, String subscribe, long holdFirstMillis) throws Exception {
            var reader = new SteadyReader(query + " " + subscribe, holdFirstMillis);
            reader.socket = HTTP.newWebSocketBuilder().buildAsync(plank.webSocket(query), reader).get(30, TimeUnit.SECONDS);
            reader.socket.sendText(subscribe, true).get(10, TimeUnit.SECONDS);
            return reader;
        }

        @Override
        void onMessage(String text) {
            if (text.startsWith("[")) {
                JsonText.parseArray(text).forEach(this::take);
            } else {
                take(JsonText.object(text));
            }
            if (!held && !ids.isEmpty()) {
                held = true;
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(holdFirstMillis));
            }
            if (++messages % PAUSE_EVERY == 0) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
        }

        private void take(JsonValue value) {
            JsonObject frame = value.asJsonObject();
            switch (frame.getString("type")) {
                case "subscribed" -> subscribed.complete(frame.getJsonNumber("seq").longValue());
                case "change" -> {
                    JsonValue id = frame.get("id");
                    ids.add(id instanceof JsonString text ? Integer.parseInt(text.getString()) : ((JsonNumber) id).intValue());
                    seqs.add(frame.getJsonNumber("seq").longValue());
                }
                default -> { }
            }
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            end.complete(statusCode + " " + reason);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            end.complete(String.valueOf(error));
        }

        void close() {
            socket.abort();
        }
    }
}
