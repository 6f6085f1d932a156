package io.plank.web.incontainer;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition until it holds or a deadline passes; the poll interval is never what a test asserts on. */
final class Eventually {

    private static final long POLL_MILLIS = 50;

    private Eventually() {
    }

    static void await(String description, Duration within, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError("Not true within " + within + ": " + description);
            }
            Thread.sleep(POLL_MILLIS);
        }
    }
}
