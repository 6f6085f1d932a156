package io.plank.web.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class AdmissionTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final long START = 1_000 * SECOND;

    @Test
    void aBurstIsAdmittedThenTheRateAndTheSurplusIsRefused() {
        var admission = new Admission(10, 30, START);
        for (int i = 0; i < 30; i++) {
            assertEquals(0, admission.admit(START), "connection " + i + " of the burst");
        }
        assertTrue(admission.admit(START) > 0, "the 31st at the same instant");
        assertEquals(0, admission.admit(START + SECOND / 10), "a tenth of a second later: one more");
        assertTrue(admission.admit(START + SECOND / 10) > 0, "but not two");
        assertEquals(2, admission.refused());
    }

    @Test
    void aCrowdRefusedAtOnceIsToldToComeBackSpreadOverTheTimeTheRateNeeds() {
        var admission = new Admission(100, 100, START);
        for (int i = 0; i < 100; i++) {
            admission.admit(START);
        }
        List<Long> told = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            told.add(admission.admit(START));
        }
        assertEquals(1, told.get(0), "the first refused: the next second");
        assertEquals(1, told.get(99), "100 a second: the first hundred in the next second");
        assertEquals(2, told.get(100));
        assertEquals(5, told.get(499), "500 refused at 100 a second: the last in 5 s");
        for (int i = 1; i < told.size(); i++) {
            assertTrue(told.get(i) >= told.get(i - 1), "promises only grow within one instant");
        }
        for (int i = 0; i < 100; i++) {
            assertEquals(0, admission.admit(START + 10 * SECOND), "ten seconds on, the bucket is full again: " + i);
        }
    }

    @Test
    void theWaitToldIsCappedSoAFloodDoesNotPushEveryoneOutForMinutes() {
        var admission = new Admission(10, 10, START);
        long last = 0;
        for (int i = 0; i < 10_000; i++) {
            last = admission.admit(START);
        }
        assertEquals(Admission.MAX_RETRY_AFTER_SECONDS, last);
        assertEquals(0, admission.admit(START + Admission.MAX_RETRY_AFTER_SECONDS * SECOND),
                "the bucket refills from the clock, whatever was promised");
    }

    @Test
    void zeroAdmitsEveryone() {
        var admission = new Admission(0, 0, START);
        for (int i = 0; i < 100_000; i++) {
            assertEquals(0, admission.admit(START));
        }
        assertEquals(0, admission.refused());
    }

    @Test
    void theRefusalNamesTheSettingAndTheWait() {
        var admission = new Admission(250, 0, START);
        String refusal = admission.refusal(3);
        assertTrue(refusal.contains("plank.ws.admission-rate") && refusal.contains("250") && refusal.contains("3 s"), refusal);
    }
}
