package io.plank.web.socket.fanout;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import jakarta.websocket.CloseReason;

import io.plank.web.security.Caller;
import io.plank.web.socket.outbox.Message;
import io.plank.web.socket.outbox.Outbox;
import io.plank.web.socket.outbox.Transport;
import io.plank.web.socket.protocol.Relation;

/**
 * One connected client, over a WebSocket or an event stream ({@link Transport}): its subscriptions, its {@link Outbox}, and its catch-ups (snapshots and replays), which
 * run one at a time so that a client asking for many gets them in turn and holds at most one in memory.
 */
public final class Client {

    /** The kinds of news a change can be to a subscription, each sent as its own frame. */
    private static final Relation[] SENT = {Relation.CHANGE, Relation.LEAVE, Relation.ENTER, Relation.WITHDRAW};

    private final Instant openedAt = Instant.now();
    private final Outbox outbox;
    /** The address it connected from, as the server saw it: what {@code plank.ws.max-connections-per-address} counts. */
    private final String address;
    /** Who is on the other end: anonymous until an {@code auth} message (or an event stream's header) says otherwise. */
    private volatile Caller caller;
    private final Map<Subscription.Key, Subscription> subscriptions = new HashMap<>();
    /** The subscriptions by table, rebuilt on every change to them (rare) so that delivery reads it without a lock. */
    private volatile Map<String, Subscription[]> byTable = Map.of();
    private final Queue<Runnable> catchUps = new ArrayDeque<>();
    private boolean catchingUp;
    /** Told of each live subscription that let changes go because this client had no room for them: it replays them. */
    private final BiConsumer<Client, Subscription> fellBehind;

    /**
     * @param fellBehind told, on the listener's thread, of a live subscription that let a durable change go because
     *                   the outbox had no {@link Outbox#roomForLive room} for it; it starts the replay that brings the
     *                   subscription back (see {@link Subscription.State#LET_GO}), without waiting for it
     */
    public Client(Outbox outbox, Caller caller, String address, BiConsumer<Client, Subscription> fellBehind) {
        this.outbox = outbox;
        this.caller = caller;
        this.address = address;
        this.fellBehind = fellBehind;
    }

    public Caller caller() {
        return caller;
    }

    /** The connection's caller from now on: a first token, or a fresh one for the same subject. */
    public void authenticate(Caller caller) {
        this.caller = caller;
    }

    public String address() {
        return address;
    }

    public String id() {
        return outbox.transport().id();
    }

    public Transport transport() {
        return outbox.transport();
    }

    public Instant openedAt() {
        return openedAt;
    }

    /** What operators see of this connection now. */
    public SessionInfo info() {
        List<SessionInfo.Sub> subs = all().stream().map(Subscription::info)
                .sorted(Comparator.comparing(SessionInfo.Sub::table).thenComparing(sub -> String.valueOf(sub.sub())))
                .toList();
        return new SessionInfo(id(), caller.getName(), transport().kind(), address, openedAt.toString(), outbox.batches(), outbox.queued(), outbox.backlogChars(),
                TimeUnit.NANOSECONDS.toMillis(outbox.waitingNanos()), subs);
    }

    public Outbox outbox() {
        return outbox;
    }

    public boolean closed() {
        return outbox.closed();
    }

    public long backlogChars() {
        return outbox.backlogChars();
    }

    /** Queues a message and starts sending. */
    public void send(String text) {
        outbox.send(Message.of(text));
    }

    /** Adds or replaces (same id, or for the plain form the same table) a subscription; returns the one replaced. */
    public synchronized Subscription put(Subscription subscription) {
        Subscription replaced = subscriptions.put(subscription.key(), subscription);
        reindex();
        return replaced;
    }

    public synchronized Subscription remove(Subscription.Key key) {
        Subscription removed = subscriptions.remove(key);
        reindex();
        return removed;
    }

    /** Removes {@code subscription} unless it was replaced meanwhile; true if it was removed. */
    public synchronized boolean removeIfCurrent(Subscription subscription) {
        boolean removed = subscriptions.remove(subscription.key(), subscription);
        reindex();
        return removed;
    }

