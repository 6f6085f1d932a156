package io.plank.web.limits;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * How fast this server takes new connections: at most {@code plank.ws.admission-rate} WebSocket handshakes and event
 * streams a second, after a burst of {@code plank.ws.admission-burst} (0: as many as the rate), all clients together.
 * A token bucket, full at the start and refilled from the clock when a connection asks: no timer, one lock held for a
 * few arithmetic steps.
 *
 * <p>The surplus is refused before any work is done for it (before the upgrade, before the stream's subscription) with
 * 503 and a {@code Retry-After} that spreads the refused over the time the rate needs to admit them: each refusal is
 * promised the next free slot after the last one promised, so a crowd of 5,000 refused at once is told 1, 2, 3, ...
 * seconds, not all the same second. Clients add their own jitter.
 *
 * <p>Off by default: a browser cannot read a refused handshake's status, so plank.js backs off as after any failed
 * attempt, doubling its wait each time it is refused; in 5,000-client storms on WildFly a limit of 1,000 a second made
 * the last client later, not sooner (31 s against 15 s in one run; docs/PERFORMANCE.md). It is for a server, or a
 * database behind it, that cannot hold the crowd at all.
 */
@ApplicationScoped
public class Admission {

    /** Longest wait a refused client is told: beyond it the promise would only grow a queue that never drains. */
    static final long MAX_RETRY_AFTER_SECONDS = 60;

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Inject
    @ConfigProperty(name = "plank.ws.admission-rate", defaultValue = "0")
    int rate;

    @Inject
    @ConfigProperty(name = "plank.ws.admission-burst", defaultValue = "0")
    int burst;

    private final LongAdder refused = new LongAdder();

    /** Guarded by this: connections that may still be admitted now, when they were last counted, the last slot promised. */
    private double tokens;
    private long refilledAt;
    private long promisedUntil;

    public Admission() {
    }

    /** An admission of {@code rate} a second after {@code burst} (0: the rate), starting full at {@code nowNanos}. */
    Admission(int rate, int burst, long nowNanos) {
        this.rate = rate;
        this.burst = burst;
        start(nowNanos);
    }

    @PostConstruct
    void start() {
        start(System.nanoTime());
    }

    private synchronized void start(long nowNanos) {
        tokens = capacity();
        refilledAt = nowNanos;
        promisedUntil = nowNanos;
    }

    /** 0 if a new connection may open now (and counts it); otherwise the seconds the client is asked to wait, at least 1. */
    public long admit(long nowNanos) {
        if (rate <= 0) {
            return 0;
        }
        long wait;
        synchronized (this) {
            tokens = Math.min(capacity(), tokens + (double) (nowNanos - refilledAt) * rate / SECOND);
            refilledAt = nowNanos;
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            promisedUntil = Math.min(Math.max(promisedUntil, nowNanos) + SECOND / rate, nowNanos + MAX_RETRY_AFTER_SECONDS * SECOND);
            wait = promisedUntil - nowNanos;
        }
        refused.increment();
        return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, (wait + SECOND - 1) / SECOND));
    }

    /** Connections refused since this server started. */
    public long refused() {
        return refused.sum();
    }

    /** What a refused client is told, naming the setting. */
    public String refusal(long retryAfterSeconds) {
        return "Too many new connections: at most " + rate + " a second (plank.ws.admission-rate); try again in "
                + retryAfterSeconds + " s";
    }

    private int capacity() {
        return Math.max(1, burst > 0 ? burst : rate);
    }
}
