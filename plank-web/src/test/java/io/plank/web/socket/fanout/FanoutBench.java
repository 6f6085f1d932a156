package io.plank.web.socket.fanout;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

import jakarta.json.Json;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;

import io.plank.domain.access.RowBinding;
import io.plank.domain.change.Action;
import io.plank.domain.change.ChangeEvent;
import io.plank.domain.filter.Filter;
import io.plank.persistence.migration.SchemaMigrator;
import io.plank.persistence.rows.RowFilter;
import io.plank.persistence.rows.TableRows;
import io.plank.testsupport.db.TestDatabase;
import io.plank.testsupport.websocket.TextRemote;
import io.plank.web.security.Caller;
import io.plank.web.socket.outbox.Backlog;
import io.plank.web.socket.outbox.Outbox;
import io.plank.web.socket.outbox.WebSocketTransport;

/**
 * Plank's own cost of fanning one change out to 1,000 connections, by kind of subscription: how long the
 * listener's thread is busy per change (p50, p99) and deliveries per second. Sends complete at once, so this
 * measures Plank's code (filters, frames, outboxes), not the network or the container's WebSocket stack.
 *
 * <p>Beside the fan-out code, in its package and in this module's test tree, so that it reaches the package-private
 * fan-out classes without widening their API or splitting the package across jars. Run by the {@code bench} profile.
 *
 * <pre>mvn -pl plank-bench -am verify -Pbench -DskipTests</pre>
 */
public final class FanoutBench {

    private static final PrintStream OUT = System.out; // a command-line report, not application logging
    private static final int CLIENTS = Integer.getInteger("clients", 1_000);
    private static final int CHANGES = Integer.getInteger("changes", 5_000);
    private static final int WARMUP = 2_000;
    /** The row binding case: the clients spread over this many tenants, each change one tenant's. */
    private static final int TENANTS = 100;

    private FanoutBench() {
    }

    public static void main(String[] args) throws Exception {
        Class.forName("org.postgresql.Driver"); // exec:java's class loader hides it from DriverManager's discovery
        RowFilter paid;
        RowFilter[] tenants = new RowFilter[TENANTS];
        try (TestDatabase database = TestDatabase.create()) {
            SchemaMigrator.migrate(database.dataSource());
            try (var connection = database.connect(); var statement = connection.createStatement()) {
                statement.execute("CREATE TABLE orders (id bigint PRIMARY KEY, status text, total numeric, note text, tenant text)");
                statement.execute("SELECT plank.capture('orders')");
            }
            var rows = new TableRows(database.dataSource());
            paid = rows.filter(rows.shape("orders").orElseThrow(), Filter.parse("status=eq.paid"));
            var binding = new RowBinding("orders", "tenant", "tenant");
            for (int t = 0; t < TENANTS; t++) {
                tenants[t] = rows.filter(rows.shape("orders").orElseThrow(), binding.narrow(null, List.of("t" + t)).orElseThrow());
            }
        }
        OUT.printf("Fan-out of one change to %,d connections; %,d changes per case (UPDATEs in transactions of three, half of them 'paid')%n", CLIENTS, CHANGES);
        OUT.println("case                          busy per change p50 / p99     deliveries/s");
        run("plain (no id, no filter)", () -> List.of(Subscription.live(null, "orders", RowFilter.ALL)));
        run("with an id", () -> List.of(Subscription.live("feed", "orders", RowFilter.ALL)));
        // Filtered subscriptions as the JavaScript client makes them: with tx_end frames.
        run("filtered status=eq.paid", () -> List.of(Subscription.live("paid", "orders", paid, true)));
        run("two: all + filtered", () -> List.of(Subscription.live("all", "orders", RowFilter.ALL, true),
                Subscription.live("paid", "orders", paid, true)));
        // Row bindings: each client reads one of 100 tenants through its token's claim (a filter it cannot remove);
        // each change is one tenant's, so a hundredth of the clients are sent it.
        int[] next = {0};
        run("bound, 100 tenants", () -> List.of(Subscription.live("mine", "orders", tenants[next[0]++ % TENANTS], true).bound(true)));
    }

    private static void run(String name, Supplier<List<Subscription>> subscriptions) {
        var remote = new CountingRemote();
        var backlog = new Backlog(Long.MAX_VALUE, () -> { });
        var stats = new TableStats();
        var limits = new Outbox.Limits(1_000, Long.MAX_VALUE);
        List<Client> subscribers = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            var outbox = new Outbox(new WebSocketTransport("c" + i, remote, null, false), limits, backlog, Runnable::run, reason -> {
                throw new IllegalStateException("closed: " + reason);
            });
            var subscriber = new Client(outbox, Caller.anonymous(List.of()), "127.0.0.1", (ignored, subscription) -> { });
            subscriptions.get().forEach(subscriber::put);
            subscribers.add(subscriber);
        }
        List<ChangeEvent> changes = new ArrayList<>();
        for (int i = 0; i < WARMUP + CHANGES; i++) {
            changes.add(change(i + 1));
        }
        long[] busy = new long[CHANGES];
        long sentBefore = 0;
        long started = 0;
        for (int i = 0; i < changes.size(); i++) {
            if (i == WARMUP) {
                sentBefore = remote.sent;
                started = System.nanoTime();
            }
            long start = System.nanoTime();
            var fanout = new Fanout(changes.get(i), stats);
            for (Client subscriber : subscribers) {
                subscriber.deliver(fanout);
            }
            if (i >= WARMUP) {
                busy[i - WARMUP] = System.nanoTime() - start;
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        Arrays.sort(busy);
        OUT.printf("%-28s  %8.3f / %8.3f ms          %,12.0f%n", name, busy[CHANGES / 2] / 1e6, busy[CHANGES * 99 / 100] / 1e6,
                (remote.sent - sentBefore) / seconds);
    }

    private static ChangeEvent change(long seq) {
        String status = seq % 2 == 0 ? "paid" : "open";
        String tenant = "t" + (seq * 7 % TENANTS);
        var row = Json.createObjectBuilder().add("id", seq).add("status", status).add("total", 12.5).add("note", "x".repeat(120)).add("tenant", tenant);
        var old = Json.createObjectBuilder().add("id", seq).add("status", seq % 4 == 0 ? "open" : status).add("total", 12.5).add("note", "x".repeat(120))
                .add("tenant", tenant);
        // Transactions of three: a filtered subscription is sent the middle of one and owed its end (tx_end), the
        // start and end of the next.
        var tx = new ChangeEvent.Tx((seq + 2) / 3, seq - (seq - 1) % 3, seq % 3 == 0);
        return new ChangeEvent(seq, "orders", Action.UPDATE, Long.toString(seq), row.build().toString(), old.build().toString(),
                1_795_000_000_000_000L + seq, false, tx);
    }

    /** Completes every send at once and counts it. One instance serves all subscribers; the bench is single-threaded. */
    private static final class CountingRemote extends TextRemote {
        private static final SendResult OK = new SendResult();
        long sent;

        @Override
        public void sendText(String text, SendHandler handler) {
            sent++;
            handler.onResult(OK);
        }
    }
}
