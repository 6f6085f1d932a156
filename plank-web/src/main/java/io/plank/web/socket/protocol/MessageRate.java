package io.plank.web.socket.protocol;

/**
 * A connection's allowance of messages: a token bucket holding at most {@code perSecond} messages, refilled at
 * {@code perSecond} a second, full at the start. A client may send a burst of that many and then that many a second
 * for ever. Refilled from the clock when a message arrives, so it needs no thread or timer; the container calls a
 * session's message handler one message at a time, so it needs no lock either.
 */
public final class MessageRate {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final int perSecond;
    private double tokens;
    private long refilledAt;

    public MessageRate(int perSecond, long now) {
        this.perSecond = perSecond;
        this.tokens = perSecond;
        this.refilledAt = now;
    }

    /** Takes one message's token at {@code now} (nanoseconds); false if the bucket is empty, taking nothing. */
    public boolean take(long now) {
        if (perSecond <= 0) {
            return true;
        }
        tokens = Math.min(perSecond, tokens + (double) (now - refilledAt) * perSecond / NANOS_PER_SECOND);
        refilledAt = now;
        if (tokens < 1) {
            return false;
        }
        tokens -= 1;
        return true;
    }
}
