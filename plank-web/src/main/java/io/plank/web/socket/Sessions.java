package io.plank.web.socket;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;

import io.plank.web.limits.ConnectionsPerAddress;
import io.plank.web.security.Access;
import io.plank.web.security.Caller;
import io.plank.web.socket.catchup.CatchUp;
import io.plank.web.socket.fanout.Client;
import io.plank.web.socket.fanout.Router;
import io.plank.web.socket.fanout.SessionInfo;
import io.plank.web.socket.fanout.Subscription;
import io.plank.web.socket.outbox.Backlog;
import io.plank.web.socket.outbox.EventStreamTransport;
import io.plank.web.socket.outbox.Message;
import io.plank.web.socket.outbox.Outbox;
import io.plank.web.socket.outbox.Transport;
import io.plank.web.socket.outbox.WebSocketTransport;
import io.plank.web.socket.protocol.SocketSettings;

/**
 * The open connections. Opens a {@link Client} per WebSocket session or event stream and closes it: when the client leaves, when
 * its outbox gives up, when it stops reading for {@code plank.ws.stall-timeout-ms} with something to read, or when
 * all clients together hold more than {@code plank.ws.total-queue-chars} ({@link BacklogRelief}). Every close for
 * being too slow uses 1013 (try again later), so the client reconnects and resumes. A client that reads but falls
 * behind a durable table's changes is not closed: it reads on from the log ({@link #fellBehind}).
 */
@ApplicationScoped
public class Sessions {

    private static final Logger LOG = Logger.getLogger(Sessions.class.getName());
    private static final long STALL_CHECK_SECONDS = 1;
    /**
     * A connection with nothing to send gets a sign of life this often (an event stream a comment, a WebSocket a ping),
     * so that proxies keep it and a client that has gone is noticed.
     */
    private static final long KEEP_ALIVE_SECONDS = 15;
    /** The close code of a connection whose token expired without a fresh one (4401: 401's meaning, in the private range). */
    static final CloseReason.CloseCode TOKEN_EXPIRED = CloseReason.CloseCodes.getCloseCode(4401);

    @Inject
    Router router;

    @Inject
    SocketSettings settings;

    @Inject
    Access access;

    @Inject
    ConnectionsPerAddress connections;

    @Inject
    CatchUp catchUp;

    // By lookup name: the bean may be created on the listener's thread, outside this WAR's naming context.
    @Resource(lookup = "java:comp/DefaultManagedExecutorService")
    ManagedExecutorService executor;

    @Resource(lookup = "java:comp/DefaultManagedScheduledExecutorService")
    ManagedScheduledExecutorService scheduler;

    @Resource(lookup = "java:comp/DefaultManagedThreadFactory")
    ManagedThreadFactory threads;


    private final ConcurrentMap<String, Client> clients = new ConcurrentHashMap<>();
    private final LongAdder closedTooSlow = new LongAdder();
    private final LongAdder fellBehind = new LongAdder();
    private Backlog backlog;
    private ExecutorService senders;
    private ExecutorService streamWriters;
    private ScheduledFuture<?> stallChecks;
    private ScheduledFuture<?> keepAlives;

    @PostConstruct
    void init() {
        // A few threads of Plank's own start every client's sending: never the listener's, never a request's.
        senders = Executors.newFixedThreadPool(settings.senders(), runnable -> {
            Thread thread = threads.newThread(runnable);
            thread.setName("plank-sender-" + thread.getId());
            return thread;
        });
        // An event stream's write may block until its client reads: each stream writes on a thread of its own while it does.
        streamWriters = Executors.newCachedThreadPool(runnable -> {
            Thread thread = threads.newThread(runnable);
            thread.setName("plank-stream-writer-" + thread.getId());
            return thread;
        });
        var relief = new BacklogRelief(clients::values, this::closeLater, scheduler, executor);
        backlog = new Backlog(settings.totalQueueChars(), () -> executor.execute(() -> relief.relieve(backlog)));
        long stallNanos = TimeUnit.MILLISECONDS.toNanos(settings.stallTimeoutMs());
        stallChecks = scheduler.scheduleWithFixedDelay(() -> closeStalledOrExpired(stallNanos, Instant.now()),
                STALL_CHECK_SECONDS, STALL_CHECK_SECONDS, TimeUnit.SECONDS);
        keepAlives = scheduler.scheduleWithFixedDelay(this::keepAlive, KEEP_ALIVE_SECONDS, KEEP_ALIVE_SECONDS, TimeUnit.SECONDS);
    }

    /** Created with the application, in the web module's context, not lazily by the first connection. */
    void start(@Observes @Initialized(ApplicationScoped.class) Object started) {
        LOG.fine("WebSocket sessions ready");
    }

    /** On undeploy or shutdown clients are told to go and come back (and resume), not left hanging. */
    @PreDestroy
    void closeAll() {
        for (ScheduledFuture<?> task : new ScheduledFuture<?>[] {stallChecks, keepAlives}) {
            if (task != null) {
                task.cancel(false);
            }
        }
        var goingAway = new CloseReason(CloseReason.CloseCodes.GOING_AWAY, "Plank is stopping; reconnect and resume");
        for (Client client : clients.values()) {
            close(client.id());
            client.transport().close(goingAway);
        }
        senders.shutdownNow();
        streamWriters.shutdown(); // lets the closes just queued run
    }

