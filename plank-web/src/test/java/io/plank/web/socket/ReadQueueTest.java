package io.plank.web.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Catch-up reads: never more than the limit at once on a larger pool, first come first served, none lost. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ReadQueueTest {

    private final ExecutorService pool = Executors.newFixedThreadPool(16);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void atMostTheLimitRunAtOnceAndEveryReadRuns() throws Exception {
        var queue = new ReadQueue(pool, 3);
        var running = new AtomicInteger();
        var most = new AtomicInteger();
        var done = new CountDownLatch(2_000);
        var submitters = Executors.newFixedThreadPool(4);
        for (int i = 0; i < 2_000; i++) {
            submitters.execute(() -> queue.submit(() -> {
                most.accumulateAndGet(running.incrementAndGet(), Math::max);
                Thread.onSpinWait();
                running.decrementAndGet();
                done.countDown();
            }));
        }
        assertTrue(done.await(15, TimeUnit.SECONDS), "every read ran; left: " + done.getCount());
        submitters.shutdown();
        assertTrue(most.get() <= 3, "at most 3 at once, saw " + most.get());
    }

    @Test
    void readsStartInTheOrderTheyCame() throws Exception {
        var queue = new ReadQueue(pool, 1);
        var gate = new CountDownLatch(1);
        List<Integer> order = new CopyOnWriteArrayList<>();
        var done = new CountDownLatch(6);
        queue.submit(() -> {
            await(gate);
            done.countDown();
        });
        for (int i = 1; i <= 5; i++) {
            int n = i;
            queue.submit(() -> {
                order.add(n);
                done.countDown();
            });
        }
        gate.countDown();
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertEquals(List.of(1, 2, 3, 4, 5), order);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
