package io.plank.web.limits;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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
 * (or by the filter, if the handshake did not upgrade). An address whose count is zero leaves the map at the next
 * sweep ({@link #releaseUnopened}, once a second), so the map holds no more entries than there are connections and
 * addresses seen in the last second.
 *
 * <p>Each address's count is an {@link AtomicInteger} changed by compare-and-set, not the map's {@code compute}: every
 * client behind one proxy (or a load test's) has the same address, and {@code compute} on one key is one lock, for
 * which, in a storm of 5,000 reconnects from one address, Payara's request threads waited 30 s in all (JFR). A count
 * the sweep takes out is marked {@link #FORGOTTEN} first, so that no acquire counts on it afterwards.
 */
@ApplicationScoped
public class ConnectionsPerAddress {

    @Inject
    @ConfigProperty(name = "plank.ws.max-connections-per-address", defaultValue = "1000")
    int limit;

    /** How long a counted handshake may take to open its endpoint before its count is given back. */
    static final long OPEN_GRACE_NANOS = TimeUnit.SECONDS.toNanos(30);

    /** A count being taken out of the map: acquires wait for the new one. */
    private static final int FORGOTTEN = Integer.MIN_VALUE;

    private final ConcurrentMap<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    /** Handshakes counted and not yet opened as sessions, by handshake id. */
    private final ConcurrentMap<String, Pending> pending = new ConcurrentHashMap<>();

    private record Pending(String address, long sinceNanos) {
    }

    public int limit() {
        return limit;
    }

    /** Counts a connection from {@code address}; false, counting nothing, if it already holds the limit. */
    public boolean acquire(String address) {
        while (true) {
            AtomicInteger count = counts.computeIfAbsent(address, key -> new AtomicInteger());
            int held = count.get();
            if (held == FORGOTTEN) {
                Thread.onSpinWait(); // the sweep is taking it out of the map this instant
            } else if (limit > 0 && held >= limit) {
                return false;
            } else if (count.compareAndSet(held, held + 1)) {
                return true;
            }
        }
    }

    /** Uncounts one connection of {@code address}; called exactly once for each {@link #acquire} that returned true. */
    public void release(String address) {
        AtomicInteger count = counts.get(address);
        if (count == null) {
            return;
        }
        for (int held = count.get(); held > 0 && !count.compareAndSet(held, held - 1); held = count.get()) {
            Thread.onSpinWait();
        }
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

    /**
     * Gives back the counts of handshakes that upgraded {@link #OPEN_GRACE_NANOS} ago or more and never opened, and
     * forgets the addresses that hold no connection.
     */
    public void releaseUnopened(long nowNanos) {
        pending.forEach((handshake, waiting) -> {
            if (nowNanos - waiting.sinceNanos() >= OPEN_GRACE_NANOS && pending.remove(handshake, waiting)) {
                release(waiting.address());
            }
        });
        counts.forEach((address, count) -> {
            if (count.compareAndSet(0, FORGOTTEN)) {
                counts.remove(address, count);
            }
        });
    }

    /** Connections {@code address} holds now. */
    public int count(String address) {
        AtomicInteger count = counts.get(address);
        return count == null ? 0 : Math.max(0, count.get());
    }

    /** Addresses in the map: with connections, or without since the last sweep. */
    int addresses() {
        return counts.size();
    }

    /** What a refused client is told, naming the setting. */
    public String refusal() {
        return "Too many connections from this address: at most " + limit + " (plank.ws.max-connections-per-address)";
    }
}
