package io.plank.web.socket;

import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.websocket.CloseReason;

import io.plank.domain.change.CaptureMode;
import io.plank.domain.change.TableName;
import io.plank.domain.change.TableReleased;
import io.plank.domain.filter.InvalidFilterException;
import io.plank.domain.text.Excerpt;
import io.plank.health.ListenerMonitor;
import io.plank.persistence.capture.CapturedTable;
import io.plank.persistence.capture.CapturedTables;
import io.plank.persistence.db.ConnectionFailures;
import io.plank.persistence.rows.RowFilter;
import io.plank.persistence.rows.TableRows;
import io.plank.persistence.rows.TableShape;
import io.plank.web.security.Access;
import io.plank.web.security.Caller;
import io.plank.web.security.InvalidTokenException;
import io.plank.web.security.TokenVerifier;
import io.plank.web.socket.catchup.CatchUp;
import io.plank.web.socket.fanout.Client;
import io.plank.web.socket.fanout.Router;
import io.plank.web.socket.fanout.Subscription;
import io.plank.web.socket.protocol.ClientMessage;
import io.plank.web.socket.protocol.Ending;
import io.plank.web.socket.protocol.Frames;
import io.plank.web.socket.protocol.ProtocolError;
import io.plank.web.socket.protocol.SocketSettings;

/**
 * What clients ask for: {@code auth}, {@code subscribe}, {@code unsubscribe} and {@code ping}. A subscribe is checked
 * (the caller may read the table, through its row binding if it has one; the table is captured, the filter typed
 * against its columns, the connection under its limit) and then routed; one that
 * resumes with {@code since} or asks for a snapshot is handed to {@link CatchUp}. Every request gets an answer, an
 * error frame included: nothing a client sends is thrown to the container.
 */
@ApplicationScoped
public class Requests {

    private static final Logger LOG = Logger.getLogger(Requests.class.getName());

    @Inject
    CapturedTables capturedTables;

    @Inject
    ListenerMonitor listener;

    @Inject
    TableRows tableRows;

    @Inject
    Router router;

    @Inject
    CatchUp catchUp;

    @Inject
    SocketSettings settings;

    @Inject
    Access access;

    @Inject
    TokenVerifier tokens;

    @Inject
    AccessWatch accessWatch;

    @Inject
    CatalogWatch catalogWatch;

    @Inject
    Sessions sessions;

    /** The tables a client named in {@code ?tables=a,b} when it connected, each subscribed in the plain form. */
    void subscribeAtOpen(Client client, List<String> requested) {
        requested.stream()
                .flatMap(value -> Arrays.stream(value.split(",")))
                .map(String::strip)
                .filter(table -> !table.isEmpty())
                .distinct()
                .forEach(table -> answer(client, null, () -> subscribe(client, ClientMessage.subscribe(table))));
    }

    /**
     * The one subscription of an event stream: refused by throwing, before anything is sent, so the stream can
     * answer with an HTTP error instead.
     */
    void subscribeStream(Client client, ClientMessage request) throws ProtocolError {
        try {
            subscribe(client, request);
        } catch (RuntimeException e) {
            throw failure(e, request);
        }
    }

    void receive(Client client, String text) {
        ClientMessage[] message = {null};
        answer(client, message, () -> {
            message[0] = ClientMessage.parse(text);
            switch (message[0].type()) {
                case SUBSCRIBE -> subscribe(client, message[0]);
                case UNSUBSCRIBE -> unsubscribe(client, message[0]);
                case PING -> client.send(Frames.PONG);
                case AUTH -> authenticate(client, message[0].token());
            }
        });
    }

    private interface Request {
        void run() throws ProtocolError;
    }