    /** Removes every subscription to {@code table}, plain or with an id. */
    public synchronized List<Subscription> removeTable(String table) {
        List<Subscription> removed = List.of(byTable.getOrDefault(table, new Subscription[0]));
        removed.forEach(subscription -> subscriptions.remove(subscription.key()));
        reindex();
        return removed;
    }

    public synchronized Subscription get(Subscription.Key key) {
        return subscriptions.get(key);
    }

    public synchronized List<Subscription> all() {
        return List.copyOf(subscriptions.values());
    }

    public synchronized int count() {
        return subscriptions.size();
    }

    boolean watches(String table) {
        return byTable.containsKey(table);
    }

    private void reindex() {
        Map<String, List<Subscription>> index = new HashMap<>();
        subscriptions.values().forEach(subscription -> index.computeIfAbsent(subscription.table(), table -> new ArrayList<>()).add(subscription));
        Map<String, Subscription[]> fresh = new HashMap<>();
        index.forEach((table, list) -> fresh.put(table, list.toArray(Subscription[]::new)));
        byTable = fresh;
    }

    /**
     * Passes a change to this client's subscriptions of its table. Subscriptions it reaches the same way share one
     * frame that names their ids, so a client gets each change once per kind of news (a change, a row leaving a
     * filter, a row entering one). A subscription it does not reach may be owed a {@code tx_end} (see
     * {@link Subscription}). A client without room for more live changes reads the durable ones from the log instead
     * ({@link Subscription.Offer#BEHIND}). Returns how many change frames were queued.
     */
    public int deliver(Fanout change) {
        Subscription[] watching = byTable.get(change.change().table());
        if (watching == null) {
            return 0;
        }
        boolean room = outbox.roomForLive();
        int queued = 0;
        if (watching.length == 1) {
            Subscription only = watching[0];
            Relation relation = only.relate(change);
            queued = offer(only, change, relation, room) ? send(change, relation, only.ids()) : 0;
        } else {
            Relation[] relations = new Relation[watching.length];
            for (int i = 0; i < watching.length; i++) {
                relations[i] = watching[i].relate(change);
            }
            for (Relation relation : SENT) {
                List<String> ids = new ArrayList<>();
                boolean any = false;
                for (int i = 0; i < watching.length; i++) {
                    if (relations[i] == relation && offer(watching[i], change, relation, room)) {
                        any = true;
                        if (watching[i].sub() != null) {
                            ids.add(watching[i].sub());
                        }
                    }
                }
                queued += any ? send(change, relation, ids) : 0;
            }
            if (Subscription.mayEndTx(change)) {
                for (int i = 0; i < watching.length; i++) {
                    if (relations[i] == Relation.NONE) {
                        offer(watching[i], change, Relation.NONE, room);
                    }
                }
            }
        }
        outbox.flush();
        return queued;
    }

    private boolean offer(Subscription subscription, Fanout change, Relation relation, boolean room) {
        return switch (subscription.offer(change, relation, room)) {
            case SEND -> true;
            case SKIP, HELD -> false;
            case BEHIND -> {
                fellBehind.accept(this, subscription);
                yield false;
            }
            case END -> {
                outbox.offer(subscription.txEnd(change));
                yield false;
            }
            case OVERFLOW -> {
                outbox.giveUp(new CloseReason(CloseReason.CloseCodes.TRY_AGAIN_LATER, "Too slow: too many changes held while catching up"));
                yield false;
            }
        };
    }

    private int send(Fanout change, Relation relation, List<String> ids) {
        return outbox.offer(change.frame(relation, ids)) ? 1 : 0;
    }

    /** Runs {@code catchUp} now if no other is under way, else after those before it; each ends with {@link #catchUpDone}. */
    public void catchUp(Runnable catchUp) {
        synchronized (catchUps) {
            if (catchingUp) {
                catchUps.add(catchUp);
                return;
            }
            catchingUp = true;
        }
        catchUp.run();
    }

    /** The current catch-up has ended (finished, failed or abandoned): the next one starts. */
    public void catchUpDone() {
        Runnable next;
        synchronized (catchUps) {
            next = closed() ? null : catchUps.poll();
            if (next == null) {
                catchUps.clear();
                catchingUp = false;
                return;
            }
        }
        next.run();
    }

    /** Drops the outbox; subscriptions end with the caller. */
    public void close() {
        outbox.close();
        synchronized (catchUps) {
            catchUps.clear();
        }
    }
}
