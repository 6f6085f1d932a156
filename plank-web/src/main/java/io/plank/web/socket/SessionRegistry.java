package io.plank.web.socket;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

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
import io.plank.persistence.capture.CapturedTables;
import io.plank.persistence.changelog.ChangeLog;
import io.plank.persistence.feed.ListenerMonitor;

/**
 * Every open WebSocket session and the tables it watches. It observes {@link ChangeEvent}s on the
 * listener's thread, so it only looks up the table's subscribers and queues the already serialised
 * frame on each; sending happens in {@link Subscriber}. A client resuming with {@code since} is fed
 * from the change log on a worker thread first (see {@link Subscription} for the seam).
 */
@ApplicationScoped
public class SessionRegistry implements Subscriber.Owner {

    private static final Logger LOG = Logger.getLogger(SessionRegistry.class.getName());

    static final int REPLAY_PAGE = 200;
    private static final int REPLAY_ATTEMPTS = 3;
    private static final long ROOM_WAIT_MS = 5;

    @Inject
    CapturedTables capturedTables;

    @Inject
    ChangeLog changeLog;

    @Inject
    ListenerMonitor listener;

    @Inject
    @ConfigProperty(name = "plank.ws.send-queue-limit", defaultValue = "1000")
    int sendQueueLimit;

    // By lookup name: the registry may be created on the listener's thread, outside this WAR's naming context.
    @Resource(lookup = "java:comp/DefaultManagedExecutorService")
    ManagedExecutorService executor;

    private final ConcurrentMap<String, Session> sessions = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Subscriber> subscribers = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Set<Subscriber>> byTable = new ConcurrentHashMap<>();
    private final LongAdder changesReceived = new LongAdder();
    private final ConcurrentMap<String, LongAdder> changesByTable = new ConcurrentHashMap<>();
    private final LongAdder messagesDelivered = new LongAdder();
    private final LongAdder overflows = new LongAdder();

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
        if (watchers != null) {
            for (Subscriber subscriber : watchers) {
                subscriber.deliver(change);
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
                .forEach(table -> subscribe(subscriber, table, null));
    }

    public void receive(Session session, String text) {
        Subscriber subscriber = subscribers.get(session.getId());
        if (subscriber == null) {
            return;
        }
        try {
            ClientMessage message = ClientMessage.parse(text);
            switch (message.type()) {
                case SUBSCRIBE -> subscribe(subscriber, message.table(), message.since());
                case UNSUBSCRIBE -> unsubscribe(subscriber, message.table());
                case PING -> subscriber.send(Frames.PONG);
            }
        } catch (ProtocolError error) {
            subscriber.send(Frames.error(error.code(), error.getMessage()));
        }
    }

    public void close(Session session) {
        sessions.remove(session.getId());
        Subscriber subscriber = subscribers.remove(session.getId());
        if (subscriber != null) {
            subscriber.close();
            for (Subscription subscription : subscriber.subscriptions().values()) {
                subscription.cancel();
                Set<Subscriber> watchers = byTable.get(subscription.table());
                if (watchers != null) {
                    watchers.remove(subscriber);
                }
            }
        }
    }

    private void subscribe(Subscriber subscriber, String table, Long since) {
        Optional<CaptureMode> mode = capturedTables.mode(table);
        if (mode.isEmpty()) {
            subscriber.send(Frames.error(ProtocolError.UNKNOWN_TABLE,
                    "Table '" + Frames.abbreviate(table) + "' is not captured by Plank"));
            return;
        }
        drop(subscriber, table);
        if (mode.get() == CaptureMode.EPHEMERAL) {
            watch(subscriber, Subscription.live(table));
            subscriber.send(Frames.subscribed(table));
            if (since != null) {
                subscriber.send(Frames.reset(table, "Table '" + table + "' is captured ephemerally: missed changes cannot be replayed"));
            }
            return;
        }
        if (since == null) {
            watch(subscriber, Subscription.live(table));
            subscriber.send(Frames.subscribed(table, listener.status().lastSeq()));
            return;
        }
        var subscription = Subscription.resuming(table, since, sendQueueLimit);
        watch(subscriber, subscription);
        // Read after the subscription is in place: every change the listener hands on after this point is held.
        long upTo = listener.status().lastSeq();
        subscriber.send(Frames.subscribed(table, upTo));
        executor.execute(() -> catchUp(subscriber, subscription, since, upTo));
    }

    /**
     * Replays the log after {@code since} up to {@code upTo}, then lets the live changes through. A failed read
     * (a pooled connection that died with a database restart, say) is tried again: the subscription drops what
     * it already sent, so a retry from the start loses and repeats nothing.
     */
    private void catchUp(Subscriber subscriber, Subscription subscription, long since, long upTo) {
        for (int attempt = 1; ; attempt++) {
            try {
                replay(subscriber, subscription, since, upTo);
                return;
            } catch (RuntimeException e) {
                if (attempt == REPLAY_ATTEMPTS) {
                    LOG.log(Level.WARNING, "Could not replay '" + subscription.table() + "' for session " + subscriber.id(), e);
                    closeLater(subscriber, new CloseReason(CloseReason.CloseCodes.UNEXPECTED_CONDITION, "Could not replay the change log"));
                    return;
                }
                LOG.log(Level.FINE, "Replay attempt " + attempt + " failed; trying again", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void replay(Subscriber subscriber, Subscription subscription, long since, long upTo) throws InterruptedException {
        long after = since;
        while (after < upTo && !subscription.cancelled() && !subscriber.closed()) {
            List<ChangeLog.Entry> page = changeLog.changes(subscription.table(), after, upTo, REPLAY_PAGE);
            // Checked after each read: the pruner deletes oldest first and raises the watermark in the same
            // transaction, so a page that lost entries to it is always followed by a watermark above since.
            if (since < changeLog.prunedThrough()) {
                subscriber.send(Frames.reset(subscription.table(),
                        "Changes after seq " + since + " are no longer retained: reload '" + subscription.table() + "'"));
                subscription.restartAt(upTo, subscriber);
                subscriber.flush();
                return;
            }
            if (page.isEmpty()) {
                break;
            }
            awaitRoom(subscriber);
            for (ChangeLog.Entry entry : page) {
                subscription.replay(entry.seq(), entry.frame(), subscriber);
            }
            subscriber.flush();
            after = page.get(page.size() - 1).seq();
        }
        subscription.goLive(subscriber);
        subscriber.flush();
    }

    /** Replay goes no faster than the client reads: wait until half the outbox is free. */
    private static void awaitRoom(Subscriber subscriber) throws InterruptedException {
        while (subscriber.queued() > subscriber.limit() / 2 && !subscriber.closed()) {
            Thread.sleep(ROOM_WAIT_MS);
        }
    }

    private void watch(Subscriber subscriber, Subscription subscription) {
        subscriber.subscriptions().put(subscription.table(), subscription);
        byTable.computeIfAbsent(subscription.table(), name -> ConcurrentHashMap.newKeySet()).add(subscriber);
    }

    private void drop(Subscriber subscriber, String table) {
        Subscription old = subscriber.subscriptions().remove(table);
        if (old != null) {
            old.cancel();
        }
        Set<Subscriber> watchers = byTable.get(table);
        if (watchers != null) {
            watchers.remove(subscriber);
        }
    }

    private void unsubscribe(Subscriber subscriber, String table) {
        drop(subscriber, table);
        subscriber.send(Frames.unsubscribed(table));
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
    private void closeLater(Subscriber subscriber, CloseReason reason) {
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
