package io.plank.web.socket;

import java.io.IOException;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.plank.domain.change.CaptureMode;
import io.plank.domain.change.ChangeEvent;
import io.plank.domain.filter.InvalidFilterException;
import io.plank.persistence.capture.CapturedTables;
import io.plank.persistence.changelog.ChangeLog;
import io.plank.persistence.db.ConnectionFailures;
import io.plank.health.ListenerMonitor;
import io.plank.persistence.rows.RowFilter;
import io.plank.persistence.rows.TableRows;
import io.plank.persistence.rows.TableShape;

/**
 * Every open WebSocket session and its subscriptions. It observes {@link ChangeEvent}s on the listener's
 * thread, so it only looks up the table's subscribers and queues the already serialised frame on each (see
 * {@link Fanout}); sending happens in {@link Subscriber}. It checks subscribe requests (table, filter typed
 * against the table's columns); a subscription resuming with {@code since} or asking for a snapshot is
 * brought up to the live stream on a worker thread by {@link CatchUp}.
 */
@ApplicationScoped
public class SessionRegistry implements Subscriber.Owner, CatchUp.Host {

    private static final Logger LOG = Logger.getLogger(SessionRegistry.class.getName());


    @Inject
    CapturedTables capturedTables;

    @Inject
    ChangeLog changeLog;

    @Inject
    ListenerMonitor listener;

    @Inject
    TableRows tableRows;

    @Inject
    @ConfigProperty(name = "plank.ws.send-queue-limit", defaultValue = "1000")
    int sendQueueLimit;

    @Inject
    @ConfigProperty(name = "plank.ws.max-subscriptions", defaultValue = "100")
    int maxSubscriptions;

    @Inject
    @ConfigProperty(name = "plank.snapshot.max-rows", defaultValue = "10000")
    int snapshotMaxRows;

    @Inject
    @ConfigProperty(name = "plank.snapshot.page-rows", defaultValue = "500")
    int snapshotPageRows;

    // By lookup name: the registry may be created on the listener's thread, outside this WAR's naming context.
    @Resource(lookup = "java:comp/DefaultManagedExecutorService")
    ManagedExecutorService executor;

    private final ConcurrentMap<String, Session> sessions = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Subscriber> subscribers = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Set<Subscriber>> byTable = new ConcurrentHashMap<>();
    private final LongAdder changesReceived = new LongAdder();
    private final ConcurrentMap<String, LongAdder> changesByTable = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, LongAdder> deliveriesByTable = new ConcurrentHashMap<>();
    private final LongAdder messagesDelivered = new LongAdder();
    private final LongAdder overflows = new LongAdder();

    private CatchUp catchUp;

    @PostConstruct
    void init() {
        catchUp = new CatchUp(changeLog, tableRows, new CatchUp.Limits(snapshotMaxRows, snapshotPageRows), this);
    }

    /** Created with the application, in the web module's context, not lazily by the first change event. */
    void start(@Observes @Initialized(ApplicationScoped.class) Object started) {
        LOG.fine("WebSocket session registry ready");
    }

