package io.plank.client;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.SubmissionPublisher;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import io.plank.client.SubscriptionEvent.Change;
import io.plank.client.SubscriptionEvent.End;
import io.plank.client.SubscriptionEvent.Kind;
import io.plank.client.SubscriptionEvent.Reset;
import io.plank.client.SubscriptionEvent.Snapshot;
import io.plank.client.SubscriptionEvent.Subscribed;
import io.plank.client.SubscriptionEvent.TxEnd;

/**
 * One subscription: asked for on every connection, resumed with {@code since} after a disconnect, de-duplicated by
 * {@code seq} (a change at or below one already delivered is dropped), and passed on as {@link SubscriptionEvent}s to
 * listeners ({@link #onEvent}) and as a {@link Flow.Publisher} ({@link #publisher()}).
 *
 * <p>Threading: every event is delivered on the client's thread, in order; a listener that takes long holds the
 * connection's reading back (the server sees a slow client), which is the backpressure the exactly-once consumer relies
 * on. The publisher's subscribers run on their own executor and hold the client back once their buffer is full.
 */
public final class Subscription {

    private static final Logger LOG = Logger.getLogger(Subscription.class.getName());

    /** Refused subscribe requests worth asking again: the database was away, the snapshot read failed. */
    private static final List<String> RETRYABLE = List.of("unavailable", "snapshot_failed");

    private enum Phase { WAITING, REQUESTED, SNAPSHOT, LIVE, ENDED }

    private enum Request { PLAIN, SINCE, SNAPSHOT }

    /** What a subscription needs of its client. */
    interface Link {
        /** Sends if connected; otherwise the subscription is asked for again when the connection opens. */
        void send(Map<String, Object> message);

        void remove(Subscription subscription);

        ScheduledFuture<?> schedule(Runnable task, long delayMillis);

        Backoff backoff(long initialMillis, long maxMillis);
    }

    private final String id;
    private final Subscribe request;
    private final Link link;
    private final CompletableFuture<Subscribed> ready = new CompletableFuture<>();
    private final List<Consumer<SubscriptionEvent>> listeners = new CopyOnWriteArrayList<>();
    private final Backoff retries;
    private volatile SubmissionPublisher<SubscriptionEvent> publisher;

    private Phase phase = Phase.WAITING;
    private Request asked = Request.PLAIN;
    /** Where to resume from: the last change delivered, or the {@code subscribed} seq when that is later and safe. */
    private volatile Long resumeSeq;
    /** Changes at or below this seq were delivered already (or are contained in what was delivered). */
    private Long delivered;
    private Long answeredSeq;
    private boolean everSubscribed;
    private boolean ephemeral;
    private boolean missedWhileAway;
    /** Frames of the subscription this one replaced on the same connection are dropped until its {@code subscribed}. */
    private boolean dropUntilSubscribed;
    private ScheduledFuture<?> retryTimer;

    Subscription(String id, Subscribe request, Link link) {
        this.id = id;
        this.request = request;
        this.link = link;
        this.resumeSeq = request.since();
        this.delivered = request.since();
        this.retries = link.backoff(1_000, 15_000);
    }

    /** The id this client gave the subscription ({@code sub} on the wire). */
    public String id() {
        return id;
    }

    public String table() {
        return request.table();
    }

    /** Completes once the server answered {@code subscribed} (for a snapshot: after reading it); fails if refused. */
    public CompletableFuture<Subscribed> ready() {
        return ready;
    }

    /** The seq this subscription would resume after now; null before its stream has a position. */
    public Long lastSeq() {
        return resumeSeq;
    }

    public boolean active() {
        return phase != Phase.ENDED;
    }

    /** Adds a listener, called on the client's thread for every event from now on; returns this subscription. */
    public Subscription onEvent(Consumer<SubscriptionEvent> listener) {
        listeners.add(listener);
        return this;
    }

