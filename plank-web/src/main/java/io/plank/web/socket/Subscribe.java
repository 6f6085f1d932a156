package io.plank.web.socket;

import java.sql.SQLException;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.plank.domain.change.CaptureMode;
import io.plank.domain.change.TableName;
import io.plank.domain.filter.Filter;
import io.plank.domain.filter.InvalidFilterException;
import io.plank.domain.text.Excerpt;
import io.plank.health.ListenerMonitor;
import io.plank.persistence.capture.CapturedTable;
import io.plank.persistence.capture.CapturedTables;
import io.plank.persistence.rows.RowFilter;
import io.plank.persistence.rows.TableRows;
import io.plank.persistence.rows.TableShape;
import io.plank.web.security.Access;
import io.plank.web.socket.catchup.CatchUp;
import io.plank.web.socket.fanout.Client;
import io.plank.web.socket.fanout.Router;
import io.plank.web.socket.fanout.Subscription;
import io.plank.web.socket.outbox.Message;
import io.plank.web.socket.protocol.ClientMessage;
import io.plank.web.socket.protocol.Frames;
import io.plank.web.socket.protocol.ProtocolError;
import io.plank.web.socket.protocol.SocketSettings;

/**
 * A {@code subscribe}, in two steps: {@link #admit} checks it (the caller may read the table, through its row binding
 * if it has one; the table is captured, in a mode that allows what was asked; the filter is typed against the table's
 * columns; the connection is under its limit) and says what was admitted; {@link #start} puts the subscription in
 * place and starts its stream, live from now or by a {@link CatchUp} (a resume with {@code since}, a snapshot). A
 * refusal is a {@link ProtocolError}, thrown before anything is put in place.
 */
@ApplicationScoped
public class Subscribe {

    private static final Logger LOG = Logger.getLogger(Subscribe.class.getName());

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
    AccessWatch accessWatch;

    @Inject
    CatalogWatch catalogWatch;

    @Inject
    Endings endings;

    /**
     * What a subscribe was admitted as.
     *
     * @param table    the table's canonical name
     * @param captured the table as the catalog has it
     * @param filter   what the subscription reads through: the client's filter, narrowed by a row binding, typed
     * @param reading  the same, untyped (null: every row); checked again when access rules change
     * @param bound    read through a row binding
     * @param shape    the table's columns, where the filter or a snapshot needed them
     */
    record Admitted(String table, CapturedTable captured, RowFilter filter, Filter reading, boolean bound, TableShape shape) {
        boolean ephemeral() {
            return captured.mode() == CaptureMode.EPHEMERAL;
        }
    }

