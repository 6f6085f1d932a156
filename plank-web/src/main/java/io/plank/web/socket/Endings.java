package io.plank.web.socket;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.websocket.CloseReason;

import io.plank.domain.change.TableReleased;
import io.plank.domain.text.Excerpt;
import io.plank.web.socket.fanout.Client;
import io.plank.web.socket.fanout.Router;
import io.plank.web.socket.fanout.Subscription;
import io.plank.web.socket.protocol.Ending;
import io.plank.web.socket.protocol.Frames;

/**
 * Subscriptions ended from the server's side: a new token, access rules or the catalog no longer allow them as they
 * are ({@link Requests}, {@link AccessWatch}, {@link CatalogWatch}), or their table was released. The client is told
 * why (an {@code unsubscribed} frame with an {@link Ending}'s code), and nothing of the subscription is queued after it.
 */
@ApplicationScoped
public class Endings {

    @Inject
    Router router;

    @Inject
    Sessions sessions;

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
     * Ends {@code subscription}, telling the client why. An event stream, whose one subscription it was, then ends once
     * the client has read the frame.
     */
    void end(Client client, Subscription subscription, Ending ending, String reason) {
        if (!client.removeIfCurrent(subscription)) {
            return; // replaced or ended meanwhile
        }
        stop(client, subscription);
        client.send(Frames.unsubscribed(subscription.table(), subscription.sub(), ending, reason));
        if (client.transport().endsWithItsSubscription() && client.count() == 0) {
            client.outbox().whenDrained(() -> sessions.closeLater(client,
                    new CloseReason(CloseReason.CloseCodes.NORMAL_CLOSURE, Excerpt.of(reason))));
        }
    }

    /** A subscription taken off its connection (ended, unsubscribed, replaced): nothing more is routed to it. */
    void stop(Client client, Subscription subscription) {
        subscription.end();
        router.unroute(client, subscription.table());
    }
}
