package io.plank.systemtests;

import static io.plank.systemtests.Delivery.seq;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import jakarta.json.JsonObject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.JavascriptExecutor;

import io.plank.systemtests.EventStreamClient.Event;

/**
 * {@code GET /api/changes/{table}}: a table's changes as Server-Sent Events, for clients without WebSocket. Read the
 * way a browser's EventSource reads them ({@link EventStreamClient}): each change's event id is its seq, and a
 * client that reconnects with the last id as Last-Event-ID gets every change once, as with {@code since}.
 */
@ExtendWith(PlankExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ChangeStreamIT {

    private static final Duration WRITES_WITHIN = Duration.ofSeconds(20);

    @Test
    void aStreamCutOffMidStreamResumesThroughLastEventIdWithNoGapAndNoDuplicate(RunningPlank plank) throws SQLException {
        URI items = plank.api("/changes/items");
        try (Connection db = plank.connect(); var writers = Writers.start(plank, 3, 100, Duration.ofSeconds(40))) {
            List<Event> first = new ArrayList<>();
            long start;
            String resumeFrom;
            try (var stream = EventStreamClient.open(items, null)) {
                Event subscribed = stream.nextEvent();
                assertEquals("subscribed", subscribed.name(), "the first event: " + subscribed);
                start = seq(subscribed.data());
                assertEquals(Long.toString(start), subscribed.id(), "a live stream can resume from where it started");
                first.addAll(stream.takeUntil(nthChange(30)));
                stream.close();
                first.addAll(stream.drain());
                resumeFrom = stream.lastEventId();
            }
            for (Event event : first) {
                if ("change".equals(event.name())) {
                    assertEquals(Long.toString(seq(event.data())), event.id(), "a change's event id is its seq: " + event);
                }
            }

            writers.awaitMore(100, WRITES_WITHIN); // written while the client is away
            try (var second = EventStreamClient.open(items, resumeFrom)) {
                writers.awaitMore(100, WRITES_WITHIN); // written while it catches up
                List<Writers.Write> written = writers.stop();
                long end = LoggedChanges.insertSentinel(db);
                List<Event> resumed = second.takeUntil(event -> "change".equals(event.name()) && seq(event.data()) >= end);

                assertEquals("subscribed", resumed.get(0).name(), "the resumed stream is answered first: " + resumed.get(0));
                Delivery.assertNothingUpTo("the resumed stream", Long.parseLong(resumeFrom), changes(resumed));
                Delivery.assertExactlyOnce(db, start, end, List.of(changes(first), changes(resumed)), written);
            }
        }
    }

    /**
     * Chromium's own EventSource, on Plank's page through a proxy whose connections are then cut while writers write:
     * it reconnects by itself, sends Last-Event-ID, and the page ends up with every change exactly once.
     */
    @Test
    void aBrowsersEventSourceResumesByItselfAfterItsConnectionIsCut(RunningPlank plank) throws Exception {
        Browser.assumeInstalled();
        try (Connection db = plank.connect(); var proxy = CuttableProxy.to(plank.baseUrl()); var browser = Browser.start()) {
            var page = (JavascriptExecutor) browser.driver();
            browser.driver().get(proxy.url("/plank/"));
            page.executeScript("window.frames_ = []; window.opens = 0;"
                    + "const stream = new EventSource('/plank/api/changes/items');"
                    + "stream.onopen = () => window.opens++;"
                    + "['subscribed', 'change'].forEach(type => stream.addEventListener(type, event => window.frames_.push(event.data)));");
            List<JsonObject> first = browser.await("the stream's subscribed event", driver -> framesUpTo(page, frame -> true), () -> "none");
            long start = seq(first.get(0));

            try (var writers = Writers.start(plank, 2, 50, Duration.ofSeconds(60))) {
                writers.awaitMore(50, WRITES_WITHIN);
                proxy.cut();
                writers.awaitMore(50, WRITES_WITHIN); // written while the browser is away
                browser.await("the EventSource to reconnect", driver -> ((Number) page.executeScript("return window.opens")).intValue() >= 2 ? true : null,
                        () -> "opens: " + page.executeScript("return window.opens"));
                writers.awaitMore(50, WRITES_WITHIN);
                List<Writers.Write> written = writers.stop();
                long end = LoggedChanges.insertSentinel(db);
                List<JsonObject> frames = browser.await("the sentinel's change, seq " + end,
                        driver -> framesUpTo(page, frame -> "change".equals(frame.getString("type")) && seq(frame) >= end),
                        () -> page.executeScript("return window.frames_.length") + " frames");

                assertEquals(2, frames.stream().filter(frame -> "subscribed".equals(frame.getString("type"))).count(),
                        "subscribed once per connection");
                List<JsonObject> changes = frames.stream().filter(frame -> "change".equals(frame.getString("type"))).toList();
                Delivery.assertExactlyOnce(db, start, end, List.of(changes), written);
            }
        }
    }

    /** The frames the page has received, if one of them is {@code last}; else null (keep waiting). */
    private static List<JsonObject> framesUpTo(JavascriptExecutor page, Predicate<JsonObject> last) {
        @SuppressWarnings("unchecked")
        List<String> texts = (List<String>) page.executeScript("return window.frames_");
        List<JsonObject> frames = texts.stream().map(JsonText::object).toList();
        return frames.stream().anyMatch(last) ? frames : null;
    }

    @Test
    void aSnapshotStreamHasItsFirstIdAtTheSnapshotsEndAndIsNotSentAgainOnResume(RunningPlank plank) throws SQLException {
        try (Connection db = plank.connect()) {
            // A table of its own: other tests' writers write to items.
            Sql.createTable(db, "stream_snap", "(id serial PRIMARY KEY, name text, value int)");
            Sql.capture(plank, "stream_snap", "durable");
            Sql.execute(db, "INSERT INTO stream_snap (name, value) SELECT 'snap ' || n, 7 FROM generate_series(1, 5) n");
            Sql.execute(db, "INSERT INTO stream_snap (name, value) VALUES ('eight', 8)");
            URI sevens = plank.api("/changes/stream_snap?snapshot=true&filter=" + encode("value=eq.7"));
            String resumeFrom;
            try (var stream = EventStreamClient.open(sevens, null)) {
                Event subscribed = stream.nextEvent();
                assertEquals("subscribed", subscribed.name(), "the first event: " + subscribed);
                assertNull(subscribed.id(), "no id before the snapshot is whole: a stream cut off in it must start again");
                List<Event> pages = stream.takeUntil(event -> "snapshot".equals(event.name()) && event.data().getBoolean("last"));
                int rows = 0;
                for (Event page : pages) {
                    assertEquals("snapshot", page.name(), "only snapshot pages before the last: " + page);
                    rows += page.data().getJsonArray("rows").size();
                }
                assertEquals(5, rows, "the matching rows");
                assertEquals(Long.toString(seq(subscribed.data())), pages.get(pages.size() - 1).id(),
                        "the snapshot's last page carries where the stream resumes from");

                Sql.execute(db, "INSERT INTO stream_snap (name, value) VALUES ('not seven', 8), ('seven', 7)");
                Event change = stream.nextEvent();
                assertEquals("change", change.name());
                assertEquals("seven", change.data().getJsonObject("data").getString("name"), "only the row that matches");
                resumeFrom = stream.lastEventId();
                assertEquals(Long.toString(seq(change.data())), resumeFrom);
            }

            Sql.execute(db, "INSERT INTO stream_snap (name, value) VALUES ('seven while away', 7)");
            try (var again = EventStreamClient.open(sevens, resumeFrom)) {
                List<Event> events = again.takeUntil(event -> "change".equals(event.name()));
                assertEquals(List.of("subscribed", "change"), events.stream().map(Event::name).toList(), "resumed, no snapshot again");
                assertEquals("seven while away", events.get(1).data().getJsonObject("data").getString("name"));
            }
        }
    }

    @Test
    void aStreamPlankCannotServeIsRefusedWithProblemJsonBeforeAnyEvent(RunningPlank plank) throws SQLException {
        record Refusal(String path, String lastEventId, int status, String detailHas) {
        }
        List<Refusal> refusals = List.of(
                new Refusal("/changes/no_such_table", null, 404, "not captured"),
                new Refusal("/changes/" + encode("items'; DROP TABLE items; --"), null, 404, "not captured"),
                new Refusal("/changes/items?filter=" + encode("value=zz.1"), null, 400, "zz"),
                new Refusal("/changes/items?filter=" + encode("nosuchcolumn=eq.1"), null, 400, "nosuchcolumn"),
                new Refusal("/changes/items?filter=" + encode("value=eq.notanumber"), null, 400, "value"),
                new Refusal("/changes/items?since=abc", null, 400, "since"),
                new Refusal("/changes/items?since=-1", null, 400, "since"),
                new Refusal("/changes/items?since=99999999999999999999", null, 400, "since"),
                new Refusal("/changes/items?snapshot=maybe", null, 400, "snapshot"),
                new Refusal("/changes/items?since=1&snapshot=true", null, 400, "exclude"),
                new Refusal("/changes/items", "1 OR 1=1", 400, "since"));
        try (Connection db = plank.connect()) {
            long rowsBefore = Sql.queryLong(db, "SELECT count(*) FROM items");
            // Streams closed by earlier tests' clients may still count: Plank learns of it at its next write to them.
            int sessionsBefore = sessions(plank);
            for (Refusal refusal : refusals) {
                var answer = EventStreamClient.refused(plank.api(refusal.path()), refusal.lastEventId());
                String what = refusal.path() + (refusal.lastEventId() == null ? "" : " with Last-Event-ID " + refusal.lastEventId());
                assertEquals(refusal.status(), answer.statusCode(), what + ": " + answer.body());
                assertTrue(answer.headers().firstValue("Content-Type").orElse("").startsWith(Api.PROBLEM_JSON), what);
                JsonObject problem = JsonText.object(answer.body());
                assertEquals(refusal.status(), problem.getInt("status"), what);
                assertTrue(problem.getString("detail", "").contains(refusal.detailHas()), what + ": " + problem);
            }
            assertEquals(rowsBefore, Sql.queryLong(db, "SELECT count(*) FROM items"), "nothing changed");
            int sessionsAfter = sessions(plank);
            assertTrue(sessionsAfter <= sessionsBefore, "no refused stream is left open: " + sessionsBefore + " sessions before, " + sessionsAfter + " after");
            try (var stream = EventStreamClient.open(plank.api("/changes/items"), null)) {
                assertEquals("subscribed", stream.nextEvent().name(), "streams are still served");
            }
        }
    }

    /**
     * Streams whose clients stop reading, more of them than Plank has sender threads, while large rows flow: they
     * are closed as too slow, and a WebSocket client meanwhile receives every change (an event stream's write, which
     * may block, never holds a thread that other clients need).
     */
    @Test
    void streamsThatStopReadingAreClosedAndDelayNoOne(RunningPlank plank) throws Exception {
        int stalledCount = 4;
        int blobs = 60;
        try (Connection db = plank.connect()) {
            Sql.createTable(db, "stream_blobs", "(id int PRIMARY KEY, body text)");
            Sql.capture(plank, "stream_blobs", "durable");
            long closedBefore = closedTooSlow(plank);
            List<RawSocketClient> stalled = new ArrayList<>();
            try (var reader = SocketClient.subscribedTo(plank, "stream_blobs")) {
                for (int i = 0; i < stalledCount; i++) {
                    stalled.add(RawSocketClient.requestEventStream(plank.api("/changes/stream_blobs")));
                }
                Poll.until("the stalled streams are subscribed", Duration.ofSeconds(30), () -> sessions(plank), stalledCount + 1);
                Sql.execute(db, "INSERT INTO stream_blobs SELECT n, repeat('b', 200000) FROM generate_series(1, " + blobs + ") n");
                List<JsonObject> frames = reader.takeUntil("all " + blobs + " rows", frame -> "change".equals(frame.getString("type", null))
                        && frame.getJsonObject("data").getInt("id") == blobs);
                assertEquals(blobs, frames.stream().filter(frame -> "change".equals(frame.getString("type", null))).count(),
                        "the WebSocket client got every row");
                Poll.until("the stalled streams are closed as too slow", Duration.ofSeconds(60),
                        () -> closedTooSlow(plank) - closedBefore >= stalledCount, true);
                for (RawSocketClient client : stalled) {
                    assertTrue(client.readUntilEnd(Duration.ofSeconds(30)), "a stalled stream is ended");
                }
                Poll.until("only the WebSocket client is left", Duration.ofSeconds(30), () -> sessions(plank), 1);
            } finally {
                for (RawSocketClient client : stalled) {
                    client.close();
                }
            }
        }
    }

    private static Predicate<Event> nthChange(int n) {
        int[] seen = {0};
        return event -> "change".equals(event.name()) && ++seen[0] >= n;
    }

    private static List<JsonObject> changes(List<Event> events) {
        return events.stream().filter(event -> "change".equals(event.name())).map(Event::data).toList();
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static int sessions(RunningPlank plank) {
        return status(plank).getJsonObject("sessions").getInt("open");
    }

    private static long closedTooSlow(RunningPlank plank) {
        return status(plank).getJsonObject("sessions").getJsonNumber("closed_too_slow").longValue();
    }

    private static JsonObject status(RunningPlank plank) {
        return JsonText.object(new Api(plank).get("/status").body());
    }
}
