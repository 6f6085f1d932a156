package io.plank.testsupport.wait;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waiting with a deadline for a state that changes without telling anyone (readiness, a listener's status, a count):
 * the one poller of Plank's tests. It probes at once, then after pauses that grow from 10 ms to 250 ms; the pause
 * is never what a test asserts on.
 */
public final class Eventually {

    private static final long FIRST_PAUSE_MILLIS = 10;
    private static final long LONGEST_PAUSE_MILLIS = 250;

    private Eventually() {
    }

    /** Waits until {@code condition} holds; at the deadline fails naming {@code what}. */
    public static void until(String what, Duration within, BooleanSupplier condition) {
        until(what, within, condition::getAsBoolean, Boolean.TRUE::equals, () -> "");
    }

    /** Probes until {@code done} accepts the value; returns that value. */
    public static <T> T until(String what, Duration within, Supplier<T> probe, Predicate<? super T> done) {
        return until(what, within, probe, done, () -> "");
    }

    /**
     * Probes until {@code done} accepts the value and returns it; at the deadline fails with {@code what}, the last
     * value seen and {@code evidence} (asked for only then).
     */
    public static <T> T until(String what, Duration within, Supplier<T> probe, Predicate<? super T> done, Supplier<String> evidence) {
        long deadline = System.nanoTime() + within.toNanos();
        long pause = FIRST_PAUSE_MILLIS;
        T last = probe.get();
        while (!done.test(last)) {
            if (System.nanoTime() - deadline > 0) {
                String more = evidence.get();
                throw new AssertionError(what + ": still " + last + " after " + within.toMillis() + " ms"
                        + (more.isEmpty() ? "" : " " + more));
            }
            pause(pause);
            pause = Math.min(pause * 2, LONGEST_PAUSE_MILLIS);
            last = probe.get();
        }
        return last;
    }

    /** The longest pause between two probes, for loops that must poll in their own way. */
    public static void pause() {
        pause(LONGEST_PAUSE_MILLIS);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while waiting", e);
        }
    }
}