    /**
     * The events as a {@link Flow.Publisher} (a {@link SubmissionPublisher} on the common pool): each subscriber
     * receives the events from the moment it subscribes, and completes at {@link End}.
     */
    public Flow.Publisher<SubscriptionEvent> publisher() {
        synchronized (listeners) {
            if (publisher == null) {
                publisher = new SubmissionPublisher<>();
                if (phase == Phase.ENDED) {
                    publisher.close();
                }
            }
            return publisher;
        }
    }

    /** Ends the subscription (telling the server); nothing more is delivered. Safe from any thread. */
    public void unsubscribe() {
        link.schedule(() -> end("unsubscribed", true, null, null), 0);
    }

    // ---- driven by the client, on its thread

    /** The connection is open: ask for the subscription, resuming where it stands. */
    void requestNow() {
        if (phase == Phase.ENDED) {
            return;
        }
        cancelRetry();
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("type", "subscribe");
        message.put("table", request.table());
        message.put("sub", id);
        if (request.filter() != null) {
            // Only a filter can drop a transaction's last change: then the server ends the transaction with tx_end.
            message.put("filter", request.filter());
            message.put("tx_end", true);
        }
        if (resumeSeq != null && !ephemeral) {
            asked = Request.SINCE;
            message.put("since", resumeSeq);
        } else if (request.snapshot()) {
            asked = Request.SNAPSHOT;
            message.put("snapshot", true);
        } else {
            asked = Request.PLAIN;
        }
        phase = Phase.REQUESTED;
        // Only a plain subscribe can see its changes before `subscribed`; for the others anything earlier is stale.
        dropUntilSubscribed = asked != Request.PLAIN;
        link.send(message);
    }

    /** The connection is gone. */
    void disconnected() {
        cancelRetry();
        if (phase == Phase.ENDED) {
            return;
        }
        if (phase == Phase.SNAPSHOT) {
            emit(new Reset("The connection dropped during the snapshot; a new snapshot follows", true, null));
        }
        if (phase == Phase.LIVE && ephemeral) {
            missedWhileAway = true;
        }
        phase = Phase.WAITING;
    }

    /** A frame about this subscription. */
    void receive(JsonObject frame) {
        if (phase == Phase.ENDED) {
            return;
        }
        switch (Json.string(frame, "type")) {
            case "change" -> onChange(frame);
            case "tx_end" -> onTxEnd(frame);
            case "subscribed" -> onSubscribed(frame);
            case "snapshot" -> onSnapshot(frame);
            case "reset" -> onReset(frame);
            case "error" -> onError(frame);
            case "unsubscribed" -> {
                if (Json.string(frame, "reason") != null) {
                    end(Json.string(frame, "reason"), false, Json.string(frame, "code"), frame);
                }
            }
            default -> {
                // A frame type this client does not know: newer servers may send more.
            }
        }
    }

    /** Ends without asking the server (the client closed or failed). */
    void endLocally(String reason) {
        end(reason, false, null, null);
    }

    private void onSubscribed(JsonObject frame) {
        if (phase != Phase.REQUESTED) {
            return;
        }
        dropUntilSubscribed = false;
        retries.reset();
        Long seq = Json.number(frame, "seq");
        answeredSeq = seq;
        ephemeral = seq == null;
        boolean resumed = everSubscribed;
        everSubscribed = true;
        if (asked == Request.SNAPSHOT) {
            phase = Phase.SNAPSHOT;
            resumeSeq = null; // resumable only once the whole snapshot has arrived
            delivered = seq;
        } else {
            phase = Phase.LIVE;
            // A plain subscription streams from `seq`; a resume only from where it asked (the replay has no end marker).
            if (asked == Request.PLAIN && seq != null) {
                resumeSeq = max(resumeSeq, seq);
            }
        }
        if (missedWhileAway) {
            missedWhileAway = false;
            emit(new Reset("Table '" + request.table() + "' is captured ephemerally: changes made while disconnected are lost;"
                    + " reload it", false, null));
        }
        var event = new Subscribed(seq, resumed, frame);
        emit(event);
        ready.complete(event);
    }

