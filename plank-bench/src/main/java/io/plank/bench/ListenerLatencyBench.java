package io.plank.bench;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.plank.domain.change.ChangeEvent;
import io.plank.listener.feed.ListenerSettings;
import io.plank.listener.feed.NotificationLoop;
import io.plank.persistence.db.DatabaseSettings;
import io.plank.persistence.migration.SchemaMigrator;
import io.plank.testsupport.db.TestDatabase;

/**
 * Prints the listener's latency at a steady rate. Modes: {@code plain} and {@code fast} measure the hop
 * pg_notify sent -> change received (ephemeral capture): {@code plain} with a bare pgjdbc
 * {@code getNotifications(timeout)} loop ({@link PgjdbcReads}, what Plank would do without its fast reads), {@code fast}
 * through Plank's listener ({@link NotificationLoop}); {@code durable} measures INSERT committed -> ChangeEvent,
 * through the capture trigger, the change log and its seq-ordered reader. Changes per wake-up (how many notifications
 * one {@code getNotifications} call returned) are counted for the bare loop only; Plank's reads return each
 * notification as it arrives (FastNotificationReadsTest). Both ends run in this JVM, so both timestamps are
 * {@link System#nanoTime()}. Settings: {@code -Dbench.rate=1000} changes/s, {@code -Dbench.seconds=10},
 * {@code -Dbench.warmup=2} seconds, {@code -Dbench.modes=plain,fast,durable}.
 */
public final class ListenerLatencyBench {

    private static final Logger PLANK_LOG = Logger.getLogger("io.plank");
    private static final PrintStream OUT = System.out; // a command-line report, not application logging

    private final DatabaseSettings database;
    private final int rate;
    private final int warmup;
    private final int measured;

    private ListenerLatencyBench(DatabaseSettings database, int rate, int seconds, int warmupSeconds) {
        this.database = database;
        this.rate = rate;
        this.warmup = rate * warmupSeconds;
        this.measured = rate * seconds;
    }

    public static void main(String[] args) throws Exception {
        int rate = Integer.getInteger("bench.rate", 1_000);
        int seconds = Integer.getInteger("bench.seconds", 10);
        int warmupSeconds = Integer.getInteger("bench.warmup", 2);
        String[] modes = System.getProperty("bench.modes", "plain,fast,durable").split(",");
        PLANK_LOG.setLevel(Level.WARNING);
        // exec:java's class loader hides the driver from DriverManager's discovery; and with -am the fan-out benchmark
        // may have run first in this JVM and registered it from plank-web's class loader, which this one cannot use.
        Class.forName("org.postgresql.Driver");
        try (var db = TestDatabase.create()) {
            var settings = new DatabaseSettings(db.url(), db.user(), db.password());
            SchemaMigrator.migrate(settings.unpooled("plank-bench-migrate"));
            var bench = new ListenerLatencyBench(settings, rate, seconds, warmupSeconds);
            OUT.printf("Listener latency: %,d changes/s for %d s after %d s warm-up (plain, fast: pg_notify -> event;"
                    + " durable: INSERT commit -> event)%n", rate, seconds, warmupSeconds);
            OUT.printf("%-6s %9s %9s %9s %9s %12s %9s %6s%n", "reads", "p50 ms", "p90 ms", "p99 ms", "max ms",
                    "per wake-up", "sent/s", "lost");
            for (String mode : modes) {
                bench.run(mode.trim());
            }
        }
    }

    private void run(String mode) throws Exception {
        if (!mode.equals("plain") && !mode.equals("fast") && !mode.equals("durable")) {
            throw new IllegalArgumentException("bench.modes takes plain, fast and durable, not " + mode);
        }
        if (mode.equals("plain")) {
            runPlain();
            return;
        }
        var settings = ListenerSettings.defaults();
        boolean durable = mode.equals("durable");
        int total = warmup + measured;
        long[] latencies = new long[total];
        Arrays.fill(latencies, -1);
        var arrived = new AtomicInteger();
        var loop = new NotificationLoop(database, event -> record(event, latencies, arrived), settings, null, "bench-" + mode);
        var thread = new Thread(loop, "bench-listener-" + mode);
        thread.start();
        try (Connection sender = database.open("plank-bench-sender");
             var notify = sender.prepareStatement(durable
                     ? "INSERT INTO items (name, value) VALUES (?, ?)"
                     : "SELECT pg_notify('plank_changes', ?)")) {
            awaitListening(loop);
            if (!loop.fastReads()) {
                throw new IllegalStateException("Plank's listener runs without its fast reads: see the WARNING above");
            }
            send(notify, 0, warmup, durable);
            awaitArrivals(arrived, warmup);
            long started = System.nanoTime();
            send(notify, warmup, total, durable);
            double sentPerSecond = measured / ((System.nanoTime() - started) / 1e9);
            awaitArrivals(arrived, total);
            loop.stop();
            thread.join(5_000);
            print(mode, Arrays.copyOfRange(latencies, warmup, total), Double.NaN, sentPerSecond);
        } finally {
            loop.stop();
        }
    }

