package io.plank.web.socket.catchup;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.plank.persistence.rows.SnapshotTooLargeException;
import io.plank.persistence.rows.TableShape;
import io.plank.web.socket.fanout.Client;
import io.plank.web.socket.fanout.Subscription;
import io.plank.web.socket.outbox.Message;
import io.plank.web.socket.outbox.Outbox;
import io.plank.web.socket.protocol.Frames;
import io.plank.web.socket.protocol.ProtocolError;

/**
 * Sends a subscription the table's matching rows, then goes live. The rows are read, only once the client has taken
 * everything queued for it (one that stops reading costs one snapshot at most), in one repeatable-read transaction
 * together with the changes they already contain; then {@code subscribed} is answered and the pages follow as the
 * client reads. A snapshot over the limits is refused instead and the subscription ends: the client gets one answer,
 * never {@code subscribed} and then an error.
 */
final class Snapshot extends CatchUpTask {

    private static final int PAGE_CHARS = 256 * 1024;
    private static final Logger LOG = Logger.getLogger(Snapshot.class.getName());

    private final TableShape shape;
    /** The pages read, and the next to queue. */
    private final List<String> pages = new ArrayList<>();
    private int next;
    /** The seqs of changes after {@link #upTo} that the rows already show. */
    private long[] contained;

    Snapshot(CatchUp catchUp, Client client, Subscription subscription, TableShape shape, long upTo) {
        super(catchUp, client, subscription, upTo);
        this.shape = shape;
    }

    @Override
    void start() {
        outbox().whenDrained(() -> read(this::readRows));
    }

    private void readRows() {
        if (ended()) {
            finish();
            return;
        }
        String table = subscription.table();
        long maxChars = catchUp.settings.sendQueueChars();
        long[] chars = {0};
        try {
            contained = catchUp.tableRows.snapshot(shape, subscription.filter(), upTo, catchUp.settings.snapshotMaxRows(),
                    catchUp.settings.snapshotPageRows(), PAGE_CHARS, (rows, last) -> {
                        String page = Frames.snapshot(table, subscription.sub(), rows, last);
                        chars[0] += page.length();
                        if (chars[0] > maxChars) {
                            throw new SnapshotTooLargeException("The rows of '" + table + "' that match are more than "
                                    + maxChars + " characters of JSON; narrow the filter (or raise plank.ws.send-queue-chars)");
                        }
                        pages.add(page);
                    });
        } catch (SnapshotTooLargeException e) {
            refuse(new ProtocolError(ProtocolError.SNAPSHOT_TOO_LARGE, e.getMessage(), table, subscription.sub()));
            return;
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.WARNING, "Snapshot of '" + table + "' for session " + client.id() + " failed", e);
            refuse(new ProtocolError(ProtocolError.SNAPSHOT_FAILED, "Could not read the snapshot of '" + table + "'; subscribe again",
                    table, subscription.sub()));
            return;
        }
        outbox().reserve(chars[0]);
        // Refused only if the subscription ended meanwhile, which sendPages sees.
        subscription.sendIfCurrent(outbox(), Message.of(Frames.subscribed(table, subscription.sub(), upTo)));
        sending();
        sendPages();
    }

    /** Queues the pages from {@link #next} on as the client makes room, then goes live. */
    private void sendPages() {
        Outbox outbox = outbox();
        for (; next < pages.size(); next++) {
            if (ended()) {
                pages.subList(next, pages.size()).forEach(page -> outbox.unreserve(page.length()));
                finish();
                return;
            }
            if (!outbox.hasRoom()) {
                outbox.flush();
                outbox.whenRoom(this::sendPages);
                return;
            }
            outbox.unreserve(pages.get(next).length());
            subscription.sendIfCurrent(outbox, Message.of(pages.get(next))); // refused only if ended: seen at the next check
        }
        outbox.flush();
        if (ended()) {
            finish();
            return;
        }
        goLive(() -> subscription.goLiveAfterSnapshot(upTo, contained, outbox));
    }
}
