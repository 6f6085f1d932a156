package io.plank.systemtests;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

import jakarta.json.JsonObject;

/**
 * A WebSocket client of Plank built on java.net.http: every text frame received is parsed and queued; tests
 * wait for the frame they expect with a deadline.
 */
final class SocketClient implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(20);

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private volatile String closeReason;
    private final WebSocket socket;

    private SocketClient(URI uri) {
        this(HTTP, uri, null);
    }

    private SocketClient(HttpClient http, URI uri, String origin) {
        try {
            var builder = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
            if (origin != null) {
                builder.header("Origin", origin);
            }
            socket = builder.buildAsync(uri, new Receiver()).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while connecting to " + uri, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("Could not connect to " + uri + ": " + e, e);
        }
    }

    /** Connects to {@code uri} through {@code http} (TLS settings, say) as a page at {@code origin} would (null: a program). */
    static SocketClient connect(HttpClient http, URI uri, String origin) {
        return new SocketClient(http, uri, origin);
    }

    static SocketClient connect(RunningPlank plank) {
        return new SocketClient(plank.webSocket(""));
    }

    static SocketClient connect(RunningPlank plank, String query) {
        return new SocketClient(plank.webSocket(query));
    }

    /** Connects and subscribes to {@code table}, returning once the server confirmed. */
    static SocketClient subscribedTo(RunningPlank plank, String table) {
        var client = connect(plank);
        client.send("{\"type\":\"subscribe\",\"table\":\"" + table + "\"}");
        client.await("subscribed to " + table,
                frame -> "subscribed".equals(frame.getString("type", null)) && table.equals(frame.getString("table", null)));
        return client;
    }

    /**
     * Subscribes to {@code table}, resuming after {@code since} unless it is null, and returns the server's
     * {@code subscribed} answer. Frames that follow it (a replay, a reset) stay queued for the caller.
     */
    JsonObject subscribe(String table, Long since) {
        var message = JsonText.builder().add("type", "subscribe").add("table", table);
        if (since != null) {
            message.add("since", since);
        }
        send(message.build().toString());
        return await("subscribed to " + table,
                frame -> "subscribed".equals(frame.getString("type", null)) && table.equals(frame.getString("table", null)));
    }

    /** Sends an {@code auth} message with {@code token} and returns the answer: {@code authenticated}, or an error. */
    JsonObject authenticate(String token) {
        send(JsonText.builder().add("type", "auth").add("token", token).build().toString());
        return await("answering auth", frame -> "authenticated".equals(frame.getString("type", null))
                || "error".equals(frame.getString("type", null)));
    }

    void send(String text) {
        Exception failure = sendText(text);
        if (failure != null) {
            throw new AssertionError("Could not send a frame of " + text.length() + " chars: " + failure, failure);
        }
    }

    /** Sends a binary message, which Plank does not accept. */
    void sendBinary(byte[] data) {
        try {
            socket.sendBinary(ByteBuffer.wrap(data), true).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while sending", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("Could not send a binary message: " + e, e);
        }
    }

    /** Sends without insisting: the server may close the connection while the frame is still going out. */
    void trySend(String text) {
        sendText(text); // what the server did about a failure is what the caller checks
    }

    /** Sends and waits until the frame is out; returns why it could not be sent, or null. */
    private Exception sendText(String text) {
        try {
            socket.sendText(text, true).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while sending", e);
        } catch (ExecutionException | TimeoutException e) {
            return e;
        }
    }

    /**
     * The first frame, from now on, that matches; frames that don't are skipped. Fails after {@link #WAIT},
     * listing what did arrive.
     */
    JsonObject await(String what, Predicate<JsonObject> expected) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<JsonObject> skipped = new ArrayList<>();
        try {
            while (true) {
                JsonObject frame = frames.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (frame == null) {
                    throw new AssertionError("No frame " + what + " within " + WAIT.toSeconds() + " s; received "
                            + skipped + (closeCode.isDone() ? "; closed with " + closeCode.getNow(null) : ""));
                }
                if (expected.test(frame)) {
                    return frame;
                }
                skipped.add(frame);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while waiting for " + what, e);
        }
    }

    /**
     * Every frame from now on up to and including the first that matches {@code last}; fails after {@link #WAIT}
     * with a summary of what did arrive.
     */
    List<JsonObject> takeUntil(String what, Predicate<JsonObject> last) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<JsonObject> taken = new ArrayList<>();
        try {
            while (true) {
                // In slices, so that a connection the server ended fails the wait at once instead of at the deadline.
                long slice = Math.min(deadline - System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(200));
                JsonObject frame = frames.poll(slice, TimeUnit.NANOSECONDS);
                if (frame == null && (closeCode.isDone() && frames.isEmpty() || System.nanoTime() >= deadline)) {
                    throw new AssertionError("No frame " + what + (closeCode.isDone() ? "" : " within " + WAIT.toSeconds() + " s")
                            + "; received " + taken.size() + " frames, the last " + taken.subList(Math.max(0, taken.size() - 3), taken.size())
                            + (closeCode.isDone() ? "; connection ended: " + describeEnd() : ""));
                }
                if (frame == null) {
                    continue;
                }
                taken.add(frame);
                if (last.test(frame)) {
                    return taken;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while waiting for " + what, e);
        }
    }

    /** The frames received and not yet taken, without waiting. */
    List<JsonObject> takeAvailable() {
        List<JsonObject> taken = new ArrayList<>();
        frames.drainTo(taken);
        return taken;
    }

    /** How the connection ended: a close code, or the error that ended it; "open" while it is open. */
    String describeEnd() {
        if (!closeCode.isDone()) {
            return "open";
        }
        try {
            return "closed with " + closeCode.join();
        } catch (RuntimeException e) {
            return "failed: " + e.getCause();
        }
    }

    /** The next frame, whatever it is. */
    JsonObject awaitFirst(String what) {
        return await(what, frame -> true);
    }

    /** The next frame of type {@code type}. */
    JsonObject awaitType(String type) {
        return await("of type " + type, frame -> type.equals(frame.getString("type", null)));
    }

    /** The close code the server sent; fails if the connection is still open after {@link #WAIT}. */
    /** Waits for the connection to end, by a close frame or not, and says how ({@link #describeEnd}). */
    String awaitEnd() {
        try {
            closeCode.handle((code, failure) -> null).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while waiting for the end", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("Connection still open after " + WAIT.toSeconds() + " s");
        }
        return describeEnd();
    }

    int awaitClose() {
        try {
            return closeCode.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while waiting for close", e);
        } catch (ExecutionException e) {
            throw new AssertionError("Connection failed instead of closing: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("Connection still open after " + WAIT.toSeconds() + " s");
        }
    }

    /** The reason the server's close frame gave; null until it came. */
    String closeReason() {
        return closeReason;
    }

    boolean isClosed() {
        return closeCode.isDone() || socket.isInputClosed();
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }
        socket.abort();
    }

    private final class Receiver extends WholeMessages {

        @Override
        void onMessage(String text) {
            try {
                if (text.startsWith("[")) { // ?batch=true: several frames in one message, in order
                    JsonText.parseArray(text).getValuesAs(jakarta.json.JsonObject.class).forEach(frames::add);
                } else {
                    frames.add(JsonText.object(text));
                }
            } catch (RuntimeException | AssertionError e) {
                // A non-JSON frame is a protocol violation the waiting test will report by its absence.
                closeCode.completeExceptionally(new AssertionError("Server sent a frame that is not a JSON object: " + text));
            }
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeReason = reason;
            closeCode.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closeCode.completeExceptionally(error);
        }
    }
}