    private static void answer(Client client, ClientMessage[] message, Request request) {
        try {
            request.run();
        } catch (ProtocolError error) {
            client.send(error.frame());
        } catch (RuntimeException e) {
            // Answered like the rest: thrown on, it would reach the container, which drops the connection's
            // subscriptions and leaves a socket that no longer answers.
            client.send(failure(e, message == null ? null : message[0]).frame());
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

    /**
     * An {@code auth} message: the connection's caller from now on. A refused token changes nothing. A fresh token must
     * be for the same subject; the subscriptions it no longer allows (a role or a bound claim gone) end.
     */
    private void authenticate(Client client, String token) throws ProtocolError {
        Caller caller;
        try {
            caller = tokens.verify(token);
        } catch (InvalidTokenException e) {
            throw new ProtocolError(ProtocolError.INVALID_TOKEN, "Invalid token: " + e.getMessage());
        }
        Caller before = client.caller();
        if (!before.isAnonymous() && !before.subject().equals(caller.subject())) {
            throw new ProtocolError(ProtocolError.INVALID_TOKEN,
                    "This connection is authenticated as another subject; open a new connection for this token");
        }
        client.authenticate(caller);
        client.send(Frames.authenticated(caller.subject(), caller.expiresAt().getEpochSecond()));
        for (Subscription subscription : client.all()) {
            if (!stillAllowed(before, caller, subscription.table())) {
                end(client, subscription, Ending.FORBIDDEN, "The new token does not grant reading this table");
            }
        }
    }

    /** A subscription stays if the new caller may read its table through the same binding values as the old one. */
    private boolean stillAllowed(Caller before, Caller now, String table) {
        if (!access.read(now, table, null).allowed()) {
            return false;
        }
        return access.policy().binding(table)
                .map(binding -> before.claimValues(binding.claim()).equals(now.claimValues(binding.claim())))
                .orElse(true);
    }

    private void subscribe(Client client, ClientMessage request) throws ProtocolError {
        // Rules or tables that change between the reads below and the routing are applied to the new subscription too.
        long rules = accessWatch.generation();
        long catalog = catalogWatch.generation();
        try {
            subscribeNow(client, request);
        } finally {
            Subscription made = client.get(Subscription.Key.of(request.sub(), TableName.canonical(request.table())));
            if (made != null && accessWatch.generation() != rules) {
                accessWatch.check(client, made);
            }
            if (made != null && catalogWatch.generation() != catalog) {
                catalogWatch.check(client, made);
            }
        }
    }

    private void subscribeNow(Client client, ClientMessage request) throws ProtocolError {
        String table = TableName.canonical(request.table());
        String sub = request.sub();
        Access.Read read = access.read(client.caller(), table, request.filter());
        switch (read.verdict()) {
            case ALLOWED -> { }
            case UNAUTHENTICATED -> throw new ProtocolError(ProtocolError.UNAUTHORIZED,
                    "Reading '" + Excerpt.of(table) + "' needs a token: send {\"type\":\"auth\",\"token\":...} first", null, sub);
            case FORBIDDEN -> throw new ProtocolError(ProtocolError.FORBIDDEN,
                    "This token does not grant reading '" + Excerpt.of(table) + "'", null, sub);
        }
        boolean bound = read.bound();
        Optional<CapturedTable> captured = capturedTables.table(table);
        if (captured.isEmpty()) {
            throw notCaptured(request.table(), sub);
        }
        Optional<CaptureMode> mode = captured.map(CapturedTable::mode);
        if (bound && mode.get() == CaptureMode.EPHEMERAL) {
            // An ephemeral change may come without its row (too large for a notification) or its old row: a bound
            // subscription could not tell whose row it is.
            throw new ProtocolError(ProtocolError.FORBIDDEN, "Table '" + table
                    + "' is bound to a token claim but captured ephemerally; an operator must capture it durably", table, sub);
        }
        if (request.snapshot() && mode.get() == CaptureMode.EPHEMERAL) {
            throw new ProtocolError(ProtocolError.SNAPSHOT_UNAVAILABLE, "Table '" + table
                    + "' is captured ephemerally, so a snapshot cannot be lined up with its changes; capture it durably", table, sub);
        }
        if (client.get(Subscription.Key.of(sub, table)) == null && client.count() >= settings.maxSubscriptions()) {
            throw new ProtocolError(ProtocolError.TOO_MANY_SUBSCRIPTIONS, "A connection has at most " + settings.maxSubscriptions()
                    + " subscriptions (plank.ws.max-subscriptions); unsubscribe from one first", table, sub);
        }
        TableShape shape = read.filter() != null || request.snapshot() ? shape(table, sub) : null;
        if (shape != null && !shape.columns().keySet().equals(captured.get().columns().keySet())) {
            // The shape was read before DDL the catalog has seen (or after it, the catalog before): read both again, so
            // that the filter is typed against the columns the subscription will be held to.
            tableRows.forgetRecentShapes();
            captured = Optional.ofNullable(capturedTables.refresh().get(table));
            if (captured.isEmpty()) {
                throw notCaptured(request.table(), sub);
            }
            shape = shape(table, sub);
        }
        RowFilter filter = read.filter() == null ? RowFilter.ALL : filter(shape, read.filter(), table, sub);

        if (mode.get() == CaptureMode.EPHEMERAL) {
            // The answer first, then the changes: ephemeral changes carry no seq to order them by.
            client.send(Frames.subscribed(table, sub));
            // No transactions: nothing to end; never bound.
            watch(client, Subscription.live(sub, table, filter, false).reading(request.filter(), read.filter()).seenAs(captured.get())
                    .schemaNotices(request.schema()));
            if (request.since() != null) {
                client.send(Frames.reset(table, sub, "Table '" + table + "' is captured ephemerally: missed changes cannot be replayed"));
            }
            return;
        }
        if (request.since() == null && !request.snapshot()) {
            // Held from the moment it is routed until its answer is queued, so no change can reach the client before
            // `subscribed`; the held changes after the answer's seq then follow it (those before, it never promised).
            var subscription = Subscription.catchingUp(sub, table, filter, 0, settings.sendQueueLimit() / 2, request.txEnd()).bound(bound)
                    .reading(request.filter(), read.filter()).seenAs(captured.get()).schemaNotices(request.schema());
            watch(client, subscription);
            long from = listener.status().lastSeq();
            client.send(Frames.subscribed(table, sub, from));
            router.delivered(table, subscription.restartAt(from, client.outbox()));
            client.outbox().flush();
            return;
        }
        long since = request.since() == null ? 0 : request.since();
        // Held changes are released into an outbox with room for at least half its limit.
        var subscription = Subscription.catchingUp(sub, table, filter, since, settings.sendQueueLimit() / 2, request.txEnd()).bound(bound)
                .reading(request.filter(), read.filter()).seenAs(captured.get()).schemaNotices(request.schema());
        watch(client, subscription);
        // Read after the subscription is in place: every change the listener hands on after this point is held.
        long upTo = listener.status().lastSeq();
        if (request.snapshot()) {
            catchUp.snapshot(client, subscription, shape, upTo); // answers subscribed once the snapshot is read
        } else {
            client.send(Frames.subscribed(table, sub, upTo));
            catchUp.replay(client, subscription, since, upTo);
        }
    }

    private TableShape shape(String table, String sub) throws ProtocolError {
        try {
            return tableRows.recentShape(table).orElseThrow(() -> notCaptured(table, sub));
        } catch (SQLException e) {
            LOG.log(Level.WARNING, "Could not read the columns of '" + table + "'", e);
            throw new ProtocolError(ProtocolError.UNAVAILABLE, "Could not read table '" + table + "' now; try again", table, sub);
        }
    }

    private static ProtocolError notCaptured(String table, String sub) {
        return new ProtocolError(ProtocolError.UNKNOWN_TABLE, "Table '" + Excerpt.of(table) + "' is not captured by Plank", null, sub);
    }

    private RowFilter filter(TableShape shape, io.plank.domain.filter.Filter requested, String table, String sub) throws ProtocolError {
        try {
            return tableRows.filter(shape, requested);
        } catch (InvalidFilterException e) {
            throw new ProtocolError(ProtocolError.INVALID_FILTER, e.getMessage(), table, sub);
        } catch (SQLException e) {
            LOG.log(Level.WARNING, "Could not check a filter on '" + table + "'", e);
            throw new ProtocolError(ProtocolError.UNAVAILABLE, "Could not check the filter now; try again", table, sub);
        }
    }

    private void watch(Client client, Subscription subscription) {
        Subscription replaced = client.put(subscription);
        if (replaced != null) {
            replaced.cancel();
            router.unroute(client, replaced.table());
        }
        router.route(client, subscription.table());
    }

    private void unsubscribe(Client client, ClientMessage request) throws ProtocolError {
        if (request.sub() != null) {
            Subscription removed = client.remove(Subscription.Key.of(request.sub(), null));
            if (removed == null) {
                throw new ProtocolError(ProtocolError.UNKNOWN_SUBSCRIPTION,
                        "No subscription '" + Excerpt.of(request.sub()) + "' on this connection", null, request.sub());
            }
            drop(client, removed);
            client.send(Frames.unsubscribed(removed.table(), removed.sub()));
            return;
        }
        String table = TableName.canonical(request.table());
        for (Subscription removed : client.removeTable(table)) {
            drop(client, removed);
        }
        client.send(Frames.unsubscribed(table, null));
    }

    /** A table released through this instance: its subscriptions end at once (other instances see it in the catalog). */
    void released(@Observes TableReleased released) {
        endAll(released.table(), Ending.TABLE_RELEASED, "Table '" + released.table() + "' is no longer captured");
    }

    /** Ends every subscription to {@code table} on every connection. */
    void endAll(String table, Ending ending, String reason) {
        for (Client client : router.clientsOf(table)) {
            for (Subscription subscription : client.all()) {
                if (subscription.table().equals(table)) {
                    end(client, subscription, ending, reason);
                }
            }
        }
    }

    /**
     * Ends {@code subscription} from the server's side, telling the client why; nothing of it is queued after that.
     * An event stream, whose one subscription it was, then ends once the client has read the frame.
     */
    void end(Client client, Subscription subscription, Ending ending, String reason) {
        if (!client.removeIfCurrent(subscription)) {
            return; // replaced or ended meanwhile
        }
        drop(client, subscription);
        client.send(Frames.unsubscribed(subscription.table(), subscription.sub(), ending, reason));
        if (client.transport().endsWithItsSubscription() && client.count() == 0) {
            client.outbox().whenDrained(() -> sessions.closeLater(client,
                    new CloseReason(CloseReason.CloseCodes.NORMAL_CLOSURE, Excerpt.of(reason))));
        }
    }

    private void drop(Client client, Subscription subscription) {
        subscription.cancel();
        router.unroute(client, subscription.table());
    }
}
