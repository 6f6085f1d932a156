package io.plank.web.socket;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Catch-up's database reads, first come first served, at most {@code limit} at a time on the executor: together
 * they never take more than that many pooled connections or worker threads. Each read is short (a snapshot, or one
 * page of the log) and never waits for a client, so no client can keep another's read waiting for long.
 */
final class ReadQueue {

    private static final Logger LOG = Logger.getLogger(ReadQueue.class.getName());

    private final Executor executor;
    private final int limit;
    private final Queue<Runnable> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger running = new AtomicInteger();

    ReadQueue(Executor executor, int limit) {
        this.executor = executor;
        this.limit = Math.max(1, limit);
    }

    void submit(Runnable read) {
        waiting.add(read);
        startWaiting();
    }

    private void startWaiting() {
        while (!waiting.isEmpty()) {
            int now = running.get();
            if (now >= limit) {
                return; // a running read starts the next as it ends
            }
            if (!running.compareAndSet(now, now + 1)) {
                continue;
            }
            Runnable read = waiting.poll();
            if (read == null) {
                running.decrementAndGet();
                continue;
            }
            try {
                executor.execute(() -> run(read));
            } catch (RejectedExecutionException e) {
                running.decrementAndGet();
                LOG.log(Level.WARNING, "A catch-up read was refused by the executor (shutting down?)", e);
                return;
            }
        }
    }

    private void run(Runnable read) {
        try {
            read.run();
        } finally {
            running.decrementAndGet();
            startWaiting();
        }
    }
}
