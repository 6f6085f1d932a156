package io.plank.client;

/** Where a {@link PlankClient}'s connection stands. */
public enum ConnectionState {
    /** Opening a WebSocket, or waiting for the server to accept the token. */
    CONNECTING,
    /** Subscriptions are served. */
    OPEN,
    /** Lost; the next attempt comes after a backoff. */
    RECONNECTING,
    /** {@link PlankClient#close()} was called. */
    CLOSED,
    /** The server closed with a code that means the client is at fault (1002, 1003, 1007-1010): not retried. */
    FAILED;

    /**
     * A change of state. {@code code} and {@code reason} are the close that caused it (null otherwise);
     * {@code delayMillis} is the wait before the next attempt when reconnecting.
     */
    public record Change(ConnectionState state, ConnectionState previous, Integer code, String reason, Long delayMillis) {
    }
}
