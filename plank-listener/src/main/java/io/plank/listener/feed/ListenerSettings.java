package io.plank.listener.feed;

/**
 * How the listener waits and backs off. The EJB fills it from MicroProfile Config; tests and the
 * benchmark build it directly.
 *
 * @param pollTimeoutMs    longest single wait for notifications; finite because a dead network never
 *                         wakes an endless wait (pgjdbc#1144), so an empty wait triggers a liveness check
 * @param backoffInitialMs first pause after a failure, doubled after each further failure
 * @param backoffMaxMs     longest pause between reconnection attempts
 * @param checkTimeoutMs   network timeout of the listener's connection: bounds connecting, LISTEN and the
 *                         liveness check, so a silent network turns into a reconnect within this time
 */
public record ListenerSettings(int pollTimeoutMs, int backoffInitialMs, int backoffMaxMs, int checkTimeoutMs) {

    public static final int DEFAULT_POLL_TIMEOUT_MS = 500;
    public static final int DEFAULT_BACKOFF_INITIAL_MS = 100;
    public static final int DEFAULT_BACKOFF_MAX_MS = 2000;
    public static final int DEFAULT_CHECK_TIMEOUT_MS = 2000;

    public ListenerSettings {
        if (pollTimeoutMs <= 0) {
            throw new IllegalArgumentException("poll timeout must be positive (0 would wait forever), was " + pollTimeoutMs);
        }
        if (backoffInitialMs <= 0 || backoffMaxMs < backoffInitialMs) {
            throw new IllegalArgumentException("backoff must satisfy 0 < initial <= max, was " + backoffInitialMs + ".." + backoffMaxMs);
        }
        if (checkTimeoutMs <= 0) {
            throw new IllegalArgumentException("check timeout must be positive, was " + checkTimeoutMs);
        }
    }

    public static ListenerSettings defaults() {
        return of(DEFAULT_POLL_TIMEOUT_MS, DEFAULT_BACKOFF_MAX_MS);
    }

    /** The two configurable timings, the rest at their defaults. */
    public static ListenerSettings of(int pollTimeoutMs, int backoffMaxMs) {
        return new ListenerSettings(pollTimeoutMs, Math.min(DEFAULT_BACKOFF_INITIAL_MS, backoffMaxMs), backoffMaxMs,
                DEFAULT_CHECK_TIMEOUT_MS);
    }
}
