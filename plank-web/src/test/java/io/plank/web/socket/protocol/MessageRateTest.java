package io.plank.web.socket.protocol;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MessageRateTest {

    private static final long MS = 1_000_000L;

    @Test
    void aBurstOfTheRateIsAllowedAndOneMoreIsNot() {
        var rate = new MessageRate(100, 0);
        for (int i = 0; i < 100; i++) {
            assertTrue(rate.take(0), "message " + i);
        }
        assertFalse(rate.take(0));
    }

    @Test
    void afterTheBurstTheRateGoesOnForEver() {
        var rate = new MessageRate(100, 0);
        for (int i = 0; i < 100; i++) {
            rate.take(0);
        }
        for (int i = 1; i <= 1_000; i++) {
            assertTrue(rate.take(i * 10 * MS), "paced message " + i);
        }
    }

    @Test
    void tokensDoNotPileUpBeyondTheBurst() {
        var rate = new MessageRate(10, 0);
        long later = 3_600_000 * MS;
        for (int i = 0; i < 10; i++) {
            assertTrue(rate.take(later));
        }
        assertFalse(rate.take(later), "an hour idle buys no more than one burst");
    }

    @Test
    void zeroMeansNoLimit() {
        var rate = new MessageRate(0, 0);
        for (int i = 0; i < 10_000; i++) {
            assertTrue(rate.take(0));
        }
    }
}
