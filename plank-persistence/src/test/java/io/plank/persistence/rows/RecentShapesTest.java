package io.plank.persistence.rows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Shapes shared across subscribes: one catalog read for many askers, read again once stale, a missing table never remembered. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class RecentShapesTest {

    private static final TableShape ITEMS = new TableShape("items", "items", Map.of(), List.of("id"));

    private final ExecutorService askers = Executors.newFixedThreadPool(16);

    @AfterEach
    void stop() {
        askers.shutdownNow();
    }

    @Test
    void manyAskingAtOnceShareOneRead() throws Exception {
        var reads = new AtomicInteger();
        var shapes = new RecentShapes(table -> {
            reads.incrementAndGet();
            sleep(50); // a read in progress while the others ask
            return Optional.of(ITEMS);
        });
        var done = new CountDownLatch(1_000);
        for (int i = 0; i < 1_000; i++) {
            askers.execute(() -> {
                try {
                    assertEquals(ITEMS, shapes.shape("items").orElseThrow());
                    done.countDown();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
        }
        assertTrue(done.await(10, TimeUnit.SECONDS), "left: " + done.getCount());
        assertTrue(reads.get() <= 2, "1,000 asks within 50 ms: " + reads.get() + " reads");
    }

    @Test
    void aStaleShapeIsReadAgainAndAMissingTableIsNotRemembered() throws Exception {
        var reads = new AtomicInteger();
        var exists = new java.util.concurrent.atomic.AtomicBoolean(false);
        var shapes = new RecentShapes(table -> {
            reads.incrementAndGet();
            return exists.get() ? Optional.of(ITEMS) : Optional.empty();
        });
        assertTrue(shapes.shape("items").isEmpty());
        exists.set(true);
        assertEquals(ITEMS, shapes.shape("items").orElseThrow(), "captured a moment later: found at once");
        shapes.shape("items");
        assertEquals(2, reads.get(), "the second ask within half a second shares the first read");
        sleep(TimeUnit.NANOSECONDS.toMillis(RecentShapes.FRESH_NANOS) + 50);
        shapes.shape("items");
        assertEquals(3, reads.get(), "read again once stale");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
