package io.plank.web.socket;

import java.util.Collections;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import io.plank.domain.change.CatalogChanged;
import io.plank.persistence.capture.CapturedTable;
import io.plank.persistence.capture.CapturedTables;
import io.plank.persistence.capture.TableChange;
import io.plank.persistence.db.DatabaseException;
import io.plank.persistence.rows.TableRows;
import io.plank.web.socket.fanout.Client;
import io.plank.web.socket.fanout.Router;
import io.plank.web.socket.fanout.Subscription;
import io.plank.web.socket.outbox.Message;
import io.plank.web.socket.protocol.Ending;
import io.plank.web.socket.protocol.Frames;

/**
 * Follows the captured tables under open streams. Each subscription remembers its table as the catalog had it when it
 * was made ({@link CapturedTable}: relation, columns); each read of the catalog that differs from the one before is
 * held against every subscription ({@link TableChange}): a table dropped, released or renamed ends its subscriptions
 * with {@code unsubscribed} and a code that says which ({@link Ending}); a column that a subscription's filter or row
 * binding reads, dropped, renamed or given another type, ends that subscription ({@link Ending#INVALID_FILTER})
 * instead of leaving it silent; subscriptions whose filters the change does not touch carry on with the new row shape.
 * The same read keeps {@link CapturedTables}, which subscribes, the status and the admin API read, up to date.
 *
 * <p>Read on every {@link CatalogChanged} (DDL on a captured table, a table captured or released: the listener
 * fires it after handing on the changes committed before) and once a second besides ({@link OpenStreamChecks}), for databases where Plank's
 * event trigger could not be created (it needs a superuser).
 */
@ApplicationScoped
public class CatalogWatch {

    private static final Logger LOG = Logger.getLogger(CatalogWatch.class.getName());

    @Inject
    CapturedTables captured;

    @Inject
    TableRows tableRows;

    @Inject
    Router router;

    @Inject
    Endings endings;

    /** Counts the passes begun, so that a subscribe made against an older catalog can tell (see {@link #generation}). */
    private final AtomicLong generation = new AtomicLong();
    private volatile Map<String, CapturedTable> applied;
    /** A catalog the check once a second found changed, applied if the next check finds it still so. */
    private Map<String, CapturedTable> pending;
    /** {@link CapturedTables#reads()} after the last pass's own read. */
    private long readsAtLastPass = -1;

    void catalogChanged(@Observes CatalogChanged changed) {
        try {
            check(true);
        } catch (DatabaseException e) {
            LOG.log(Level.WARNING, "Could not read the captured tables after DDL; trying again within a second", e);
        }
    }

    /** Once a second ({@link OpenStreamChecks}). */
    void quietCheck() {
        try {
            check(false);
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "Could not read the captured tables; trying again in a second", e);
        }
    }

    /**
     * Incremented at the start of every pass over the subscriptions. A subscribe reads it before it reads the catalog
     * and again once routed: if it moved, the pass may have missed the new subscription, which is then
     * {@link #check(Client, Subscription) checked} by itself.
     */
    long generation() {
        return generation.get();
    }

    /**
     * Reads the catalog and, if it changed since the last pass, holds every open subscription against it. A read by
     * anyone else since (a subscribe's) counts as a change: its subscription was made against a catalog this watch
     * has not compared with. {@code noticed}: the listener says so, after handing on the changes committed before the
     * DDL, so the change applies at once; found by the check once a second instead, it applies at the next check if
     * it still holds, which leaves the listener a second to hand on a dropped table's last changes first.
     */
    private synchronized void check(boolean noticed) {
        long readsBefore = captured.reads();
        Map<String, CapturedTable> now = captured.refresh();
        boolean readByOthers = readsBefore != readsAtLastPass;
        readsAtLastPass = captured.reads();
        if (now.equals(applied) && !readByOthers && pending == null) {
            return;
        }
        if (!noticed && !now.equals(pending)) {
            pending = now;
            return;
        }
        pending = null;
        applied = now;
        tableRows.forgetRecentShapes();
        generation.incrementAndGet();
        for (String table : router.watchedTables()) {
            for (Client client : router.clientsOf(table)) {
                for (Subscription subscription : client.all()) {
                    if (subscription.table().equals(table)) {
                        apply(client, subscription, now);
                    }
                }
            }
        }
    }

    /** Holds one subscription against the catalog as last read. */
    void check(Client client, Subscription subscription) {
        Map<String, CapturedTable> now = applied;
        if (now != null) {
            apply(client, subscription, now);
        }
    }

    private void apply(Client client, Subscription subscription, Map<String, CapturedTable> now) {
        CapturedTable seen = subscription.seenAs();
        if (seen == null) {
            return;
        }
        TableChange change = TableChange.of(seen, now, captured::exists).orElse(null);
        if (change == null) {
            return;
        }
        String table = seen.name();
        switch (change.why()) {
            case DROPPED -> endings.end(client, subscription, Ending.TABLE_DROPPED, "Table '" + table + "' was dropped");
            case REPLACED -> endings.end(client, subscription, Ending.TABLE_DROPPED, "Table '" + table
                    + "' was dropped; the table of that name now is another one: subscribe again to follow it");
            case RELEASED -> endings.end(client, subscription, Ending.TABLE_RELEASED, "Table '" + table + "' is no longer captured");
            case RENAMED -> endings.end(client, subscription, Ending.TABLE_RENAMED, "Table '" + table + "' was renamed to '"
                    + change.renamedTo() + "'; subscribe to '" + change.renamedTo() + "' to follow it");
            case RESHAPED -> {
                if (Collections.disjoint(subscription.filter().columns(), change.changedColumns())) {
                    subscription.seenAs(change.now()); // carries on with the new row shape
                    if (subscription.schemaNotices()) {
                        subscription.sendIfCurrent(client.outbox(), Message.of(Frames.schema(table, subscription.sub(), change.now().columns())));
                        client.outbox().flush();
                    }
                } else {
                    endings.end(client, subscription, Ending.INVALID_FILTER, "The columns of '" + table + "' changed ("
                            + String.join(", ", change.changedColumns()) + " dropped, renamed or retyped) under this subscription's "
                            + (subscription.bound() ? "filter or row binding" : "filter") + "; subscribe again with a filter that fits");
                }
            }
        }
    }
}
