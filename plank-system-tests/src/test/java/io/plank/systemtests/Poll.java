package io.plank.systemtests;

import java.time.Duration;
import java.util.function.Supplier;

/** Polling with a deadline: for states that change without telling anyone, like readiness. */
final class Poll {

    private static final Duration INTERVAL = Duration.ofMillis(250);

    private Poll() {
    }

    /** Polls {@code probe} until it returns {@code expected}; fails with the last value seen at the deadline. */
    static <T> void until(String what, Duration timeout, Supplier<T> probe, T expected) {
        until(what, timeout, probe, expected, () -> "");
    }

    /** As {@link #until(String, Duration, Supplier, Object)}, adding {@code evidence} to the failure message. */
    static <T> void until(String what, Duration timeout, Supplier<T> probe, T expected, Supplier<String> evidence) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = probe.get();
        while (!expected.equals(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": still " + last + " after " + timeout.toSeconds() + " s, expected "
                        + expected + " " + evidence.get());
            }
            pause();
            last = probe.get();
        }
    }

    /** The pause between two probes, for loops that poll in their own way. */
    static void pause() {
        try {
            Thread.sleep(INTERVAL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while polling", e);
        }
    }
}