    /** The same hop through a bare pgjdbc loop: the baseline Plank's fast reads are measured against. */
    private void runPlain() throws Exception {
        int total = warmup + measured;
        long[] latencies = new long[total];
        Arrays.fill(latencies, -1);
        var arrived = new AtomicInteger();
        try (var reads = new PgjdbcReads(database, (key, frame) -> record(key, frame, false, latencies, arrived));
             Connection sender = database.open("plank-bench-sender");
             var notify = sender.prepareStatement("SELECT pg_notify('plank_changes', ?)")) {
            var thread = new Thread(reads, "bench-listener-plain");
            thread.start();
            send(notify, 0, warmup, false);
            awaitArrivals(arrived, warmup);
            long wakeUpsBefore = reads.wakeUps();
            long receivedBefore = reads.received();
            long started = System.nanoTime();
            send(notify, warmup, total, false);
            double sentPerSecond = measured / ((System.nanoTime() - started) / 1e9);
            awaitArrivals(arrived, total);
            double perWakeUp = (double) (reads.received() - receivedBefore) / (reads.wakeUps() - wakeUpsBefore);
            reads.close();
            thread.join(5_000);
            print("plain", Arrays.copyOfRange(latencies, warmup, total), perWakeUp, sentPerSecond);
        }
    }

    /** Sends sequence numbers [from, to) at the configured steady rate, each change carrying its send time. */
    private void send(java.sql.PreparedStatement notify, int from, int to, boolean durable) throws SQLException {
        long period = TimeUnit.SECONDS.toNanos(1) / rate;
        long start = System.nanoTime();
        for (int seq = from; seq < to; seq++) {
            long due = start + (seq - from) * period;
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                if (wait > 100_000) {
                    LockSupport.parkNanos(wait - 50_000);
                } else {
                    Thread.onSpinWait();
                }
            }
            if (durable) {
                notify.setString(1, "sent " + System.nanoTime() + " ");
                notify.setInt(2, seq);
            } else {
                notify.setString(1, "{\"table\" : \"bench\", \"action\" : \"INSERT\", \"id\" : " + seq
                        + ", \"data\" : {\"sent\" : " + System.nanoTime() + "}, \"at\" : 1795000000000000}");
            }
            notify.execute();
        }
    }

    private static void record(ChangeEvent event, long[] latencies, AtomicInteger arrived) {
        record(event.key(), event.row(), event.durable(), latencies, arrived);
    }

    private static void record(String key, String row, boolean durable, long[] latencies, AtomicInteger arrived) {
        long received = System.nanoTime();
        if (durable) {
            int at = row.indexOf("sent ") + 5;
            long sent = Long.parseLong(row, at, row.indexOf(' ', at), 10);
            int index = row.indexOf("\"value\": ") + 9;
            latencies[Integer.parseInt(row, index, row.indexOf(',', index), 10)] = received - sent;
        } else {
            // "sent" : 123 as the bench wrote it, or "sent":123 as a decoded row: the digits after the name.
            int at = row.indexOf("\"sent\"") + 6;
            while (!Character.isDigit(row.charAt(at))) {
                at++;
            }
            int end = at;
            while (end < row.length() && Character.isDigit(row.charAt(end))) {
                end++;
            }
            long sent = Long.parseLong(row, at, end, 10);
            latencies[Integer.parseInt(key)] = received - sent;
        }
        arrived.incrementAndGet();
    }

    private void print(String mode, long[] latencies, double perWakeUp, double sentPerSecond) {
        long[] seen = Arrays.stream(latencies).filter(latency -> latency >= 0).sorted().toArray();
        if (seen.length == 0) {
            OUT.printf("%-6s nothing arrived%n", mode);
            return;
        }
        OUT.printf("%-6s %9.3f %9.3f %9.3f %9.3f %12s %9.0f %6d%n", mode, percentile(seen, 50), percentile(seen, 90),
                percentile(seen, 99), seen[seen.length - 1] / 1e6, Double.isNaN(perWakeUp) ? "-" : String.format("%.1f", perWakeUp),
                sentPerSecond, latencies.length - seen.length);
    }

    private static double percentile(long[] sorted, int percent) {
        int index = (int) Math.ceil(percent / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, index)] / 1e6;
    }

    private static void awaitListening(NotificationLoop loop) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!loop.status().listening()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("listener not listening: " + loop.status());
            }
            Thread.sleep(10);
        }
    }

    private static void awaitArrivals(AtomicInteger arrived, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (arrived.get() < count && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }
}
