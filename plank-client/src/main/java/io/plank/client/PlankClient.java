package io.plank.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.json.JsonException;
import jakarta.json.JsonObject;

/**
 * A connection to Plank that keeps itself open, as plank.js's client does: it reconnects with exponential backoff and
 * jitter, checks the connection with pings (a dead network sends no close), authenticates in band with a token from a
 * {@link TokenSource} and refreshes it before it expires, and resumes every subscription where it stood. Close codes
 * that mean the client is at fault (1003, 1009, ...) end it instead ({@link ConnectionState#FAILED}).
 *
 * <pre>{@code
 * try (var plank = PlankClient.builder(URI.create("ws://localhost:8080/plank/ws")).build()) {
 *     plank.subscribe(Subscribe.to("orders").filter("status=eq.paid"), event -> {
 *         if (event instanceof SubscriptionEvent.Change change) System.out.println(change.action() + " " + change.data());
 *     });
 *     ...
 * }
 * }</pre>
 *
 * <p>Threading: the client has one thread of its own ({@code plank-client}); the socket's messages, timers and every
 * listener run on it, one at a time, so listeners need no locking among themselves. The public methods may be called
 * from any thread.
 */
public final class PlankClient implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(PlankClient.class.getName());
    /** Close codes that mean the client itself is at fault: retrying would fail the same way. */
    private static final Set<Integer> FATAL_CLOSE_CODES = Set.of(1002, 1003, 1007, 1008, 1009, 1010);
    /** Close codes after which the server asks the client to wait before coming back: 1013 try again later, 4429 too many. */
    private static final Set<Integer> RETRY_LATER_CODES = Set.of(1013, 4429);
    private static final AtomicInteger CLIENTS = new AtomicInteger();

    private final URI url;
    private final Builder options;
    private final HttpClient http;
    private final ScheduledThreadPoolExecutor thread;
    private final Backoff backoff;
    private final Map<String, Subscription> subscriptions = new LinkedHashMap<>();
    private final List<LiveView> views = new CopyOnWriteArrayList<>();
    private final List<Consumer<ConnectionState.Change>> stateListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<ClientError>> errorListeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> messageListeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger nextId = new AtomicInteger();
    private final Subscription.Link link;

    private volatile Thread owner;
    private volatile ConnectionState state = ConnectionState.CLOSED;
    private Connection current;
    /** False after close() or disconnect(): nothing reconnects. */
    private boolean wanted;
    private volatile boolean ended;
    private ScheduledFuture<?> reconnectTimer;
    private ScheduledFuture<?> connectTimer;
    private ScheduledFuture<?> livenessTimer;
    private ScheduledFuture<?> tokenTimer;
    private long lastReceived;
    private Long pingSentAt;
    /** The token of the `auth` message awaiting its answer (the first one of a connection, or a refresh). */
    private Token pendingToken;
    /** Whether the connection waits for the answer to its first `auth` message: nothing else is sent meanwhile. */
    private boolean authenticating;
    private Instant authExpiresAt;

    private PlankClient(Builder options) {
        this.url = options.url;
        this.options = options;
        this.http = options.http != null ? options.http : HttpClient.newHttpClient();
        this.thread = new ScheduledThreadPoolExecutor(1, task -> {
            var thread = new Thread(task, "plank-client-" + CLIENTS.incrementAndGet());
            thread.setDaemon(true);
            owner = thread;
            return thread;
        });
        thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        thread.setRemoveOnCancelPolicy(true);
        this.backoff = new Backoff(options.backoffInitial, options.backoffMax, () -> ThreadLocalRandom.current().nextDouble());
        this.link = new Subscription.Link() {
            @Override
            public void send(Map<String, Object> message) {
                if (isOpen()) {
                    current.send(Json.write(message));
                }
            }

            @Override
            public void remove(Subscription subscription) {
                subscriptions.remove(subscription.id());
            }

            @Override
            public ScheduledFuture<?> schedule(Runnable task, long delayMillis) {
                return PlankClient.this.schedule(task, delayMillis);
            }

            @Override
            public Backoff backoff(long initialMillis, long maxMillis) {
                return new Backoff(Duration.ofMillis(initialMillis), Duration.ofMillis(maxMillis),
                        () -> ThreadLocalRandom.current().nextDouble());
            }
        };
        options.stateListeners.forEach(stateListeners::add);
        options.errorListeners.forEach(errorListeners::add);
    }

    /** A client for Plank's WebSocket endpoint, e.g. {@code ws://localhost:8080/plank/ws} (http and https work too). */
    public static Builder builder(URI url) {
        return new Builder(url);
    }

    public ConnectionState state() {
        return state;
    }

    /** Listens to the connection's state, on the client's thread. */
    public PlankClient onState(Consumer<ConnectionState.Change> listener) {
        stateListeners.add(listener);
        return this;
    }

    /** Listens to problems of the connection (token refused, error frames about no subscription), on the client's thread. */
    public PlankClient onError(Consumer<ClientError> listener) {
        errorListeners.add(listener);
        return this;
    }

    /**
     * Runs {@code listener} on the client's thread after the events of each message from the server have been
     * delivered: one message may carry many frames ({@code ?batch=true}), so work done here is done once per batch.
     */
    public PlankClient onMessageHandled(Runnable listener) {
        messageListeners.add(listener);
        return this;
    }

    /**
     * Subscribes now, or as soon as the connection is open; resumed after every reconnect until unsubscribed.
     * {@code listener} hears every event from the first on (one added later with {@link Subscription#onEvent} may
     * miss the first ones).
     */
    public Subscription subscribe(Subscribe request, Consumer<SubscriptionEvent> listener) {
        var subscription = new Subscription("s" + nextId.incrementAndGet(), Objects.requireNonNull(request, "request"), link);
        if (listener != null) {
            subscription.onEvent(listener);
        }
        run(() -> {
            if (ended) {
                subscription.endLocally("the client was closed");
                return;
            }
            subscriptions.put(subscription.id(), subscription);
            if (isOpen()) {
                subscription.requestNow();
            }
        });
        return subscription;
    }

    /** As {@link #subscribe(Subscribe, Consumer)}, for those who listen later or through {@link Subscription#publisher()}. */
    public Subscription subscribe(Subscribe request) {
        return subscribe(request, null);
    }

    /**
     * A live view of {@code request}'s table (its filter applies; a snapshot is always asked for), its rows keyed by
     * {@code keyColumns} (the table's primary key; {@code id} when none are given).
     */
    public LiveView view(Subscribe request, String... keyColumns) {
        var view = new LiveView(this, request.table(), keyColumns.length == 0 ? List.of("id") : List.of(keyColumns));
        views.add(view);
        view.start(new Subscribe(request.table(), request.filter(), true, null));
        return view;
    }

    /** Opens the connection again after {@link #disconnect()}; subscriptions resume where they stood. */
    public void connect() {
        run(() -> {
            if (ended) {
                throw new IllegalStateException("This Plank client is closed");
            }
            wanted = true;
            if (current != null || state == ConnectionState.CONNECTING) {
                return;
            }
            cancel(reconnectTimer);
            backoff.reset();
            open();
        });
    }

    /** Closes the connection and stays away; subscriptions are kept and resume on {@link #connect()}. */
    public void disconnect() {
        run(() -> {
            wanted = false;
            cancel(reconnectTimer);
            if (current != null) {
                drop(1000, "disconnect() called", true);
            } else {
                setState(ConnectionState.CLOSED, null, null, null);
            }
        });
    }

    /** Closes the connection for good, ends every subscription and stops the client's thread. */
    @Override
    public void close() {
        if (thread.isShutdown()) {
            return;
        }
        var closing = new CompletableFuture<Void>();
        run(() -> {
            if (!ended) {
                ended = true;
                wanted = false;
                cancel(reconnectTimer);
                var connection = current;
                if (connection != null) {
                    drop(1000, "close() called", true);
                } else {
                    setState(ConnectionState.CLOSED, null, null, null);
                }
                for (var subscription : new ArrayList<>(subscriptions.values())) {
                    subscription.endLocally("the client was closed");
                }
                var sent = connection == null ? CompletableFuture.completedFuture(null) : connection.closed;
                sent.whenComplete((ignored, error) -> closing.complete(null));
            } else {
                closing.complete(null);
            }
        });
        try {
            closing.get(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // The close frame may not get out over a dead network: the socket is aborted below either way.
        }
        thread.shutdown();
    }

    // ---- the client's thread

    /** Runs {@code task} on the client's thread: at once when called there (from a listener), else queued. */
    private void run(Runnable task) {
        if (Thread.currentThread() == owner) {
            task.run();
        } else {
            try {
                thread.execute(() -> guarded(task));
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                // The client is closed: what the socket still reports concerns nobody.
            }
        }
    }

    private ScheduledFuture<?> schedule(Runnable task, long delayMillis) {
        return thread.schedule(() -> guarded(task), Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
    }

    private static void guarded(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException | Error e) {
            LOG.log(Level.SEVERE, "Plank client task failed", e);
        }
    }

    // ---- connecting

    private void open() {
        setState(ConnectionState.CONNECTING, null, null, null);
        Token token = null;
        if (options.tokens != null) {
            try {
                token = options.tokens.token();
            } catch (Exception e) {
                emitError(new ClientError("token_failed", "The token source failed: " + e, true, null));
                retry(0, null, null);
                return;
            }
        }
        var connection = new Connection(token);
        current = connection;
        connectTimer = schedule(() -> {
            if (current == connection) {
                drop(1006, "not open after " + options.connectTimeout.toMillis() + " ms", false);
            }
        }, options.connectTimeout.toMillis());
        http.newWebSocketBuilder().connectTimeout(options.connectTimeout).buildAsync(socketUri(), connection)
                .whenComplete((socket, error) -> run(() -> {
                    if (current != connection) {
                        if (socket != null) {
                            socket.abort();
                        }
                    } else if (error != null) {
                        lost(1006, "could not connect: " + rootMessage(error), refusedFor(error));
                    } else {
                        opened(connection);
                    }
                }));
    }

    private void opened(Connection connection) {
        lastReceived = System.currentTimeMillis();
        pingSentAt = null;
        if (connection.token != null) {
            // The connect timeout keeps running: an answer to the token is part of opening.
            authenticating = true;
            sendAuth(connection.token);
            return;
        }
        established();
    }

    /** The connection can carry subscriptions: anonymous from its opening, or once the server accepted the token. */
    private void established() {
        cancel(connectTimer);
        setState(ConnectionState.OPEN, null, null, null);
        scheduleLiveness(options.pingInterval.toMillis());
        scheduleTokenRefresh(false);
        for (var subscription : new ArrayList<>(subscriptions.values())) {
            subscription.requestNow();
        }
    }

    private URI socketUri() {
        String text = url.toString().replaceFirst("^http://", "ws://").replaceFirst("^https://", "wss://");
        if (options.batch) {
            text += (url.getRawQuery() == null ? "?" : "&") + "batch=true";
        }
        return URI.create(text);
    }

    // ---- receiving

    private void receive(Connection connection, String text) {
        if (connection != current) {
            return;
        }
        lastReceived = System.currentTimeMillis();
        if (!connection.receivedAny && !authenticating) {
            connection.receivedAny = true;
            backoff.reset(); // the server answers: a later drop starts the backoff from the beginning
        }
        List<JsonObject> frames;
        try {
            frames = Json.frames(text);
        } catch (JsonException | IllegalStateException e) {
            emitError(new ClientError("invalid_frame", "Not JSON: " + text.substring(0, Math.min(200, text.length())), false, null));
            return;
        }
        // With ?batch=true one message may carry several frames as an array.
        for (var frame : frames) {
            if (connection != current) {
                return; // a frame of this message dropped the connection (a refused token)
            }
            dispatch(frame);
        }
        for (var view : views) {
            view.flush();
        }
        for (var listener : messageListeners) {
            listener.run();
        }
    }

    private void dispatch(JsonObject frame) {
        String type = Json.string(frame, "type");
        if ("change".equals(type)) {
            if (frame.get("subs") instanceof jakarta.json.JsonArray subs) {
                for (var id : subs) {
                    var subscription = id instanceof jakarta.json.JsonString s ? subscriptions.get(s.getString()) : null;
                    if (subscription != null) {
                        subscription.receive(frame);
                    }
                }
            }
        } else if ("authenticated".equals(type)) {
            onAuthenticated(frame); // its `sub` is the token's subject, not a subscription
        } else if (Json.string(frame, "sub") != null) {
            var subscription = subscriptions.get(Json.string(frame, "sub"));
            if (subscription != null) {
                subscription.receive(frame);
            }
        } else if ("error".equals(type) && (authenticating || (pendingToken != null && "invalid_token".equals(Json.string(frame, "code"))))) {
            onTokenRefused(frame);
        } else if ("error".equals(type)) {
            emitError(new ClientError(Objects.requireNonNullElse(Json.string(frame, "code"), "error"),
                    Objects.requireNonNullElse(Json.string(frame, "message"), ""), false, frame));
        }
    }

    private boolean isOpen() {
        return state == ConnectionState.OPEN && current != null && current.socket != null;
    }

    // ---- liveness: a ping after a quiet interval; a connection that stays silent after it is dead

    private void scheduleLiveness(long millis) {
        cancel(livenessTimer);
        livenessTimer = schedule(this::checkLiveness, Math.max(millis, 1));
    }

    private void checkLiveness() {
        if (!isOpen()) {
            return;
        }
        long now = System.currentTimeMillis();
        long timeout = options.pongTimeout.toMillis();
        if (pingSentAt != null) {
            if (lastReceived >= pingSentAt) {
                pingSentAt = null;
            } else if (now - pingSentAt >= timeout) {
                drop(1006, "no answer to a ping within " + timeout + " ms", false);
                return;
            } else {
                scheduleLiveness(pingSentAt + timeout - now);
                return;
            }
        }
        long quiet = now - lastReceived;
        if (quiet >= options.pingInterval.toMillis()) {
            current.send("{\"type\":\"ping\"}");
            pingSentAt = now;
            scheduleLiveness(timeout);
        } else {
            scheduleLiveness(options.pingInterval.toMillis() - quiet);
        }
    }

    // ---- tokens

    private void sendAuth(Token token) {
        pendingToken = token;
        current.send(Json.write(Map.of("type", "auth", "token", token.value())));
    }

    private void onAuthenticated(JsonObject frame) {
        var token = pendingToken;
        if (token == null) {
            return;
        }
        pendingToken = null;
        Long exp = Json.number(frame, "exp");
        authExpiresAt = token.expiresAt() != null ? token.expiresAt() : exp != null ? Instant.ofEpochSecond(exp) : null;
        if (authenticating) {
            authenticating = false;
            current.receivedAny = true;
            backoff.reset(); // the server accepted the connection: a later drop starts the backoff from the beginning
            established();
        } else {
            scheduleTokenRefresh(false);
        }
    }

    /**
     * The server refused a token. The first one of a connection: this attempt has failed, so the connection goes and
     * the next attempt (after the backoff) asks the token source again. A refresh: the connection keeps its previous
     * token, and the client asks again later (the server closes with 4401 if that token expires meanwhile).
     */
    private void onTokenRefused(JsonObject frame) {
        String code = Objects.requireNonNullElse(Json.string(frame, "code"), "invalid_token");
        String message = "Plank refused the token: " + Objects.requireNonNullElse(Json.string(frame, "message"), code);
        pendingToken = null;
        emitError(new ClientError(code, message, true, frame));
        if (authenticating) {
            authenticating = false;
            drop(4401, message, true);
        } else {
            scheduleTokenRefresh(true);
        }
    }

    /** Refreshes {@code tokenRefreshMargin} before expiry (half way for a token that lives shorter); after a failure, half way again. */
    private void scheduleTokenRefresh(boolean afterFailure) {
        cancel(tokenTimer);
        if (options.tokens == null || authExpiresAt == null) {
            return;
        }
        long left = authExpiresAt.toEpochMilli() - System.currentTimeMillis();
        long delay = afterFailure ? Math.max(left / 2, 1_000)
                : Math.max(Math.max(left - options.tokenRefreshMargin.toMillis(), left / 2), 1_000);
        tokenTimer = schedule(this::refreshToken, delay);
    }

    private void refreshToken() {
        if (!isOpen()) {
            return;
        }
        Token token;
        try {
            token = options.tokens.token();
        } catch (Exception e) {
            emitError(new ClientError("token_failed", "The token source failed: " + e, true, null));
            scheduleTokenRefresh(true);
            return;
        }
        // No token any more: the connection keeps the one it has until the server closes it at expiry (4401).
        if (token != null) {
            sendAuth(token);
        }
    }

    // ---- losing the connection

    /** Ends the current socket without waiting for its close handshake (a dead network may never complete one). */
    private void drop(int code, String reason, boolean byClient) {
        var connection = current;
        if (connection == null) {
            return;
        }
        current = null;
        connection.close(byClient ? 1000 : 4000, reason);
        lost(code, reason);
    }

    private void lost(int code, String reason) {
        // 1013 and 4429: the server asks to come back later. 4401 (the token expired) asks the token source again.
        lost(code, reason, RETRY_LATER_CODES.contains(code) ? options.retryLater.toMillis() : 0);
    }

    /** The connection is gone; unless it is wanted no more or may not come back, the next attempt at least {@code floorMillis} on. */
    private void lost(int code, String reason, long floorMillis) {
        current = null;
        cancel(connectTimer);
        cancel(livenessTimer);
        cancel(tokenTimer);
        pendingToken = null;
        authenticating = false;
        authExpiresAt = null;
        for (var subscription : new ArrayList<>(subscriptions.values())) {
            subscription.disconnected();
        }
        if (!wanted) {
            setState(ConnectionState.CLOSED, code, reason, null);
        } else if (FATAL_CLOSE_CODES.contains(code)) {
            fail("Plank closed the connection with " + code + (reason == null || reason.isEmpty() ? "" : " (" + reason + ")")
                    + "; not reconnecting", code, reason);
        } else {
            retry(floorMillis, code, reason);
        }
    }

    private void retry(long floorMillis, Integer code, String reason) {
        if (!wanted) {
            return;
        }
        long delay = backoff.next(floorMillis);
        setState(ConnectionState.RECONNECTING, code, reason, delay);
        reconnectTimer = schedule(() -> {
            reconnectTimer = null;
            if (wanted && current == null) {
                open();
            }
        }, delay);
    }

    private void fail(String message, Integer code, String reason) {
        wanted = false;
        setState(ConnectionState.FAILED, code, reason, null);
        emitError(new ClientError("closed", message, false, null));
        for (var subscription : new ArrayList<>(subscriptions.values())) {
            subscription.endLocally(message);
        }
    }

    private void setState(ConnectionState next, Integer code, String reason, Long delay) {
        var previous = state;
        if (next == previous && next != ConnectionState.RECONNECTING) {
            return;
        }
        state = next;
        var change = new ConnectionState.Change(next, previous, code, reason, delay);
        for (var listener : stateListeners) {
            try {
                listener.accept(change);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "A state listener failed on " + change, e);
            }
        }
    }

    private void emitError(ClientError error) {
        LOG.fine(() -> "Plank client: " + error);
        for (var listener : errorListeners) {
            try {
                listener.accept(error);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "An error listener failed on " + error, e);
            }
        }
    }

    private static void cancel(ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    /**
     * How long a refused handshake asks the client to wait: a 503 (over the server's admission rate, or the database
     * away) its {@code Retry-After} seconds, a 429 (the address's connections) the retry-later wait; otherwise 0.
     */
    private long refusedFor(Throwable error) {
        Throwable cause = error;
        while (cause != null && !(cause instanceof WebSocketHandshakeException)) {
            cause = cause.getCause();
        }
        if (!(cause instanceof WebSocketHandshakeException refused) || refused.getResponse() == null) {
            return 0;
        }
        int status = refused.getResponse().statusCode();
        if (status == 503) {
            return refused.getResponse().headers().firstValue("Retry-After")
                    .filter(seconds -> seconds.matches("\\d{1,6}"))
                    .map(seconds -> Long.parseLong(seconds) * 1_000)
                    .orElse(options.retryLater.toMillis());
        }
        return status == 429 ? options.retryLater.toMillis() : 0;
    }

    private static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.toString();
    }

    /**
     * One WebSocket and what came with it. The JDK calls its listener methods one at a time; each message is handed
     * to the client's thread whole, and the next is asked for only once it has been handled, so a listener that is
     * slow holds the socket's reading back instead of filling memory.
     */
    private final class Connection implements WebSocket.Listener {

        final Token token;
        final CompletableFuture<Void> closed = new CompletableFuture<>();
        volatile WebSocket socket;
        boolean receivedAny;
        private final StringBuilder parts = new StringBuilder();
        /** Sends one after another: the JDK refuses a send while the previous one is under way. */
        private CompletableFuture<?> sending = CompletableFuture.completedFuture(null);

        Connection(Token token) {
            this.token = token;
        }

        void send(String text) {
            var target = socket;
            if (target != null) {
                sending = sending.handle((ignored, error) -> null).thenCompose(ignored -> target.sendText(text, true));
            }
        }

        void close(int code, String reason) {
            var target = socket;
            if (target == null) {
                closed.complete(null);
                return;
            }
            sending.handle((ignored, error) -> null)
                    .thenCompose(ignored -> target.sendClose(code, reason.length() > 100 ? reason.substring(0, 100) : reason))
                    .orTimeout(1, TimeUnit.SECONDS)
                    .whenComplete((ignored, error) -> {
                        target.abort();
                        closed.complete(null);
                    });
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            socket = webSocket;
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            parts.append(data);
            if (!last) {
                webSocket.request(1);
                return null;
            }
            String text = parts.toString();
            parts.setLength(0);
            run(() -> {
                try {
                    receive(this, text);
                } finally {
                    webSocket.request(1);
                }
            });
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            run(() -> emitError(new ClientError("binary_message", "Plank sends text frames only; a binary one was ignored", false, null)));
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            run(() -> {
                webSocket.abort();
                closed.complete(null);
                if (current == this) {
                    lost(statusCode, reason);
                }
            });
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            run(() -> {
                closed.complete(null);
                if (current == this) {
                    lost(1006, rootMessage(error));
                }
            });
        }
    }

    /** The client's settings; {@link #build()} connects. Defaults are plank.js's. */
    public static final class Builder {

        private final URI url;
        private TokenSource tokens;
        private boolean batch = true;
        private boolean autoConnect = true;
        private HttpClient http;
        private Duration backoffInitial = Duration.ofMillis(500);
        private Duration backoffMax = Duration.ofSeconds(30);
        private Duration pingInterval = Duration.ofSeconds(20);
        private Duration pongTimeout = Duration.ofSeconds(10);
        private Duration connectTimeout = Duration.ofSeconds(15);
        private Duration tokenRefreshMargin = Duration.ofSeconds(30);
        private Duration retryLater = Duration.ofSeconds(5);
        private final List<Consumer<ConnectionState.Change>> stateListeners = new ArrayList<>();
        private final List<Consumer<ClientError>> errorListeners = new ArrayList<>();

        private Builder(URI url) {
            this.url = Objects.requireNonNull(url, "url");
        }

        /** Authenticates every connection in band with a token from {@code tokens}, refreshed before it expires. */
        public Builder tokens(TokenSource tokens) {
            this.tokens = tokens;
            return this;
        }

        /** Whether to ask for {@code ?batch=true} (frames arriving as JSON arrays when several wait); on by default. */
        public Builder batch(boolean batch) {
            this.batch = batch;
            return this;
        }

        /** The reconnect delays: from {@code initial} (0.5 s), doubling up to {@code max} (30 s), each drawn from its upper half. */
        public Builder backoff(Duration initial, Duration max) {
            this.backoffInitial = initial;
            this.backoffMax = max;
            return this;
        }

        /** A ping after this long without a message (20 s); no answer within {@code pongTimeout} (10 s) drops the connection. */
        public Builder ping(Duration interval, Duration pongTimeout) {
            this.pingInterval = interval;
            this.pongTimeout = pongTimeout;
            return this;
        }

        /** How long opening a connection (and having its token accepted) may take: 15 s. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /** How long before the token's expiry to refresh it: 30 s. */
        public Builder tokenRefreshMargin(Duration margin) {
            this.tokenRefreshMargin = margin;
            return this;
        }

        /**
         * The least wait after 1013 (try again later), 4429 (too many messages), and a handshake refused with 429 or with
         * 503 without a {@code Retry-After}: 5 s.
         */
        public Builder retryLater(Duration wait) {
            this.retryLater = wait;
            return this;
        }

        /** The HTTP client to open WebSockets with (a proxy, TLS settings); a new default one otherwise. */
        public Builder httpClient(HttpClient http) {
            this.http = http;
            return this;
        }

        /** Listens to the connection's state from the first attempt on. */
        public Builder onState(Consumer<ConnectionState.Change> listener) {
            stateListeners.add(listener);
            return this;
        }

        public Builder onError(Consumer<ClientError> listener) {
            errorListeners.add(listener);
            return this;
        }

        /** {@code false}: {@link #build()} does not connect; {@link PlankClient#connect()} does. */
        public Builder autoConnect(boolean autoConnect) {
            this.autoConnect = autoConnect;
            return this;
        }

        public PlankClient build() {
            var client = new PlankClient(this);
            if (autoConnect) {
                client.connect();
            }
            return client;
        }
    }
}
