package io.plank.web.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class ConnectionsPerAddressTest {

    private static ConnectionsPerAddress limitedTo(int limit) {
        var connections = new ConnectionsPerAddress();
        connections.limit = limit;
        return connections;
    }

    @Test
    void aHandshakeThatNeverOpensGivesItsSlotBackAfterTheGraceAndOneThatOpensDoesNot() {
        var connections = limitedTo(2);
        assertTrue(connections.acquire("10.0.0.1"));
        connections.expectOpen("lost", "10.0.0.1");
        assertTrue(connections.acquire("10.0.0.1"));
        connections.expectOpen("opened", "10.0.0.1");
        assertTrue(connections.opened("opened"), "the session's to give back now");
        assertFalse(connections.acquire("10.0.0.1"), "full");

        long now = System.nanoTime();
        connections.releaseUnopened(now);
        assertEquals(2, connections.count("10.0.0.1"), "within the grace, nothing is given back");
        connections.releaseUnopened(now + ConnectionsPerAddress.OPEN_GRACE_NANOS + 1);
        assertEquals(1, connections.count("10.0.0.1"), "the handshake that never opened gave its slot back; the session keeps its own");
        assertFalse(connections.opened("lost"), "opening late: the count is gone already, the session must not give it back again");

        connections.expectOpen("refused", "10.0.0.1");
        assertTrue(connections.acquire("10.0.0.1"));
        connections.notUpgraded("refused");
        assertEquals(1, connections.count("10.0.0.1"), "a handshake that did not upgrade gives its slot back at once");
    }

    @Test
    void anAddressHoldsAtMostTheLimitAndOthersAreNotAffected() {
        var connections = limitedTo(3);
        for (int i = 0; i < 3; i++) {
            assertTrue(connections.acquire("10.0.0.1"));
        }
        assertFalse(connections.acquire("10.0.0.1"));
        assertEquals(3, connections.count("10.0.0.1"), "a refused acquire counts nothing");
        assertTrue(connections.acquire("10.0.0.2"));
    }

    @Test
    void releasingGivesTheSlotBackAndAnEmptyAddressIsForgotten() {
        var connections = limitedTo(2);
        for (int round = 0; round < 1_000; round++) {
            assertTrue(connections.acquire("a"));
            assertTrue(connections.acquire("a"));
            connections.release("a");
            connections.release("a");
        }
        assertEquals(0, connections.count("a"));
        connections.release("a"); // a stray release never goes below zero
        assertEquals(0, connections.count("a"));
        assertTrue(connections.acquire("a") && connections.acquire("a") && !connections.acquire("a"));
        connections.release("a");
        connections.release("a");
        connections.releaseUnopened(System.nanoTime());
        assertEquals(0, connections.addresses(), "the sweep forgets an address without connections");
        connections.release("a"); // a stray release of a forgotten address
        assertTrue(connections.acquire("a") && connections.acquire("a") && !connections.acquire("a"), "counted afresh");
        connections.releaseUnopened(System.nanoTime());
        assertEquals(2, connections.count("a"), "an address with connections is kept");
    }

    @Test
    void sweepsRacingAcquiresAndReleasesLoseNoCount() throws Exception {
        var connections = limitedTo(4);
        var stop = new java.util.concurrent.atomic.AtomicBoolean();
        var over = new AtomicInteger();
        var sweeper = new Thread(() -> {
            while (!stop.get()) {
                connections.releaseUnopened(System.nanoTime());
            }
        });
        sweeper.start();
        ExecutorService threads = Executors.newFixedThreadPool(4);
        List<CompletableFuture<Void>> clients = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            clients.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 20_000; i++) {
                    if (!connections.acquire("a")) {
                        over.incrementAndGet(); // four threads, one connection each at most: never refused
                        continue;
                    }
                    if (connections.count("a") > 4) {
                        over.incrementAndGet();
                    }
                    connections.release("a");
                }
            }, threads));
        }
        CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get(60, java.util.concurrent.TimeUnit.SECONDS);
        stop.set(true);
        sweeper.join();
        threads.shutdown();
        assertEquals(0, over.get(), "refused or over the limit although each thread held one connection at most");
        assertEquals(0, connections.count("a"), "every acquire released, none lost to a sweep");
        assertTrue(connections.acquire("a") && connections.acquire("a") && connections.acquire("a") && connections.acquire("a")
                && !connections.acquire("a"), "the full limit is there again");
    }

    @Test
    void zeroMeansNoLimit() {
        var connections = limitedTo(0);
        for (int i = 0; i < 10_000; i++) {
            assertTrue(connections.acquire("a"));
        }
        assertEquals(10_000, connections.count("a"));
    }

    @Test
    void racingAcquiresNeverPassTheLimit() throws Exception {
        var connections = limitedTo(50);
        var start = new CyclicBarrier(8);
        var acquired = new AtomicInteger();
        List<CompletableFuture<Void>> racers = new ArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(8);
        for (int t = 0; t < 8; t++) {
            racers.add(CompletableFuture.runAsync(() -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                for (int i = 0; i < 100; i++) {
                    if (connections.acquire("a")) {
                        acquired.incrementAndGet();
                    }
                }
            }, threads));
        }
        CompletableFuture.allOf(racers.toArray(CompletableFuture[]::new)).get(30, java.util.concurrent.TimeUnit.SECONDS);
        threads.shutdown();
        assertEquals(50, acquired.get());
        assertEquals(50, connections.count("a"));
    }
}
