package io.plank.web.socket.catchup;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.websocket.CloseReason;

import io.plank.domain.change.ChangeEvent;
import io.plank.health.ListenerMonitor;
import io.plank.persistence.changelog.ChangeLog;
import io.plank.persistence.rows.SnapshotTooLargeException;
import io.plank.persistence.rows.TableRows;
import io.plank.persistence.rows.TableShape;
import io.plank.web.socket.Sessions;
import io.plank.web.socket.fanout.Client;
import io.plank.web.socket.fanout.Fanout;
import io.plank.web.socket.fanout.Router;
import io.plank.web.socket.fanout.Subscription;
import io.plank.web.socket.outbox.Message;
import io.plank.web.socket.outbox.Outbox;
import io.plank.web.socket.protocol.Frames;
import io.plank.web.socket.protocol.ProtocolError;
import io.plank.web.socket.protocol.SocketSettings;

/**
 * Brings a new subscription up to the live stream: replays the change log after the client's {@code since}, or
 * sends a snapshot of the table, then lets the live changes held meanwhile through (see {@link Subscription} for
 * the seam).
 *
 * <p>Catch-up never waits for a client while holding anything shared. Its database reads go through a
 * {@link ReadQueue} (a few at a time, each short): a snapshot is read whole in its own transaction and kept for
 * the client, a replay a page at a time. What was read goes into the client's outbox only as fast as the client
 * reads ({@link Outbox#whenRoom}), so a client that stops reading holds no connection and no thread, only its own
 * backlog, which {@link Sessions} bounds. A client's catch-ups run one after another ({@link Client#catchUp}).
 */
@ApplicationScoped
public class CatchUp {

    static final int REPLAY_PAGE = 200;
    private static final int REPLAY_ATTEMPTS = 3;
    private static final int SNAPSHOT_PAGE_CHARS = 256 * 1024;

    private static final Logger LOG = Logger.getLogger(CatchUp.class.getName());

    @Inject
    ChangeLog changeLog;

    @Inject
    TableRows tableRows;

    @Inject
    Router router;

    @Inject
    Sessions sessions;

    @Inject
    SocketSettings settings;

    @Inject
    ListenerMonitor listener;

    @Resource(lookup = "java:comp/DefaultManagedExecutorService")
    ManagedExecutorService executor;

    ReadQueue reads;

    @PostConstruct
    void init() {
        reads = new ReadQueue(executor, settings.catchUpReaders());
    }

    /**
     * Replays the log after {@code since} up to {@code upTo}, then lets the live changes through. A {@code since}
     * beyond anything the log has issued, or older than what it still holds, gets {@code reset}.
     */
    public void replay(Client client, Subscription subscription, long since, long upTo) {
        client.catchUp(() -> reads.submit(client.address(), client, () -> replayPage(client, subscription, since, since, upTo, 1)));
    }

    private void replayPage(Client client, Subscription subscription, long since, long after, long upTo, int attempt) {
        if (ended(client, subscription)) {
            return;
        }
        List<ChangeEvent> page;
        try {
            if (after == since && since > changeLog.issuedThrough()) {
                reset(client, subscription, upTo, "Seq " + since + " is beyond every change this database has logged"
                        + " (restored or recreated?): reload '" + subscription.table() + "'");
                return;
            }
            page = after < upTo ? changeLog.changes(subscription.table(), after, upTo, REPLAY_PAGE) : List.of();
            // Checked after each read: the pruner deletes oldest first and raises the watermark in the same
            // transaction, so a page that lost entries to it is always followed by a watermark above since.
            if (since < changeLog.prunedThrough()) {
                reset(client, subscription, upTo, "Changes after seq " + since + " are no longer retained: reload '"
                        + subscription.table() + "'");
                return;
            }
        } catch (RuntimeException e) {
            // A pooled connection that died with a database restart, say: the same page again loses and repeats nothing.
            if (attempt < REPLAY_ATTEMPTS) {
                LOG.log(Level.FINE, "Replay attempt " + attempt + " failed; trying again", e);
                reads.submit(client.address(), client, () -> replayPage(client, subscription, since, after, upTo, attempt + 1));
                return;
            }
            LOG.log(Level.WARNING, "Could not replay '" + subscription.table() + "' for session " + client.id(), e);
            sessions.closeLater(client, new CloseReason(CloseReason.CloseCodes.UNEXPECTED_CONDITION, "Could not replay the change log"));
            client.catchUpDone();
            return;
        }
        int frames = 0;
        for (ChangeEvent change : page) {
            frames += subscription.replay(Fanout.replayed(change), client.outbox()) ? 1 : 0;
        }
        router.delivered(subscription.table(), frames);
        client.outbox().flush();
        if (page.size() < REPLAY_PAGE) {
            goLive(client, subscription, () -> subscription.goLive(client.outbox()));
            return;
        }
        long next = page.get(page.size() - 1).seq();
        client.outbox().whenRoom(() -> reads.submit(client.address(), client, () -> replayPage(client, subscription, since, next, upTo, 1)));
    }

    private void reset(Client client, Subscription subscription, long upTo, String reason) {
        subscription.sendIfCurrent(client.outbox(), Message.of(Frames.reset(subscription.table(), subscription.sub(), reason)));
        goLive(client, subscription, () -> subscription.restartAt(upTo, client.outbox()));
    }