    /**
     * A WebSocket client, anonymous until it authenticates; one that connected with {@code ?batch=true} takes several
     * messages as one JSON array (see {@link Outbox}). Its handshake was counted against {@code address}
     * ({@link io.plank.web.limits.WebSocketConnectionLimit}); null if it was not.
     */
    Client open(Session session, String address, String handshake) {
        // Counted by the filter: the session gives the count back at its close, unless the handshake's was given back
        // already (it took longer than the grace to open).
        boolean counted = handshake != null && connections.opened(handshake);
        return register(new WebSocketTransport(session), access.anonymous(), counted ? address : null);
    }

    /**
     * An event stream's client for {@code caller}, whose one subscription starts as {@code start} says; null, opening
     * nothing, if {@code address} already holds {@code plank.ws.max-connections-per-address} connections.
     */
    Client openStream(SseEventSink sink, Sse sse, EventStreamTransport.Start start, Caller caller, String address) {
        if (!connections.acquire(address)) {
            return null;
        }
        return register(new EventStreamTransport("stream-" + UUID.randomUUID(), sink, sse, streamWriters, start), caller, address);
    }

    /** The connection is counted against {@code address} (unless null); {@link #close} uncounts it, once, however it ends. */
    private Client register(Transport transport, Caller caller, String address) {
        var client = new Client[1];
        var outbox = new Outbox(transport, new Outbox.Limits(settings.sendQueueLimit(), settings.sendQueueChars()), backlog, senders, reason -> closeLater(client[0], reason));
        client[0] = new Client(outbox, caller, address, this::fellBehind);
        clients.put(transport.id(), client[0]);
        return client[0];
    }

    /** Forgets the client: its outbox closes, its subscriptions end and its address holds one connection fewer. */
    void close(String id) {
        Client client = clients.remove(id);
        if (client != null) {
            if (client.address() != null) {
                connections.release(client.address());
            }
            client.close();
            for (Subscription subscription : client.all()) {
                subscription.end();
                router.unroute(client, subscription.table());
            }
        }
    }

    /**
     * A live subscription let durable changes go because its client had no room for them (a burst, a bulk write): it
     * reads them from the log, as fast as the client takes them, and goes live again; a client that reads is not closed
     * for a burst. One that stops reading is closed by the stall check.
     */
    private void fellBehind(Client client, Subscription subscription) {
        fellBehind.increment();
        LOG.fine(() -> "Session " + client.id() + " fell behind '" + subscription.table() + "'; reading on from the log after seq "
                + subscription.lastSeq());
        catchUp.resume(client, subscription);
    }

    /** Closing writes to the socket, so it never runs on the thread that found the problem (often the listener's). */
    public void closeLater(Client client, CloseReason reason) {
        if (clients.get(client.id()) != client) {
            return;
        }
        if (reason.getCloseCode() == CloseReason.CloseCodes.TRY_AGAIN_LATER) {
            closedTooSlow.increment();
            LOG.warning(() -> "Closing session " + client.id() + ": " + reason.getReasonPhrase());
        } else {
            LOG.fine(() -> "Closing session " + client.id() + ": " + reason.getReasonPhrase());
        }
        close(client.id());
        executor.execute(() -> client.transport().close(reason));
    }

    /**
     * Once a second, one pass over the connections: one that stopped reading is closed with 1013; one whose token has
     * expired with {@link #TOKEN_EXPIRED} (its client reconnects with a fresh token and resumes with {@code since}). No
     * timer per connection. Handshakes counted that never opened give their count back first.
     */
    private void closeStalledOrExpired(long stallNanos, Instant now) {
        connections.releaseUnopened(System.nanoTime());
        for (Client client : clients.values()) {
            if (client.outbox().stalledFor(stallNanos)) {
                closeLater(client, new CloseReason(CloseReason.CloseCodes.TRY_AGAIN_LATER, "Too slow: stopped reading"));
            } else if (client.caller().expired(now)) {
                closeLater(client, new CloseReason(TOKEN_EXPIRED, "Token expired; reconnect with a fresh token and resume with since"));
            }
        }
    }

    private void keepAlive() {
        for (Client client : clients.values()) {
            if (!client.transport().open()) { // ended under us, unannounced (Undertow, a client gone at the handshake)
                closeLater(client, new CloseReason(CloseReason.CloseCodes.GOING_AWAY, "Connection gone"));
            } else if (client.outbox().queued() == 0) {
                client.outbox().send(Message.KEEP_ALIVE);
            }
        }
    }

    Backlog backlog() {
        return backlog;
    }

    /** The open connections, oldest first, as operators see them. */
    public List<SessionInfo> list() {
        return clients.values().stream().sorted(Comparator.comparing(Client::openedAt)).map(Client::info).toList();
    }

    /**
     * Closes connection {@code id} with 1008 (policy violation), which Plank's JavaScript client takes as final and does
     * not retry: an operator who disconnects a client wants it gone, not back in a second. False if no such connection.
     */
    public boolean disconnect(String id) {
        Client client = clients.get(id);
        if (client == null) {
            return false;
        }
        LOG.info(() -> "Session " + id + " disconnected by an operator");
        closeLater(client, new CloseReason(CloseReason.CloseCodes.VIOLATED_POLICY, "Disconnected by an operator"));
        return true;
    }

    public int count() {
        return clients.size();
    }

    public long closedTooSlow() {
        return closedTooSlow.sum();
    }

    /** How often a live subscription's client fell behind and read on from the log instead of being closed. */
    public long fellBehind() {
        return fellBehind.sum();
    }

    public long messagesDelivered() {
        return backlog.messagesDelivered();
    }

    /** What all clients together have waiting in the heap, in characters of JSON text. */
    public long backlogChars() {
        return backlog.chars();
    }

    /** Past this, the clients holding the most are closed ({@code plank.ws.total-queue-chars}). */
    public long backlogLimitChars() {
        return backlog.limit();
    }
}