    private void onSnapshot(JsonObject frame) {
        if (phase != Phase.SNAPSHOT) {
            return;
        }
        boolean last = Json.isTrue(frame, "last");
        if (last) {
            phase = Phase.LIVE;
            resumeSeq = max(resumeSeq, answeredSeq);
        }
        var rows = frame.get("rows") instanceof jakarta.json.JsonArray array
                ? array.getValuesAs(JsonObject.class) : List.<JsonObject>of();
        emit(new Snapshot(rows, last, frame));
    }

    private void onChange(JsonObject frame) {
        if (dropUntilSubscribed) {
            return;
        }
        Long seq = Json.number(frame, "seq");
        if (seq != null) {
            if (delivered != null && seq <= delivered) {
                return; // already delivered
            }
            delivered = seq;
            resumeSeq = max(resumeSeq, seq);
        }
        Kind kind = Json.isTrue(frame, "leave") ? Kind.LEAVE : Json.isTrue(frame, "enter") ? Kind.ENTER : Kind.CHANGE;
        Long tx = Json.number(frame, "tx");
        JsonValue data = frame.get("data");
        emit(new Change(kind, Json.string(frame, "table"), Json.string(frame, "action"), frame.getOrDefault("id", JsonValue.NULL),
                data instanceof JsonObject row ? row : null, seq, tx, tx == null || Json.isTrue(frame, "tx_last"),
                Json.string(frame, "at"), frame));
    }

    private void onTxEnd(JsonObject frame) {
        Long tx = Json.number(frame, "tx");
        if (!dropUntilSubscribed && tx != null) {
            emit(new TxEnd(tx, frame));
        }
    }

    private void onReset(JsonObject frame) {
        if (dropUntilSubscribed) {
            return;
        }
        String reason = Json.string(frame, "reason") != null ? Json.string(frame, "reason") : "The server asked for a reload";
        if (request.snapshot()) {
            // The subscription asked for rows: a fresh snapshot, replacing this subscription on the server.
            emit(new Reset(reason, true, frame));
            resumeSeq = null;
            delivered = null;
            requestNow();
            return;
        }
        // The server carries on live from its `subscribed` seq.
        if (answeredSeq != null) {
            resumeSeq = answeredSeq;
            delivered = answeredSeq;
        }
        emit(new Reset(reason, false, frame));
    }

    private void onError(JsonObject frame) {
        String code = Json.string(frame, "code") != null ? Json.string(frame, "code") : "error";
        String message = Json.string(frame, "message") != null ? Json.string(frame, "message") : code;
        if (phase != Phase.REQUESTED) {
            emit(new SubscriptionEvent.Error(code, message, false, frame));
            return;
        }
        if (RETRYABLE.contains(code)) {
            emit(new SubscriptionEvent.Error(code, message, true, frame));
            phase = Phase.WAITING;
            retryTimer = link.schedule(this::requestNow, retries.next(0));
            return;
        }
        emit(new SubscriptionEvent.Error(code, message, false, frame));
        end(code + ": " + message, false, null, frame);
    }

    private void end(String reason, boolean tellServer, String code, JsonObject frame) {
        if (phase == Phase.ENDED) {
            return;
        }
        boolean knownToServer = phase != Phase.WAITING;
        phase = Phase.ENDED;
        cancelRetry();
        link.remove(this);
        if (tellServer && knownToServer) {
            link.send(Map.of("type", "unsubscribe", "sub", id));
        }
        ready.completeExceptionally(new IllegalStateException("Subscription to '" + request.table() + "' ended: " + reason));
        emit(new End(reason, code, frame));
        synchronized (listeners) {
            if (publisher != null) {
                publisher.close();
            }
        }
    }

    private void emit(SubscriptionEvent event) {
        for (var listener : listeners) {
            try {
                listener.accept(event);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "A listener of the subscription to '" + request.table() + "' failed on " + event, e);
            }
        }
        var flow = publisher;
        if (flow != null && !flow.isClosed()) {
            flow.submit(event);
        }
    }

    private void cancelRetry() {
        if (retryTimer != null) {
            retryTimer.cancel(false);
            retryTimer = null;
        }
    }

    private static Long max(Long a, Long b) {
        return a == null ? b : b == null ? a : Long.valueOf(Math.max(a, b));
    }
}
