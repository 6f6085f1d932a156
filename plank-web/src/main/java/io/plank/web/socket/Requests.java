package io.plank.web.socket;

import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.plank.domain.change.TableName;
import io.plank.domain.text.Excerpt;
import io.plank.persistence.db.ConnectionFailures;
import io.plank.web.security.Access;
import io.plank.web.security.Caller;
import io.plank.web.security.InvalidTokenException;
import io.plank.web.security.TokenVerifier;
import io.plank.web.socket.fanout.Client;
import io.plank.web.socket.fanout.Subscription;
import io.plank.web.socket.protocol.ClientMessage;
import io.plank.web.socket.protocol.Ending;
import io.plank.web.socket.protocol.Frames;
import io.plank.web.socket.protocol.ProtocolError;

/**
 * What clients ask for: {@code auth}, {@code subscribe} (checked and started by {@link Subscribe}), {@code unsubscribe}
 * and {@code ping}. Every request gets an answer, an
 * error frame included: nothing a client sends is thrown to the container.
 */
@ApplicationScoped
public class Requests {

    private static final Logger LOG = Logger.getLogger(Requests.class.getName());

    @Inject
    Subscribe subscribe;

    @Inject
    Access access;

    @Inject
    TokenVerifier tokens;

    @Inject
    Endings endings;

    /** The tables a client named in {@code ?tables=a,b} when it connected, each subscribed in the plain form. */
    void subscribeAtOpen(Client client, List<String> requested) {
        requested.stream()
                .flatMap(value -> Arrays.stream(value.split(",")))
                .map(String::strip)
                .filter(table -> !table.isEmpty())
                .distinct()
                .forEach(table -> answer(client, null, () -> subscribe.subscribe(client, ClientMessage.subscribe(table))));
    }

    /**
     * The one subscription of an event stream: refused by throwing, before anything is sent, so the stream can
     * answer with an HTTP error instead.
     */
    void subscribeStream(Client client, ClientMessage request) throws ProtocolError {
        try {
            subscribe.subscribe(client, request);
        } catch (RuntimeException e) {
            throw failure(e, request);
        }
    }

    void receive(Client client, String text) {
        ClientMessage[] message = {null};
        answer(client, message, () -> {
            message[0] = ClientMessage.parse(text);
            switch (message[0].type()) {
                case SUBSCRIBE -> subscribe.subscribe(client, message[0]);
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
                endings.end(client, subscription, Ending.FORBIDDEN, "The new token does not grant reading this table");
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

    private void unsubscribe(Client client, ClientMessage request) throws ProtocolError {
        if (request.sub() != null) {
            Subscription removed = client.remove(Subscription.Key.of(request.sub(), null));
            if (removed == null) {
                throw new ProtocolError(ProtocolError.UNKNOWN_SUBSCRIPTION,
                        "No subscription '" + Excerpt.of(request.sub()) + "' on this connection", null, request.sub());
            }
            endings.stop(client, removed);
            client.send(Frames.unsubscribed(removed.table(), removed.sub()));
            return;
        }
        String table = TableName.canonical(request.table());
        for (Subscription removed : client.removeTable(table)) {
            endings.stop(client, removed);
        }
        client.send(Frames.unsubscribed(table, null));
    }
}
