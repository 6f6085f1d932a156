package io.plank.web.socket;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import io.plank.domain.change.AccessChanged;
import io.plank.domain.text.Excerpt;
import io.plank.persistence.access.StoredAccess;
import io.plank.persistence.db.DatabaseException;
import io.plank.web.security.Access;
import io.plank.web.socket.fanout.Client;
import io.plank.web.socket.fanout.Router;
import io.plank.web.socket.fanout.Subscription;
import io.plank.web.socket.protocol.Ending;

/**
 * Holds open streams to the access rules in force. When the stored grants or row bindings change, every open
 * subscription is checked again as its {@code subscribe} was: one whose caller may no longer read the table ends with
 * {@code unsubscribed} ({@link Ending#FORBIDDEN}); one that would now read through another row binding condition ends
 * with {@link Ending#ACCESS_CHANGED}, and its client subscribes again to reload what it may see.
 *
 * <p>The listener fires {@link AccessChanged} before it hands on any change that committed after the new rules (it
 * reads the rules' version with every page of the log), so no such change reaches a subscription the rules end. A
 * check once a second besides catches rules changed while this instance was not listening.
 */
@ApplicationScoped
public class AccessWatch {

    private static final Logger LOG = Logger.getLogger(AccessWatch.class.getName());

    @Inject
    Access access;

    @Inject
    Router router;

    @Inject
    Endings endings;

    /** Counts the passes begun, so that a subscribe that read the rules before one can tell (see {@link #generation}). */
    private final AtomicLong generation = new AtomicLong();
    private volatile StoredAccess.Snapshot applied;

    /** On the listener's thread, before the changes that follow the new rules. */
    void accessChanged(@Observes AccessChanged changed) {
        try {
            access.refresh();
        } catch (DatabaseException e) {
            LOG.log(Level.WARNING, "Could not read the new access rules; open streams are checked again within a second", e);
            return;
        }
        recheck();
    }

    /** Once a second ({@link OpenStreamChecks}). */
    void checkIfChanged() {
        try {
            if (!Objects.equals(access.stored(), applied)) {
                recheck();
            }
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "Could not check open streams against the access rules; trying again in a second", e);
        }
    }

    /**
     * Incremented at the start of every pass. A subscribe reads it before it reads the rules and again once routed:
     * if it moved, the pass may have missed the new subscription, which the subscribe then {@link #check checks} itself.
     */
    long generation() {
        return generation.get();
    }

    private synchronized void recheck() {
        applied = access.stored();
        generation.incrementAndGet();
        int ended = 0;
        for (String table : router.watchedTables()) {
            for (Client client : router.clientsOf(table)) {
                for (Subscription subscription : client.all()) {
                    if (subscription.table().equals(table) && !check(client, subscription)) {
                        ended++;
                    }
                }
            }
        }
        if (ended > 0) {
            int count = ended;
            LOG.info(() -> "Access rules changed: " + count + " open subscription(s) ended");
        }
    }

    /** Checks one subscription against the rules in force; ends it and returns false if they no longer allow it as it is. */
    boolean check(Client client, Subscription subscription) {
        String table = subscription.table();
        Access.Read read = access.read(client.caller(), table, subscription.requested());
        if (!read.allowed()) {
            endings.end(client, subscription, Ending.FORBIDDEN, "Reading '" + Excerpt.of(table) + "' is no longer granted to this caller");
            return false;
        }
        if (read.bound() != subscription.bound() || !Objects.equals(read.filter(), subscription.readingThrough())) {
            endings.end(client, subscription, Ending.ACCESS_CHANGED, "The rows of '" + Excerpt.of(table)
                    + "' this caller may read have changed (row binding); subscribe again to reload them");
            return false;
        }
        return true;
    }
}
