package io.plank.web.socket.catchup;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.websocket.CloseReason;

import io.plank.web.socket.fanout.Client;
import io.plank.web.socket.fanout.Fanout;
import io.plank.web.socket.fanout.Subscription;
import io.plank.web.socket.outbox.Message;
import io.plank.web.socket.protocol.Frames;

/**
 * Replays the change log after the client's {@code since} up to the subscription's start, a page at a time, each page
 * read when the client has room for it; then goes live. A {@code since} beyond anything the log has issued, or older
 * than what it still holds, gets {@code reset}: the client reloads, and the subscription goes live from its start.
 */
final class Replay extends CatchUpTask {

    static final int PAGE = 200;
    private static final int ATTEMPTS = 3;
    private static final Logger LOG = Logger.getLogger(Replay.class.getName());

    private final long since;
    /** The last seq read so far. */
    private long after;
    private int attempt = 1;

    Replay(CatchUp catchUp, Client client, Subscription subscription, long since, long upTo) {
        super(catchUp, client, subscription, upTo);
        this.since = since;
        this.after = since;
    }

    @Override
    void start() {
        read(this::readPage);
    }

    private void readPage() {
        if (ended()) {
            finish();
            return;
        }
        String table = subscription.table();
        List<Fanout> page;
        try {
            // A since at or below upTo (the listener's position) was issued; one above it may come from another database.
            if (after == since && since > upTo && since > catchUp.changeLog.issuedThrough()) {
                reset("Seq " + since + " is beyond every change this database has logged (restored or recreated?): reload '" + table + "'");
                return;
            }
            LogPages.Page read = after < upTo ? catchUp.pages.read(table, after, upTo, PAGE) : null;
            // The pruner deletes oldest first and raises the watermark in the same transaction, and a page is read in
            // one snapshot with the watermark: a page that lost entries to it always comes with a watermark above since.
            // (Nothing to read, after >= upTo: the client has everything the pruner could have taken.)
            if (read != null && since < read.prunedThrough()) {
                reset("Changes after seq " + since + " are no longer retained: reload '" + table + "'");
                return;
            }
            page = read != null ? read.changes() : List.of();
        } catch (RuntimeException e) {
            retryOrGiveUp(e);
            return;
        }
        attempt = 1;
        sending();
        int frames = 0;
        for (Fanout change : page) {
            frames += subscription.replay(change, outbox()) ? 1 : 0;
        }
        catchUp.router.delivered(table, frames);
        outbox().flush();
        if (page.size() < PAGE) {
            goLive(() -> subscription.goLive(outbox()));
            return;
        }
        after = page.get(page.size() - 1).seq();
        outbox().whenRoom(() -> read(this::readPage));
    }

    /** A pooled connection that died with a database restart, say: the same page again loses and repeats nothing. */
    private void retryOrGiveUp(RuntimeException e) {
        if (attempt++ < ATTEMPTS) {
            LOG.log(Level.FINE, "Replay attempt " + (attempt - 1) + " failed; trying again", e);
            read(this::readPage);
            return;
        }
        LOG.log(Level.WARNING, "Could not replay '" + subscription.table() + "' for session " + client.id(), e);
        outbox().giveUp(new CloseReason(CloseReason.CloseCodes.UNEXPECTED_CONDITION, "Could not replay the change log"));
        finish();
    }

    private void reset(String reason) {
        subscription.sendIfCurrent(outbox(), Message.of(Frames.reset(subscription.table(), subscription.sub(), reason)));
        goLive(() -> subscription.restartAt(upTo, outbox()));
    }
}
