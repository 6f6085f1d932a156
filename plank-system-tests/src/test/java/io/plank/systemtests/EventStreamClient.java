package io.plank.systemtests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import jakarta.json.JsonObject;

/**
 * A Server-Sent Events client as a browser's EventSource is one: it reads {@code event}, {@code id} and
 * {@code data} lines into events, remembers the last id it saw, and when asked to reconnect sends that id as
 * Last-Event-ID. It speaks HTTP/1.1 (as EventSource does), and closing it closes the connection.
 */
final class EventStreamClient implements AutoCloseable {

    /** One event: its name, its id (null if it set none), its data as JSON; a comment has the name {@code :}. */
    record Event(String name, String id, JsonObject data) {
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final Event END = new Event("end", null, null);

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final InputStream body;
    private final Thread reader;
    private volatile String lastEventId;

    private EventStreamClient(InputStream body, String lastEventId) {
        this.body = body;
        this.lastEventId = lastEventId;
        this.reader = new Thread(this::read, "event-stream-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Opens the stream; fails unless Plank answers 200 with text/event-stream. */
    static EventStreamClient open(URI uri, String lastEventId) {
        return open(uri, lastEventId, null);
    }

    /** As {@link #open(URI, String)}, for the caller of bearer {@code token} (null: anonymous). */
    static EventStreamClient open(URI uri, String lastEventId, String token) {
        HttpResponse<InputStream> response = request(uri, lastEventId, token);
        if (response.statusCode() != 200) {
            String answer;
            try (InputStream in = response.body()) {
                answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                answer = e.toString();
            }
            throw new AssertionError("GET " + uri + " answered " + response.statusCode() + ": " + answer);
        }
        String type = response.headers().firstValue("Content-Type").orElse("");
        if (!type.startsWith("text/event-stream")) {
            throw new AssertionError("GET " + uri + " answered " + type + ", not text/event-stream");
        }
        return new EventStreamClient(response.body(), lastEventId);
    }

    /** What Plank answers a request for a stream it refuses: status and body, read whole. */
    static HttpResponse<String> refused(URI uri, String lastEventId) {
        var request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).header("Accept", "text/event-stream");
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        return Api.send(request.GET());
    }

    private static HttpResponse<InputStream> request(URI uri, String lastEventId, String token) {
        var request = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        try {
            return HTTP.send(request.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new AssertionError("GET " + uri + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted", e);
        }
    }

    /** The id of the last event that carried one: what an EventSource sends as Last-Event-ID when it reconnects. */
    String lastEventId() {
        return lastEventId;
    }

    /** The next event, comments included, within {@code wait}; fails if none comes or the stream ends. */
    Event next(Duration wait) {
        try {
            Event event = events.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
            if (event == null) {
                throw new AssertionError("No event within " + wait);
            }
            if (event == END) {
                events.add(END);
                throw new AssertionError("The stream ended");
            }
            return event;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted", e);
        }
    }

    /** The next event that is not a comment. */
    Event nextEvent() {
        while (true) {
            Event event = next(SocketClient.WAIT);
            if (!event.name().equals(":")) {
                return event;
            }
        }
    }

    /** The frames of the events up to and including the first that {@code last} accepts (comments skipped). */
    List<Event> takeUntil(Predicate<Event> last) {
        List<Event> taken = new ArrayList<>();
        while (true) {
            Event event = nextEvent();
            taken.add(event);
            if (last.test(event)) {
                return taken;
            }
        }
    }

    /** Whether the server ended the stream within {@code wait}, skipping whatever events came first. */
    boolean endsWithin(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                Event event = events.poll(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
                if (event == END) {
                    events.add(END);
                    return true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    /** After {@link #close}: the events read but not yet taken, up to the end of the stream. */
    List<Event> drain() {
        List<Event> rest = new ArrayList<>();
        try {
            for (Event event; (event = events.poll(10, TimeUnit.SECONDS)) != END; ) {
                if (event == null) {
                    throw new AssertionError("The stream did not end");
                }
                if (!event.name().equals(":")) {
                    rest.add(event);
                }
            }
            events.add(END);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return rest;
    }

    private void read() {
        try (var lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String name = null;
            String id = null;
            StringBuilder data = null;
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.isEmpty()) {
                    if (id != null) {
                        lastEventId = id;
                    }
                    if (data != null) {
                        events.add(new Event(name == null ? "message" : name, id, JsonText.object(data.toString())));
                    } else if (name != null || id != null) {
                        events.add(new Event(name == null ? "message" : name, id, null));
                    }
                    name = null;
                    id = null;
                    data = null;
                } else if (line.startsWith(":")) {
                    events.add(new Event(":", null, null));
                } else {
                    int colon = line.indexOf(':');
                    String field = colon < 0 ? line : line.substring(0, colon);
                    String value = colon < 0 ? "" : line.substring(colon + (line.startsWith(": ", colon) ? 2 : 1));
                    switch (field) {
                        case "event" -> name = value;
                        case "id" -> id = value;
                        case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                        default -> { }
                    }
                }
            }
        } catch (IOException e) {
            // closed by us or by the server: the end of the stream either way
        } finally {
            events.add(END);
        }
    }

    @Override
    public void close() {
        try {
            body.close();
        } catch (IOException e) {
            // closing anyway
        }
        reader.interrupt();
    }
}