    /**
     * Reads the table's matching rows in one repeatable-read transaction; then answers {@code subscribed} and sends
     * them in pages as the client reads, and releases the held live changes, skipping those the snapshot already
     * contains. A snapshot over the limits is refused instead, and the subscription ends: the client gets one
     * answer, never {@code subscribed} and then an error. The read waits until the client has taken everything
     * queued for it.
     */
    public void snapshot(Client client, Subscription subscription, TableShape shape, long upTo) {
        // Read only for a client that has taken what it was sent: one that stops reading costs one snapshot at most.
        client.catchUp(() -> client.outbox().whenDrained(() -> reads.submit(client.address(), client, () -> readSnapshot(client, subscription, shape, upTo))));
    }

    private void readSnapshot(Client client, Subscription subscription, TableShape shape, long upTo) {
        if (ended(client, subscription)) {
            return;
        }
        String table = subscription.table();
        String sub = subscription.sub();
        long maxChars = settings.sendQueueChars();
        List<String> frames = new ArrayList<>();
        long[] chars = {0};
        long[] contained;
        try {
            contained = tableRows.snapshot(shape, subscription.filter(), upTo, settings.snapshotMaxRows(), settings.snapshotPageRows(),
                    SNAPSHOT_PAGE_CHARS, (rows, last) -> {
                        String frame = Frames.snapshot(table, sub, rows, last);
                        chars[0] += frame.length();
                        if (chars[0] > maxChars) {
                            throw new SnapshotTooLargeException("The rows of '" + table + "' that match are more than "
                                    + maxChars + " characters of JSON; narrow the filter (or raise plank.ws.send-queue-chars)");
                        }
                        frames.add(frame);
                    });
        } catch (SnapshotTooLargeException e) {
            abandon(client, subscription, new ProtocolError(ProtocolError.SNAPSHOT_TOO_LARGE, e.getMessage(), table, sub));
            return;
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.WARNING, "Snapshot of '" + table + "' for session " + client.id() + " failed", e);
            abandon(client, subscription, new ProtocolError(ProtocolError.SNAPSHOT_FAILED,
                    "Could not read the snapshot of '" + table + "'; subscribe again", table, sub));
            return;
        }
        client.outbox().reserve(chars[0]);
        subscription.sendIfCurrent(client.outbox(), Message.of(Frames.subscribed(table, sub, upTo))); // refused only if ended: feed sees it
        feed(client, subscription, frames, 0, () -> released(client, subscription, subscription.goLiveAfterSnapshot(upTo, contained, client.outbox())));
    }

    /** Queues {@code frames} from {@code from} on as the client makes room, then runs {@code then}. */
    private void feed(Client client, Subscription subscription, List<String> frames, int from, Runnable then) {
        Outbox outbox = client.outbox();
        for (int next = from; next < frames.size(); next++) {
            if (ended(client, subscription)) {
                frames.subList(next, frames.size()).forEach(frame -> outbox.unreserve(frame.length()));
                return;
            }
            if (!outbox.hasRoom()) {
                int resume = next;
                outbox.flush();
                outbox.whenRoom(() -> feed(client, subscription, frames, resume, then));
                return;
            }
            outbox.unreserve(frames.get(next).length());
            subscription.sendIfCurrent(outbox, Message.of(frames.get(next))); // refused only if ended: seen at the next check
        }
        outbox.flush();
        if (!ended(client, subscription)) {
            // Held changes go out once there is room for them, so releasing them cannot overflow the outbox.
            outbox.whenRoom(then);
        }
    }

    /** Goes live once the outbox has room for the held changes, counts what was released, and starts the next catch-up. */
    private void goLive(Client client, Subscription subscription, IntSupplier release) {
        client.outbox().flush();
        client.outbox().whenRoom(() -> released(client, subscription, release.getAsInt()));
    }

    /**
     * After going live: counts what was released and starts the client's next catch-up. A subscription whose held changes
     * overflowed meanwhile is not live yet: it replays the log from where it stands up to now (queued as the client's next
     * catch-up), holding the live changes anew, however often it takes: a client that reads keeps up, one that does not
     * is closed by its outbox's limits.
     */
    private void released(Client client, Subscription subscription, int released) {
        if (released == Subscription.CATCH_UP_AGAIN) {
            replay(client, subscription, subscription.lastSeq(), listener.status().lastSeq());
        } else {
            router.delivered(subscription.table(), released);
        }
        client.outbox().flush();
        client.catchUpDone();
    }

    /**
     * True, after starting the client's next catch-up, if this one has nothing left to do: the subscription ended
     * (unsubscribed, replaced) or the client left.
     */
    private boolean ended(Client client, Subscription subscription) {
        if (subscription.cancelled() || client.closed()) {
            client.catchUpDone();
            return true;
        }
        return false;
    }

    /** A subscription that could not start is removed (unless the client replaced it meanwhile) and the client told. */
    private void abandon(Client client, Subscription subscription, ProtocolError error) {
        if (client.removeIfCurrent(subscription)) {
            subscription.cancel();
            router.unroute(client, subscription.table());
            client.send(error.frame());
        }
        client.catchUpDone();
    }
}
