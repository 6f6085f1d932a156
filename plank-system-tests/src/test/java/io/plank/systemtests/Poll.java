package io.plank.systemtests;

import java.time.Duration;
import java.util.function.Supplier;

import io.plank.testsupport.wait.Eventually;

/** Waiting for a probe to give an expected value (a status code, a flag), in the system tests' words; {@link Eventually} polls. */
final class Poll {

    private Poll() {
    }

    /** Polls {@code probe} until it returns {@code expected}; fails with the last value seen at the deadline. */
    static <T> void until(String what, Duration timeout, Supplier<T> probe, T expected) {
        until(what, timeout, probe, expected, () -> "");
    }

    /** As {@link #until(String, Duration, Supplier, Object)}, adding {@code evidence} to the failure message. */
    static <T> void until(String what, Duration timeout, Supplier<T> probe, T expected, Supplier<String> evidence) {
        Eventually.until(what, timeout, probe, expected::equals, () -> "(expected " + expected + ") " + evidence.get());
    }

    /** The pause between two probes, for loops that poll in their own way. */
    static void pause() {
        Eventually.pause();
    }
}