    /** Checks {@code request} and starts the subscription, or throws why not. */
    void subscribe(Client client, ClientMessage request) throws ProtocolError {
        // Rules or tables that change between the reads below and the routing are applied to the new subscription too.
        long rules = accessWatch.generation();
        long catalog = catalogWatch.generation();
        try {
            start(client, request, admit(client, request));
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

    private Admitted admit(Client client, ClientMessage request) throws ProtocolError {
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
        CapturedTable captured = capturedTables.table(table).orElseThrow(() -> notCaptured(request.table(), sub));
        if (read.bound() && captured.mode() == CaptureMode.EPHEMERAL) {
            // An ephemeral change may come without its row (too large for a notification) or its old row: a bound
            // subscription could not tell whose row it is.
            throw new ProtocolError(ProtocolError.FORBIDDEN, "Table '" + table
                    + "' is bound to a token claim but captured ephemerally; an operator must capture it durably", table, sub);
        }
        if (request.snapshot() && captured.mode() == CaptureMode.EPHEMERAL) {
            throw new ProtocolError(ProtocolError.SNAPSHOT_UNAVAILABLE, "Table '" + table
                    + "' is captured ephemerally, so a snapshot cannot be lined up with its changes; capture it durably", table, sub);
        }
        if (client.get(Subscription.Key.of(sub, table)) == null && client.count() >= settings.maxSubscriptions()) {
            throw new ProtocolError(ProtocolError.TOO_MANY_SUBSCRIPTIONS, "A connection has at most " + settings.maxSubscriptions()
                    + " subscriptions (plank.ws.max-subscriptions); unsubscribe from one first", table, sub);
        }
        TableShape shape = read.filter() != null || request.snapshot() ? shape(table, sub) : null;
        if (shape != null && !shape.columns().keySet().equals(captured.columns().keySet())) {
            // The shape was read before DDL the catalog has seen (or after it, the catalog before): read both again, so
            // that the filter is typed against the columns the subscription will be held to.
            tableRows.forgetRecentShapes();
            CapturedTable refreshed = capturedTables.refresh().get(table);
            if (refreshed == null) {
                throw notCaptured(request.table(), sub);
            }
            captured = refreshed;
            shape = shape(table, sub);
        }
        RowFilter filter = read.filter() == null ? RowFilter.ALL : filter(shape, read.filter(), table, sub);
        return new Admitted(table, captured, filter, read.filter(), read.bound(), shape);
    }

    private void start(Client client, ClientMessage request, Admitted admitted) {
        String table = admitted.table();
        String sub = request.sub();
        if (admitted.ephemeral()) {
            // The answer first, then the changes: ephemeral changes carry no seq to order them by. Queued before the
            // subscription is routed and sent after: a change committed once the client has the answer is never
            // missed (sent first, the answer let a client's own write overtake the routing).
            client.outbox().offer(Message.of(Frames.subscribed(table, sub)));
            // No transactions: nothing to end; never bound.
            watch(client, described(Subscription.live(sub, table, admitted.filter(), false), request, admitted));
            client.outbox().flush();
            if (request.since() != null) {
                client.send(Frames.reset(table, sub, "Table '" + table + "' is captured ephemerally: missed changes cannot be replayed"));
            }
            return;
        }
        long since = request.since() == null ? 0 : request.since();
        // Held changes are released into an outbox with room for at least half its limit.
        var subscription = described(Subscription.catchingUp(sub, table, admitted.filter(), since, settings.sendQueueLimit() / 2,
                request.txEnd()), request, admitted);
        watch(client, subscription);
        // Read after the subscription is in place: every change the listener hands on after this point is held.
        long upTo = listener.status().lastSeq();
        if (request.snapshot()) {
            catchUp.snapshot(client, subscription, admitted.shape(), upTo); // answers subscribed once the snapshot is read
        } else if (request.since() != null) {
            client.send(Frames.subscribed(table, sub, upTo));
            catchUp.replay(client, subscription, since, upTo);
        } else {
            // Held from the moment it is routed until its answer is queued, so no change can reach the client before
            // `subscribed`; the held changes after the answer's seq then follow it (those before, it never promised).
            client.send(Frames.subscribed(table, sub, upTo));
            router.delivered(table, subscription.restartAt(upTo, client.outbox()).released());
            client.outbox().flush();
        }
    }

    private static Subscription described(Subscription subscription, ClientMessage request, Admitted admitted) {
        return subscription.bound(admitted.bound()).reading(request.filter(), admitted.reading()).seenAs(admitted.captured())
                .schemaNotices(request.schema());
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

    private RowFilter filter(TableShape shape, Filter requested, String table, String sub) throws ProtocolError {
        try {
            return tableRows.filter(shape, requested);
        } catch (InvalidFilterException e) {
            throw new ProtocolError(ProtocolError.INVALID_FILTER, e.getMessage(), table, sub);
        } catch (SQLException e) {
            LOG.log(Level.WARNING, "Could not check a filter on '" + table + "'", e);
            throw new ProtocolError(ProtocolError.UNAVAILABLE, "Could not check the filter now; try again", table, sub);
        }
    }

    /** Puts the subscription in place, ending the one it replaces (same id, or for the plain form the same table). */
    private void watch(Client client, Subscription subscription) {
        Subscription replaced = client.put(subscription);
        if (replaced != null) {
            endings.stop(client, replaced);
        }
        router.route(client, subscription.table());
    }
}
