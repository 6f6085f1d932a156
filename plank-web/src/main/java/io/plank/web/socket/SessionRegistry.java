package io.plank.web.socket;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.plank.domain.change.ChangeEvent;
import io.plank.persistence.capture.CapturedTables;

/**
 * Every open WebSocket session and the tables it watches. It observes {@link ChangeEvent}s on the
 * listener's thread, so it only looks up the table's subscribers and queues the already serialised
 * frame on each; sending happens in {@link Subscriber}.
 */
@ApplicationScoped
public class SessionRegistry implements Subscriber.Owner {

    private static final Logger LOG = Logger.getLogger(SessionRegistry.class.getName());

    @Inject
    CapturedTables capturedTables;

    @Inject
    @ConfigProperty(name = "plank.ws.send-queue-limit", defaultValue = "1000")
    int sendQueueLimit;

    @Resource
    ManagedExecutorService executor;

    private final ConcurrentMap<String, Session> sessions = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Subscriber> subscribers = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Set<Subscriber>> byTable = new ConcurrentHashMap<>();
    private final LongAdder changesReceived = new LongAdder();
    private final LongAdder messagesDelivered = new LongAdder();
    private final LongAdder overflows = new LongAdder();

    void onChange(@Observes ChangeEvent change) {
        changesReceived.increment();
        Set<Subscriber> watchers = byTable.get(change.table());
        if (watchers != null) {
            for (Subscriber subscriber : watchers) {
                subscriber.send(change.frame());
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
                .forEach(table -> subscribe(subscriber, table));
    }

    public void receive(Session session, String text) {
        Subscriber subscriber = subscribers.get(session.getId());
        if (subscriber == null) {
            return;
        }
        try {
            ClientMessage message = ClientMessage.parse(text);
            switch (message.type()) {
                case SUBSCRIBE -> subscribe(subscriber, message.table());
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
            for (String table : subscriber.tables()) {
                Set<Subscriber> watchers = byTable.get(table);
                if (watchers != null) {
                    watchers.remove(subscriber);
                }
            }
        }
    }

    private void subscribe(Subscriber subscriber, String table) {
        if (!capturedTables.contains(table)) {
            subscriber.send(Frames.error(ProtocolError.UNKNOWN_TABLE,
                    "Table '" + Frames.abbreviate(table) + "' is not captured by Plank"));
            return;
        }
        subscriber.tables().add(table);
        byTable.computeIfAbsent(table, name -> ConcurrentHashMap.newKeySet()).add(subscriber);
        subscriber.send(Frames.subscribed(table));
    }

    private void unsubscribe(Subscriber subscriber, String table) {
        subscriber.tables().remove(table);
        Set<Subscriber> watchers = byTable.get(table);
        if (watchers != null) {
            watchers.remove(subscriber);
        }
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
