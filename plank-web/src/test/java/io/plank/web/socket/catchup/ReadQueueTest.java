package io.plank.web.socket.catchup;

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

/**
 * Catch-up reads: never more than the limit at once on a larger pool, none lost; addresses take turns, one address never
 * takes every reader, and within an address first come first served.
 */
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
            submitters.execute(() -> queue.submit("10.0.0." + (Thread.currentThread().getId() % 3), new Object(), () -> {
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
    void oneClientsReadsStartInTheOrderTheyCame() throws Exception {
        var queue = new ReadQueue(pool, 1);
        Object client = new Object();
        var gate = new CountDownLatch(1);
        List<Integer> order = new CopyOnWriteArrayList<>();
        var done = new CountDownLatch(6);
        queue.submit("a", client, () -> {
            await(gate);
            done.countDown();
        });
        for (int i = 1; i <= 5; i++) {
            int n = i;
            queue.submit("a", client, () -> {
                order.add(n);
                done.countDown();
            });
        }
        gate.countDown();
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertEquals(List.of(1, 2, 3, 4, 5), order);
    }

    @Test
    void addressesTakeTurns() throws Exception {
        var queue = new ReadQueue(pool, 1);
        Object greedy = new Object();
        var gate = new CountDownLatch(1);
        List<String> order = new CopyOnWriteArrayList<>();
        var done = new CountDownLatch(8);
        queue.submit("greedy", greedy, () -> {
            await(gate);
            done.countDown();
        });
        for (int i = 1; i <= 5; i++) {
            String read = "greedy" + i;
            queue.submit("greedy", greedy, () -> {
                order.add(read);
                done.countDown();
            });
        }
        for (String address : List.of("other", "third")) {
            queue.submit(address, new Object(), () -> {
                order.add(address);
                done.countDown();
            });
        }
        gate.countDown();
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertEquals(List.of("greedy1", "other", "third", "greedy2", "greedy3", "greedy4", "greedy5"), order);
    }

    @Test
    void oneAddressNeverTakesEveryReaderSoAnothersReadStartsAtOnce() throws Exception {
        var queue = new ReadQueue(pool, 3);
        var gate = new CountDownLatch(1);
        var greedyRunning = new AtomicInteger();
        var greedyDone = new CountDownLatch(10);
        for (int i = 0; i < 10; i++) {
            queue.submit("greedy", new Object(), () -> {
                greedyRunning.incrementAndGet();
                await(gate);
                greedyRunning.decrementAndGet();
                greedyDone.countDown();
            });
        }
        var other = new CountDownLatch(1);
        queue.submit("other", new Object(), other::countDown);
        assertTrue(other.await(5, TimeUnit.SECONDS), "another address's read ran while the greedy one's were stuck");
        // Its second read may still be on its way to a thread; a third never starts while the first two are stuck.
        for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5); greedyRunning.get() < 2 && System.nanoTime() < deadline; ) {
            Thread.onSpinWait();
        }
        TimeUnit.MILLISECONDS.sleep(100);
        assertEquals(2, greedyRunning.get(), "the greedy address runs at most limit - 1 reads");
        gate.countDown();
        assertTrue(greedyDone.await(10, TimeUnit.SECONDS), "and all of them in the end");
    }

    @Test
    void withinAnAddressTheClientThatHadFewestReadsGoesFirst() throws Exception {
        var queue = new ReadQueue(pool, 1);
        var gate = new CountDownLatch(1);
        Object first = new Object();
        Object second = new Object();
        Object newcomer = new Object();
        List<String> order = new CopyOnWriteArrayList<>();
        var done = new CountDownLatch(8);
        queue.submit("a", first, () -> {
            await(gate);
            done.countDown();
        });
        for (int i = 1; i <= 3; i++) {
            for (Object client : List.of(first, second)) {
                String read = (client == first ? "first" : "second") + i;
                queue.submit("a", client, () -> {
                    order.add(read);
                    done.countDown();
                });
            }
        }
        queue.submit("a", newcomer, () -> {
            order.add("newcomer");
            done.countDown();
        });
        gate.countDown();
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertEquals(List.of("second1", "newcomer", "first1", "second2", "first2", "second3", "first3"), order);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
