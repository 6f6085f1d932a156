package io.plank.web.socket.catchup;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import io.plank.health.ListenerMonitor;
import io.plank.persistence.changelog.ChangeLog;
import io.plank.persistence.rows.TableRows;
import io.plank.persistence.rows.TableShape;
import io.plank.web.socket.fanout.Client;
import io.plank.web.socket.fanout.Router;
import io.plank.web.socket.fanout.Subscription;
import io.plank.web.socket.outbox.Outbox;
import io.plank.web.socket.protocol.SocketSettings;

/**
 * Brings a new subscription up to the live stream: a {@link Replay} of the change log after the client's
 * {@code since}, or a {@link Snapshot} of the table, after which the live changes held meanwhile go through (see
 * {@link Subscription} for the seam). Each is one {@link CatchUpTask}, queued behind the client's earlier ones
 * ({@link Client#catchUp}).
 *
 * <p>Catch-up never waits for a client while holding anything shared. Its database reads go through a
 * {@link ReadQueue} (a few at a time, each short, fair between addresses): a snapshot is read whole in its own
 * transaction and kept for the client, a replay a page at a time. What was read goes into the client's outbox only
 * as fast as the client reads ({@link Outbox#whenRoom}), so a client that stops reading holds no connection and no
 * thread, only its own backlog, which the outbox's limits bound.
 */
@ApplicationScoped
public class CatchUp {

    @Inject
    ChangeLog changeLog;

    @Inject
    TableRows tableRows;

    @Inject
    Router router;

    @Inject
    SocketSettings settings;

    @Inject
    ListenerMonitor listener;

    @Resource(lookup = "java:comp/DefaultManagedExecutorService")
    ManagedExecutorService executor;

    ReadQueue reads;

    LogPages pages;

    @PostConstruct
    void init() {
        reads = new ReadQueue(executor, settings.catchUpReaders());
        pages = new LogPages(changeLog, System::nanoTime);
    }

    /**
     * Created with the application, in the web module's context. Made lazily, by the first client to fall behind, it
     * was made on the listener's thread, where Payara cannot look up the web module's resources: the executor's
     * injection failed, and so did that change's delivery.
     */
    void start(@Observes @Initialized(ApplicationScoped.class) Object started) {
        // the instance is all this is for
    }

    /**
     * Replays the log after {@code since} up to {@code upTo}, then lets the live changes through. A {@code since}
     * beyond anything the log has issued, or older than what it still holds, gets {@code reset}.
     */
    public void replay(Client client, Subscription subscription, long since, long upTo) {
        client.catchUp(new Replay(this, client, subscription, since, upTo));
    }

    /**
     * Replays what a live subscription let go because its client had no room ({@link Subscription.State#LET_GO}): the
     * log after the last change it sent, up to where the listener stands, then as often as it takes to go live again.
     * Only queues the work: safe on the listener's thread.
     */
    public void resume(Client client, Subscription subscription) {
        replay(client, subscription, subscription.lastSeq(), listenerPosition());
    }

    /**
     * Reads the table's matching rows in one repeatable-read transaction, once the client has taken everything queued
     * for it; then answers {@code subscribed}, sends them in pages as the client reads, and lets the live changes
     * through, skipping those the snapshot already contains. A snapshot over the limits is refused instead.
     */
    public void snapshot(Client client, Subscription subscription, TableShape shape, long upTo) {
        client.catchUp(new Snapshot(this, client, subscription, shape, upTo));
    }

    /** Where the listener stands now: what a further catch-up reads up to. */
    long listenerPosition() {
        return listener.status().lastSeq();
    }
}
