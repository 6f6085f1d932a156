package io.plank.web.socket.fanout;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.websocket.CloseReason;

import io.plank.domain.change.ChangeEvent;
import io.plank.web.socket.outbox.Outbox;

/**
 * Which clients watch which table, and the way each change takes to them. It observes {@link ChangeEvent}s on the
 * listener's thread, so it only looks up the table's clients and queues the already serialised frame on each (see
 * {@link Fanout}); sending happens in each client's {@link Outbox}. Counts changes and frames per table.
 */
@ApplicationScoped
public class Router {

    private static final Logger LOG = Logger.getLogger(Router.class.getName());

    private final ConcurrentMap<String, Set<Client>> byTable = new ConcurrentHashMap<>();
    private final LongAdder changesReceived = new LongAdder();
    private final ConcurrentMap<String, TableStats> stats = new ConcurrentHashMap<>();

    void onChange(@Observes ChangeEvent change) {
        changesReceived.increment();
        TableStats table = stats(change.table());
        table.changed();
        Set<Client> watchers = byTable.get(change.table());
        if (watchers != null) {
            var fanout = new Fanout(change, table);
            int frames = 0;
            for (Client client : watchers) {
                try {
                    frames += client.deliver(fanout);
                } catch (RuntimeException e) { // one client's failure is not the others': they still get the change
                    LOG.log(Level.WARNING, "Delivering a change of " + change.table() + " to session " + client.id()
                            + " failed; closing it so that it resumes", e);
                    client.outbox().giveUp(new CloseReason(CloseReason.CloseCodes.UNEXPECTED_CONDITION,
                            "Plank failed on this connection; reconnect and resume with since"));
                }
            }
            table.delivered(frames);
        }
    }

    /** Routes {@code table}'s changes to {@code client}. */
    public void route(Client client, String table) {
        byTable.compute(table, (name, watchers) -> {
            Set<Client> routed = watchers != null ? watchers : ConcurrentHashMap.newKeySet();
            routed.add(client);
            return routed;
        });
    }

    /** Stops routing {@code table}'s changes to {@code client} if it no longer watches the table (or is closed). */
    public void unroute(Client client, String table) {
        byTable.computeIfPresent(table, (name, watchers) -> {
            if (client.closed() || !client.watches(table)) {
                watchers.remove(client);
            }
            return watchers.isEmpty() ? null : watchers;
        });
    }

    /** The clients watching {@code table} now. */
    public List<Client> clientsOf(String table) {
        Set<Client> watchers = byTable.get(table);
        return watchers == null ? List.of() : List.copyOf(watchers);
    }

    /** The tables some client watches now. */
    public List<String> watchedTables() {
        return List.copyOf(byTable.keySet());
    }

    /** Counts change frames of {@code table} queued to clients, live or in catch-up. */
    public void delivered(String table, int frames) {
        if (frames > 0) {
            stats(table).delivered(frames);
        }
    }

    /** What this instance has seen of {@code table} since it started: changes, frames queued, latency. */
    public TableStats stats(String table) {
        TableStats known = stats.get(table);
        return known != null ? known : stats.computeIfAbsent(table, name -> new TableStats());
    }

    /** Every table this instance has seen, with its figures. */
    public Map<String, TableStats> allStats() {
        return Map.copyOf(stats);
    }

    public long changesReceived() {
        return changesReceived.sum();
    }

    /** The tables with at least one subscribed client, and how many clients each. */
    public Map<String, Integer> subscribers() {
        Map<String, Integer> perTable = new TreeMap<>();
        byTable.forEach((table, watchers) -> {
            if (!watchers.isEmpty()) {
                perTable.put(table, watchers.size());
            }
        });
        return perTable;
    }
}
