package io.plank.health.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** The attribute reads of one second share one reading; a failed reading is not kept. */
class SharedReadingTest {

    private final AtomicLong now = new AtomicLong(10_000);
    private final AtomicInteger readings = new AtomicInteger();

    @Test
    void readsWithinASecondShareOneReading() {
        var shared = new SharedReading<>(readings::incrementAndGet, now::get);
        assertEquals(1, shared.get());
        now.addAndGet(999);
        assertEquals(1, shared.get(), "six attributes read in a burst: one reading");
        now.addAndGet(1);
        assertEquals(2, shared.get(), "a second later: a new one");
    }

    @Test
    void aFailedReadingIsTriedAgainAtTheNextRead() {
        var failing = new AtomicInteger(1);
        var shared = new SharedReading<>(() -> {
            if (failing.getAndDecrement() > 0) {
                throw new IllegalStateException("database away");
            }
            return readings.incrementAndGet();
        }, now::get);
        assertThrows(IllegalStateException.class, shared::get);
        assertEquals(1, shared.get(), "at once, not a second later");
    }
}