    /** On undeploy or shutdown clients are told to go and come back (and resume), not left hanging. */
    @PreDestroy
    void closeAll() {
        var goingAway = new CloseReason(CloseReason.CloseCodes.GOING_AWAY, "Plank is stopping; reconnect and resume");
        for (Session session : sessions.values()) {
            try {
                session.close(goingAway);
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.FINE, "Closing session " + session.getId() + " on shutdown failed", e);
            }
        }
    }

    void onChange(@Observes ChangeEvent change) {
        changesReceived.increment();
        changesByTable.computeIfAbsent(change.table(), table -> new LongAdder()).increment();
        Set<Subscriber> watchers = byTable.get(change.table());
        if (watchers != null && !watchers.isEmpty()) {
            var fanout = new Fanout(change);
            int frames = 0;
            for (Subscriber subscriber : watchers) {
                frames += subscriber.deliver(fanout);
            }
            if (frames > 0) {
                deliveries(change.table()).add(frames);
            }
        }
    }

    public void open(Session session) {
        var subscriber = new Subscriber(session.getId(), session.getAsyncRemote(), sendQueueLimit, this);
        sessions.put(session.getId(), session);
        subscribers.put(session.getId(), subscriber);
        List<String> requested = session.getRequestParameterMap().getOrDefault("tables", List.of());
        requested.stream()
                .flatMap(value -> Arrays.stream(value.split(",")))
                .map(String::strip)
                .filter(table -> !table.isEmpty())
                .distinct()
                .forEach(table -> {
                    try {
                        subscribe(subscriber, ClientMessage.subscribe(table));
                    } catch (ProtocolError error) {
                        subscriber.send(error.frame());
                    }
                });
    }

    public void receive(Session session, String text) {
        Subscriber subscriber = subscribers.get(session.getId());
        if (subscriber == null) {
            return;
        }
        ClientMessage message = null;
        try {
            message = ClientMessage.parse(text);
            switch (message.type()) {
                case SUBSCRIBE -> subscribe(subscriber, message);
                case UNSUBSCRIBE -> unsubscribe(subscriber, message);
                case PING -> subscriber.send(Frames.PONG);
            }
        } catch (ProtocolError error) {
            subscriber.send(error.frame());
        } catch (RuntimeException e) {
            // Answered like the rest: thrown on, it would reach the container, which drops the connection's
            // subscriptions and leaves a socket that no longer answers.
            subscriber.send(failure(e, message).frame());
        }
    }

    /** A request that failed other than by the client's fault: the database away, or a bug (logged with an id). */
    private static ProtocolError failure(RuntimeException e, ClientMessage message) {
        String table = message == null ? null : message.table();
        String sub = message == null ? null : message.sub();
        if (ConnectionFailures.causedByConnectionFailure(e)) {
            LOG.log(Level.WARNING, "The database is unavailable for a WebSocket request", e);
            return new ProtocolError(ProtocolError.UNAVAILABLE, "The database is unavailable; try again in a few seconds", table, sub);
        }
        String incident = UUID.randomUUID().toString();
        LOG.log(Level.SEVERE, "Unexpected error on a WebSocket request, incident " + incident, e);
        return new ProtocolError(ProtocolError.INTERNAL_ERROR, "Unexpected error; the server log has incident " + incident, table, sub);
    }

    public void close(Session session) {
        sessions.remove(session.getId());
        Subscriber subscriber = subscribers.remove(session.getId());
        if (subscriber != null) {
            subscriber.close();
            for (Subscription subscription : subscriber.all()) {
                drop(subscriber, subscription);
            }
        }
    }

    private void subscribe(Subscriber subscriber, ClientMessage request) throws ProtocolError {
        String table = request.table();
        String sub = request.sub();
        Optional<CaptureMode> mode = capturedTables.mode(table);
        if (mode.isEmpty()) {
            throw notCaptured(table, sub);
        }
        if (request.snapshot() && mode.get() == CaptureMode.EPHEMERAL) {
            throw new ProtocolError(ProtocolError.SNAPSHOT_UNAVAILABLE, "Table '" + table
                    + "' is captured ephemerally, so a snapshot cannot be lined up with its changes; capture it durably", table, sub);
        }
        if (subscriber.get(Subscription.Key.of(sub, table)) == null && subscriber.count() >= maxSubscriptions) {
            throw new ProtocolError(ProtocolError.TOO_MANY_SUBSCRIPTIONS, "A connection has at most " + maxSubscriptions
                    + " subscriptions (plank.ws.max-subscriptions); unsubscribe from one first", table, sub);
        }
        TableShape shape = request.filter() != null || request.snapshot() ? shape(table, sub) : null;
        RowFilter filter = request.filter() == null ? RowFilter.ALL : filter(shape, request, sub);

        if (mode.get() == CaptureMode.EPHEMERAL) {
            watch(subscriber, Subscription.live(sub, table, filter));
            subscriber.send(Frames.subscribed(table, sub));
            if (request.since() != null) {
                subscriber.send(Frames.reset(table, sub, "Table '" + table + "' is captured ephemerally: missed changes cannot be replayed"));
            }
            return;
        }
        if (request.since() == null && !request.snapshot()) {
            watch(subscriber, Subscription.live(sub, table, filter));
            subscriber.send(Frames.subscribed(table, sub, listener.status().lastSeq()));
            return;
        }
        long since = request.since() == null ? 0 : request.since();
        var subscription = Subscription.catchingUp(sub, table, filter, since, sendQueueLimit);
        watch(subscriber, subscription);
        // Read after the subscription is in place: every change the listener hands on after this point is held.
        long upTo = listener.status().lastSeq();
        subscriber.send(Frames.subscribed(table, sub, upTo));
        if (request.snapshot()) {
            executor.execute(() -> catchUp.snapshot(subscriber, subscription, shape, upTo));
        } else {
            executor.execute(() -> catchUp.replay(subscriber, subscription, since, upTo));
        }
    }

    private TableShape shape(String table, String sub) throws ProtocolError {
        try {
            return tableRows.shape(table).orElseThrow(() -> notCaptured(table, sub));
        } catch (SQLException e) {
            LOG.log(Level.WARNING, "Could not read the columns of '" + table + "'", e);
            throw new ProtocolError(ProtocolError.UNAVAILABLE, "Could not read table '" + table + "' now; try again", table, sub);
        }
    }

    private static ProtocolError notCaptured(String table, String sub) {
        return new ProtocolError(ProtocolError.UNKNOWN_TABLE, "Table '" + Frames.abbreviate(table) + "' is not captured by Plank", null, sub);
    }

    private RowFilter filter(TableShape shape, ClientMessage request, String sub) throws ProtocolError {
        try {
            return tableRows.filter(shape, request.filter());
        } catch (InvalidFilterException e) {
            throw new ProtocolError(ProtocolError.INVALID_FILTER, e.getMessage(), request.table(), sub);
        } catch (SQLException e) {
            LOG.log(Level.WARNING, "Could not check a filter on '" + request.table() + "'", e);
            throw new ProtocolError(ProtocolError.UNAVAILABLE, "Could not check the filter now; try again", request.table(), sub);
        }
    }

    /** A subscription whose snapshot failed is removed (unless the client replaced it meanwhile) and the client told. */
    @Override
    public void abandon(Subscriber subscriber, Subscription subscription, ProtocolError error) {
        synchronized (subscriber) {
            if (subscriber.removeIfCurrent(subscription)) {
                subscription.cancel();
                unroute(subscriber, subscription.table());
            }
        }
        subscriber.send(error.frame());
    }

    private void watch(Subscriber subscriber, Subscription subscription) {
        synchronized (subscriber) {
            Subscription replaced = subscriber.put(subscription);
            if (replaced != null) {
                replaced.cancel();
                unroute(subscriber, replaced.table());
            }
            byTable.computeIfAbsent(subscription.table(), name -> ConcurrentHashMap.newKeySet()).add(subscriber);
        }
    }

    private void drop(Subscriber subscriber, Subscription subscription) {
        subscription.cancel();
        synchronized (subscriber) {
            unroute(subscriber, subscription.table());
        }
    }

    /** Stops routing {@code table}'s changes to a subscriber that no longer watches it. Called holding the subscriber's monitor. */
    private void unroute(Subscriber subscriber, String table) {
        Set<Subscriber> watchers = byTable.get(table);
        if (watchers != null && (subscriber.closed() || !subscriber.watches(table))) {
            watchers.remove(subscriber);
        }
    }

    private void unsubscribe(Subscriber subscriber, ClientMessage request) throws ProtocolError {
        if (request.sub() != null) {
            Subscription removed = subscriber.remove(Subscription.Key.of(request.sub(), null));
            if (removed == null) {
                throw new ProtocolError(ProtocolError.UNKNOWN_SUBSCRIPTION,
                        "No subscription '" + Frames.abbreviate(request.sub()) + "' on this connection", null, request.sub());
            }
            drop(subscriber, removed);
            subscriber.send(Frames.unsubscribed(removed.table(), removed.sub()));
            return;
        }
        for (Subscription removed : subscriber.removeTable(request.table())) {
            drop(subscriber, removed);
        }
        subscriber.send(Frames.unsubscribed(request.table(), null));
    }

    @Override
    public void delivered(Subscription subscription, int frames) {
        if (frames > 0) {
            deliveries(subscription.table()).add(frames);
        }
    }

    private LongAdder deliveries(String table) {
        return deliveriesByTable.computeIfAbsent(table, name -> new LongAdder());
    }

    @Override
    public void delivered() {
        messagesDelivered.increment();
    }

    @Override
    public void overflowed(Subscriber subscriber) {
        overflows.increment();
        LOG.warning(() -> "Session " + subscriber.id() + " fell " + sendQueueLimit + " messages behind; closing it");
        closeLater(subscriber, new CloseReason(CloseReason.CloseCodes.TRY_AGAIN_LATER, "Too slow: send queue full"));
    }

    @Override
    public void failed(Subscriber subscriber, Throwable cause) {
        LOG.log(Level.FINE, "Send to session " + subscriber.id() + " failed; dropping it", cause);
        closeLater(subscriber, new CloseReason(CloseReason.CloseCodes.UNEXPECTED_CONDITION, "Send failed"));
    }

    /** Closing writes to the socket, so it never runs on the thread that found the problem (often the listener's). */
    @Override
    public void closeLater(Subscriber subscriber, CloseReason reason) {
        Session session = sessions.get(subscriber.id());
        if (session == null) {
            return;
        }
        close(session);
        executor.execute(() -> {
            try {
                session.close(reason);
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.FINE, "Closing session " + subscriber.id() + " failed", e);
            }
        });
    }

    /** How many changes of {@code table} this instance has received since it started. */
    public long changesOf(String table) {
        LongAdder changes = changesByTable.get(table);
        return changes == null ? 0 : changes.sum();
    }

    /** How many change frames of {@code table} this instance has queued to clients since it started. */
    public long deliveriesOf(String table) {
        LongAdder deliveries = deliveriesByTable.get(table);
        return deliveries == null ? 0 : deliveries.sum();
    }

    /** A consistent-enough view for the status resource. */
    public RegistryStatus status() {
        Map<String, Integer> perTable = new TreeMap<>();
        byTable.forEach((table, watchers) -> perTable.put(table, watchers.size()));
        return new RegistryStatus(subscribers.size(), perTable, changesReceived.sum(), messagesDelivered.sum(), overflows.sum());
    }

    /** Counts for {@code /api/status}. */
    public record RegistryStatus(int sessions, Map<String, Integer> subscriptions, long changesReceived,
                                 long messagesDelivered, long overflows) {
    }
}
