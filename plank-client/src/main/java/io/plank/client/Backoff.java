package io.plank.client;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with jitter, as plank.js has it: attempt n waits a random time in [d/2, d] with
 * d = initial * 2^n, capped at max. Half the delay stays fixed so a crowd of clients spreads out without any of them
 * hammering a server that just came back. A floor (the server asked to come back later: 1013, 4429, a 503's
 * Retry-After) is jittered too, in [floor, 1.5 floor]: a crowd told to wait at once does not come back at once.
 */
final class Backoff {

    private final long initialMs;
    private final long maxMs;
    private final DoubleSupplier random;
    private int attempt;

    Backoff(Duration initial, Duration max, DoubleSupplier random) {
        this.initialMs = initial.toMillis();
        this.maxMs = max.toMillis();
        this.random = random;
    }

    /** The delay before the next attempt, at least {@code floorMs}; counts the attempt. */
    long next(long floorMs) {
        double ceiling = Math.min(maxMs, initialMs * Math.pow(2, Math.min(attempt, 30)));
        attempt++;
        double delay = ceiling / 2 + random.getAsDouble() * ceiling / 2;
        double floor = floorMs > 0 ? floorMs + random.getAsDouble() * floorMs / 2 : 0;
        return Math.round(Math.max(floor, delay));
    }

    int attempt() {
        return attempt;
    }

    void reset() {
        attempt = 0;
    }
}
