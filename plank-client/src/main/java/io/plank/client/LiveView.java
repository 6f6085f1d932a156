package io.plank.client;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import io.plank.client.SubscriptionEvent.Change;

/**
 * The rows of a table (or of those passing a filter), kept equal to the database, as plank.js's views are: loaded
 * from a snapshot, updated by every change (a DELETE or a row leaving the filter removes it, a TRUNCATE removes every
 * row, anything else puts it), and, when the client cannot resume (a {@code reset}) or a snapshot was cut short,
 * loaded again from a new snapshot, which replaces the old rows in one step.
 *
 * <p>A transaction is applied whole: its changes are held until its last one ({@code tx_last}, or {@code tx_end} when
 * the filter dropped the last) and then applied together, so no listener and no reader ever sees half of it. Held
 * changes survive a reconnect (the resume brings the rest) and are dropped by a reset, whose new snapshot contains
 * them. Listeners hear {@link ViewChange} at most once per message from the server.
 *
 * <p>Reading ({@link #rows()}, {@link #get}) is safe from any thread: it sees the rows as of the last notification.
 */
public final class LiveView implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LiveView.class.getName());

    /** What a notification reports. */
    public enum Cause {
        /** The whole content was (re)loaded from a snapshot. */
        SNAPSHOT,
        /** The changes listed were applied (whole transactions). */
        CHANGES,
        /** The server ended the subscription because the caller may no longer read these rows, or the table is gone: emptied. */
        ENDED
    }

    /** The rows after a notification, why, and the changes applied (empty for a snapshot). */
    public record ViewChange(List<JsonObject> rows, Cause cause, List<Change> changes) {
    }

    private final PlankClient client;
    private final String table;
    private final List<String> keyColumns;
    private final CompletableFuture<LiveView> ready = new CompletableFuture<>();
    private final List<Consumer<ViewChange>> listeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<SubscriptionEvent>> eventListeners = new CopyOnWriteArrayList<>();
    /** Changes of transactions whose end has not arrived yet, by transaction. */
    private final Map<Long, List<Change>> openTx = new HashMap<>();
    private Subscription subscription;
    private Map<String, JsonObject> current = new LinkedHashMap<>();
    private Map<String, JsonObject> incoming;
    private List<Change> pending = new ArrayList<>();
    private boolean dirty;
    private boolean reloaded;
    private boolean emptied;
    private volatile Map<String, JsonObject> published = Map.of();

    LiveView(PlankClient client, String table, List<String> keyColumns) {
        this.client = client;
        this.table = table;
        this.keyColumns = List.copyOf(keyColumns);
    }

    void start(Subscribe request) {
        subscription = client.subscribe(request, this::onEvent);
    }

    public String table() {
        return table;
    }

    /** The subscription behind the view (its position, its events). */
    public Subscription subscription() {
        return subscription;
    }

    /** Completes once the first snapshot is in; fails if the subscription is refused. */
    public CompletableFuture<LiveView> ready() {
        return ready;
    }

    /** The rows, in the order they arrived (a snapshot in key order, then new rows at the end); an unmodifiable copy. */
    public List<JsonObject> rows() {
        return List.copyOf(published.values());
    }

    public int size() {
        return published.size();
    }

    /** The row with this key, as change frames carry it: a value, or an object for a composite key. */
    public JsonObject get(JsonValue id) {
        return published.get(Json.canonicalKey(id));
    }

    /** The row with this one-column key. */
    public JsonObject get(long id) {
        return get(Json.PROVIDER.createValue(id));
    }

    /** Listens to the view's notifications, on the client's thread. */
    public LiveView onChange(Consumer<ViewChange> listener) {
        listeners.add(listener);
        return this;
    }

    /** Listens to the subscription's resets, errors and end (the view handles the rest itself). */
    public LiveView onEvent(Consumer<SubscriptionEvent> listener) {
        eventListeners.add(listener);
        return this;
    }

    /** Stops following the table. */
    @Override
    public void close() {
        subscription.unsubscribe();
    }

    // ---- on the client's thread

    void onEvent(SubscriptionEvent event) {
        if (event instanceof SubscriptionEvent.Snapshot page) {
            if (incoming == null) {
                incoming = new LinkedHashMap<>();
            }
            for (var row : page.rows()) {
                incoming.put(keyOf(row), row);
            }
            if (page.last()) {
                current = incoming;
                incoming = null;
                reloaded = true;
                dirty = true;
            }
        } else if (event instanceof Change change) {
            receive(change);
        } else if (event instanceof SubscriptionEvent.TxEnd end) {
            var held = openTx.remove(end.tx());
            if (held != null) {
                held.forEach(this::apply);
            }
        } else if (event instanceof SubscriptionEvent.Reset) {
            incoming = null; // a new snapshot follows; the rows shown stay until it is complete
            openTx.clear(); // it contains these transactions whole
        } else if (event instanceof SubscriptionEvent.End end) {
            // Rows the caller may no longer read, or of a table that is gone, are not kept on show.
            if (end.code() != null && List.of("forbidden", "access_changed", "table_dropped").contains(end.code())) {
                empty();
            }
            ready.completeExceptionally(new IllegalStateException("View of '" + table + "' ended: " + end.reason()));
        }
        if (!(event instanceof Change || event instanceof SubscriptionEvent.Snapshot || event instanceof SubscriptionEvent.TxEnd)) {
            for (var listener : eventListeners) {
                listener.accept(event);
            }
        }
        if (event instanceof SubscriptionEvent.End) {
            flush();
        }
    }

    /** Applies a change, or holds it until its transaction ends. */
    private void receive(Change change) {
        if (change.tx() == null) {
            apply(change);
            return;
        }
        if (!change.txLast()) {
            openTx.computeIfAbsent(change.tx(), tx -> new ArrayList<>()).add(change);
            return;
        }
        var held = openTx.remove(change.tx());
        if (held != null) {
            held.forEach(this::apply);
        }
        apply(change);
    }

    private void apply(Change change) {
        var target = incoming != null ? incoming : current;
        if ("TRUNCATE".equals(change.action())) {
            target.clear();
        } else {
            String key = change.data() != null ? keyOf(change.data()) : Json.canonicalKey(change.id());
            if (change.removesRow()) {
                target.remove(key);
            } else if (change.data() != null) {
                target.put(key, change.data());
            }
        }
        if (target == current) {
            pending.add(change);
            dirty = true;
        }
    }

    private void empty() {
        incoming = null;
        openTx.clear();
        pending = new ArrayList<>();
        if (!current.isEmpty()) {
            current = new LinkedHashMap<>();
            emptied = true;
            dirty = true;
        }
    }

    /** One notification for everything one message brought (a batch of frames included). */
    void flush() {
        if (!dirty) {
            return;
        }
        dirty = false;
        published = Collections.unmodifiableMap(new LinkedHashMap<>(current));
        var cause = emptied ? Cause.ENDED : reloaded ? Cause.SNAPSHOT : Cause.CHANGES;
        var change = new ViewChange(List.copyOf(published.values()), cause, List.copyOf(pending));
        pending = new ArrayList<>();
        emptied = false;
        reloaded = false;
        if (cause == Cause.SNAPSHOT) {
            ready.complete(this);
        }
        for (var listener : listeners) {
            try {
                listener.accept(change);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "A listener of the view of '" + table + "' failed", e);
            }
        }
    }

    private String keyOf(JsonObject row) {
        if (keyColumns.size() == 1) {
            return Json.canonicalKey(row.getOrDefault(keyColumns.get(0), JsonValue.NULL));
        }
        var id = Json.PROVIDER.createObjectBuilder();
        for (var column : keyColumns) {
            id.add(column, row.getOrDefault(column, JsonValue.NULL));
        }
        return Json.canonicalKey(id.build());
    }
}
