package io.plank.web.socket.catchup;

import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.WeakHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.plank.web.socket.fanout.Client;
import io.plank.web.socket.outbox.Outbox;

/**
 * Catch-up's database reads, at most {@code limit} at a time on the executor: together they never take more than that
 * many pooled connections or worker threads. Each read is short (a snapshot, or one page of the log) and never waits
 * for a client.
 *
 * <p>Fair across addresses, then clients. Waiting reads are taken from one address after another in turn; within an
 * address, the client that has had the fewest reads goes first (then first come, first served), and a client has at
 * most one read waiting or running anyway ({@link Client#catchUp} runs its catch-ups one at a time, each with one read
 * at a time). One address runs at most {@code limit - 1} reads at once, so with two or more readers another address's
 * read starts at once instead of after one of them. A client that stops reading submits nothing more
 * ({@link Outbox#whenRoom}, {@link Outbox#whenDrained}). So connections asking for a hundred snapshots each delay a
 * client that asks for one by about one read, whichever address they come from (issue 19: 190 such connections made
 * another client of their address wait 3.4 s for a resume and a one-row snapshot when each client's reads merely
 * took turns).
 */
final class ReadQueue {

    private static final Logger LOG = Logger.getLogger(ReadQueue.class.getName());

    private final Executor executor;
    private final int limit;
    private final int perAddress;
    /** Each address with reads waiting, in the order they take turns: the next read is the first's, which then goes last. */
    private final Map<String, Queue<Waiting>> waiting = new LinkedHashMap<>();
    private final Map<String, Integer> running = new HashMap<>();
    /** How many reads each client has had; weak, so a client gone is forgotten. */
    private final Map<Object, long[]> served = new WeakHashMap<>();
    private long submitted;
    private int runningTotal;

    ReadQueue(Executor executor, int limit) {
        this.executor = executor;
        this.limit = Math.max(1, limit);
        this.perAddress = Math.max(1, this.limit - 1);
    }

    /**
     * Queues a read for {@code client} (any object that stands for one connection) at {@code address}; it runs when its
     * address's turn comes, no client of the address that has had fewer reads is waiting, and a reader is free.
     */
    void submit(String address, Object client, Runnable read) {
        synchronized (this) {
            long reads = served.computeIfAbsent(client, key -> new long[1])[0]++;
            waiting.computeIfAbsent(address, key -> new PriorityQueue<>(FEWEST_READS_FIRST)).add(new Waiting(reads, submitted++, read));
        }
        startWaiting();
    }

    private record Waiting(long clientReads, long order, Runnable read) {
    }

    private static final Comparator<Waiting> FEWEST_READS_FIRST = Comparator.comparingLong(Waiting::clientReads).thenComparingLong(Waiting::order);

    private record Turn(String address, Runnable read) {
    }

    private void startWaiting() {
        for (Turn turn; (turn = next()) != null; ) {
            Turn started = turn;
            try {
                executor.execute(() -> run(started));
            } catch (RejectedExecutionException e) {
                finished(started.address());
                LOG.log(Level.WARNING, "A catch-up read was refused by the executor (shutting down?)", e);
                return;
            }
        }
    }

    /** The next read to start, counted as running; null if every reader is busy or no address may start one. */
    private synchronized Turn next() {
        if (runningTotal >= limit) {
            return null; // a running read starts the next as it ends
        }
        for (Iterator<Map.Entry<String, Queue<Waiting>>> addresses = waiting.entrySet().iterator(); addresses.hasNext(); ) {
            Map.Entry<String, Queue<Waiting>> entry = addresses.next();
            String address = entry.getKey();
            if (running.getOrDefault(address, 0) >= perAddress) {
                continue;
            }
            Queue<Waiting> reads = entry.getValue();
            Runnable read = reads.poll().read();
            addresses.remove();
            if (!reads.isEmpty()) {
                waiting.put(address, reads); // to the back of the turns
            }
            running.merge(address, 1, Integer::sum);
            runningTotal++;
            return new Turn(address, read);
        }
        return null;
    }

    private synchronized void finished(String address) {
        runningTotal--;
        running.computeIfPresent(address, (key, count) -> count > 1 ? count - 1 : null);
    }

    private void run(Turn turn) {
        try {
            turn.read().run();
        } finally {
            finished(turn.address());
            startWaiting();
        }
    }
}
