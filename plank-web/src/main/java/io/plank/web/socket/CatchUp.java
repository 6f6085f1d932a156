package io.plank.web.socket;

import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.websocket.CloseReason;

import io.plank.domain.change.ChangeEvent;
import io.plank.persistence.changelog.ChangeLog;
import io.plank.persistence.rows.SnapshotTooLargeException;
import io.plank.persistence.rows.TableRows;
import io.plank.persistence.rows.TableShape;

/**
 * Brings a new subscription up to the live stream, on a worker thread: replays the change log after the
 * client's {@code since}, or sends a snapshot of the table, then lets the live changes held meanwhile through
 * (see {@link Subscription} for the seam). Goes no faster than the client reads.
 */
final class CatchUp {

    /** What catch-up reports back to the registry. */
    interface Host {
        void closeLater(Subscriber subscriber, CloseReason reason);

        /** Removes a subscription that could not be started and tells the client why. */
        void abandon(Subscriber subscriber, Subscription subscription, ProtocolError error);

        void delivered(Subscription subscription, int frames);
    }

    /** How big a snapshot may be, and how many rows go in one frame. */
    record Limits(int maxRows, int pageRows) {
    }

    static final int REPLAY_PAGE = 200;
    private static final int REPLAY_ATTEMPTS = 3;
    private static final long ROOM_WAIT_MS = 5;
    private static final long STALL_LIMIT_MS = 30_000;
    private static final int SNAPSHOT_PAGE_BYTES = 256 * 1024;

    private static final Logger LOG = Logger.getLogger(CatchUp.class.getName());

    private final ChangeLog changeLog;
    private final TableRows tableRows;
    private final Limits limits;
    private final Host host;

    CatchUp(ChangeLog changeLog, TableRows tableRows, Limits limits, Host host) {
        this.changeLog = changeLog;
        this.tableRows = tableRows;
        this.limits = limits;
        this.host = host;
    }

    /**
     * Replays the log after {@code since} up to {@code upTo}, then lets the live changes through. A failed read
     * (a pooled connection that died with a database restart, say) is tried again: the subscription drops what
     * it already sent, so a retry from the start loses and repeats nothing.
     */
    void replay(Subscriber subscriber, Subscription subscription, long since, long upTo) {
        for (int attempt = 1; ; attempt++) {
            try {
                replayOnce(subscriber, subscription, since, upTo);
                return;
            } catch (RuntimeException e) {
                if (attempt == REPLAY_ATTEMPTS) {
                    LOG.log(Level.WARNING, "Could not replay '" + subscription.table() + "' for session " + subscriber.id(), e);
                    host.closeLater(subscriber, new CloseReason(CloseReason.CloseCodes.UNEXPECTED_CONDITION, "Could not replay the change log"));
                    return;
                }
                LOG.log(Level.FINE, "Replay attempt " + attempt + " failed; trying again", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void replayOnce(Subscriber subscriber, Subscription subscription, long since, long upTo) throws InterruptedException {
        long after = since;
        while (after < upTo && !subscription.cancelled() && !subscriber.closed()) {
            List<ChangeEvent> page = changeLog.changes(subscription.table(), after, upTo, REPLAY_PAGE);
            // Checked after each read: the pruner deletes oldest first and raises the watermark in the same
            // transaction, so a page that lost entries to it is always followed by a watermark above since.
            if (since < changeLog.prunedThrough()) {
                subscriber.send(Frames.reset(subscription.table(), subscription.sub(),
                        "Changes after seq " + since + " are no longer retained: reload '" + subscription.table() + "'"));
                host.delivered(subscription, subscription.restartAt(upTo, subscriber));
                subscriber.flush();
                return;
            }
            if (page.isEmpty()) {
                break;
            }
            if (!awaitRoom(subscriber)) {
                return;
            }
            int frames = 0;
            for (ChangeEvent change : page) {
                frames += subscription.replay(new Fanout(change), subscriber) ? 1 : 0;
            }
            host.delivered(subscription, frames);
            subscriber.flush();
            after = page.get(page.size() - 1).seq();
        }
        host.delivered(subscription, subscription.goLive(subscriber));
        subscriber.flush();
    }

    /**
     * Sends the table's matching rows in pages, then releases the held live changes, skipping those the snapshot
     * already contains. Each page waits for room in the client's outbox, so a snapshot goes no faster than the
     * client reads; a client that stops reading is closed (1013) rather than holding the transaction open.
     */
    void snapshot(Subscriber subscriber, Subscription subscription, TableShape shape, long upTo) {
        String table = subscription.table();
        String sub = subscription.sub();
        try {
            long[] contained = tableRows.snapshot(shape, subscription.filter(), upTo, limits.maxRows(), limits.pageRows(),
                    SNAPSHOT_PAGE_BYTES, (rows, last) -> {
                        if (subscription.cancelled() || subscriber.closed() || !awaitRoom(subscriber)) {
                            throw new CancellationException();
                        }
                        subscriber.send(Frames.snapshot(table, sub, rows, last));
                    });
            host.delivered(subscription, subscription.goLiveAfterSnapshot(upTo, contained, subscriber));
            subscriber.flush();
        } catch (CancellationException e) {
            LOG.fine(() -> "Snapshot of '" + table + "' for session " + subscriber.id() + " abandoned");
        } catch (SnapshotTooLargeException e) {
            host.abandon(subscriber, subscription, new ProtocolError(ProtocolError.SNAPSHOT_TOO_LARGE, e.getMessage(), table, sub));
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.WARNING, "Snapshot of '" + table + "' for session " + subscriber.id() + " failed", e);
            host.abandon(subscriber, subscription, new ProtocolError(ProtocolError.SNAPSHOT_FAILED,
                    "Could not read the snapshot of '" + table + "'; subscribe again", table, sub));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Replay and snapshots go no faster than the client reads: wait until half the outbox is free. False, after
     * closing the session (1013), if the client read nothing for {@link #STALL_LIMIT_MS}.
     */
    private boolean awaitRoom(Subscriber subscriber) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STALL_LIMIT_MS);
        int queued = subscriber.queued();
        while (subscriber.queued() > subscriber.limit() / 2 && !subscriber.closed()) {
            if (subscriber.queued() < queued) {
                queued = subscriber.queued();
                deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STALL_LIMIT_MS);
            } else if (System.nanoTime() > deadline) {
                host.closeLater(subscriber, new CloseReason(CloseReason.CloseCodes.TRY_AGAIN_LATER, "Too slow: stopped reading"));
                return false;
            }
            Thread.sleep(ROOM_WAIT_MS);
        }
        return !subscriber.closed();
    }
}
