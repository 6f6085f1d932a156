package io.plank.web.limits;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * How many WebSocket connections and event streams each client address holds, at most
 * {@code plank.ws.max-connections-per-address} (0: no limit). The address is the one the server sees: behind a proxy
 * that is the proxy's, so an operator there raises the limit or sets 0 and limits at the proxy.
 *
 * <p>A WebSocket connection is counted by {@link WebSocketConnectionLimit} before its upgrade, an event stream when it
 * is opened; each is uncounted when {@code Sessions} forgets it, which it does once for every way a connection ends
 * (or by the filter, if the handshake did not upgrade). An address whose count reaches zero leaves the map, so the
 * map holds no more entries than there are connections.
 */
@ApplicationScoped
public class ConnectionsPerAddress {

    @Inject
    @ConfigProperty(name = "plank.ws.max-connections-per-address", defaultValue = "1000")
    int limit;

    /** How long a counted handshake may take to open its endpoint before its count is given back. */
    static final long OPEN_GRACE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final ConcurrentMap<String, Integer> counts = new ConcurrentHashMap<>();
    /** Handshakes counted and not yet opened as sessions, by handshake id. */
    private final ConcurrentMap<String, Pending> pending = new ConcurrentHashMap<>();

    private record Pending(String address, long sinceNanos) {
    }

    public int limit() {
        return limit;
    }

    /** Counts a connection from {@code address}; false, counting nothing, if it already holds the limit. */
    public boolean acquire(String address) {
        boolean[] acquired = {false};
        counts.compute(address, (key, count) -> {
            int held = count == null ? 0 : count;
            if (limit > 0 && held >= limit) {
                return count;
            }
            acquired[0] = true;
            return held + 1;
        });
        return acquired[0];
    }

    /** Uncounts one connection of {@code address}; called exactly once for each {@link #acquire} that returned true. */
    public void release(String address) {
        counts.computeIfPresent(address, (key, count) -> count <= 1 ? null : count - 1);
    }

    /**
     * A handshake counted for {@code address} is going on: until its endpoint {@link #opened opens}, the count is the
     * handshake's. One that never opens (on Payara a client gone between the 101 and the endpoint's open gets neither
     * an open nor a close) is given back by {@link #releaseUnopened}, so no address loses a slot for good.
     */
    public void expectOpen(String handshake, String address) {
        pending.put(handshake, new Pending(address, System.nanoTime()));
    }

    /** The endpoint of {@code handshake} opened: true if its count is now the session's to give back. */
    public boolean opened(String handshake) {
        return pending.remove(handshake) != null;
    }

    /** The handshake did not upgrade: gives its count back, unless its endpoint opened meanwhile. */
    public void notUpgraded(String handshake) {
        Pending gone = pending.remove(handshake);
        if (gone != null) {
            release(gone.address());
        }
    }

    /** Gives back the counts of handshakes that upgraded {@link #OPEN_GRACE_NANOS} ago or more and never opened. */
    public void releaseUnopened(long nowNanos) {
        pending.forEach((handshake, waiting) -> {
            if (nowNanos - waiting.sinceNanos() >= OPEN_GRACE_NANOS && pending.remove(handshake, waiting)) {
                release(waiting.address());
            }
        });
    }

    /** Connections {@code address} holds now. */
    public int count(String address) {
        return counts.getOrDefault(address, 0);
    }

    /** What a refused client is told, naming the setting. */
    public String refusal() {
        return "Too many connections from this address: at most " + limit + " (plank.ws.max-connections-per-address)";
    }
}
