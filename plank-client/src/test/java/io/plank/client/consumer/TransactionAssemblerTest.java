package io.plank.client.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;

import jakarta.json.JsonValue;

import org.junit.jupiter.api.Test;

import io.plank.client.SubscriptionEvent.Change;
import io.plank.client.SubscriptionEvent.Kind;

class TransactionAssemblerTest {

    private final TransactionAssembler assembler = new TransactionAssembler();

    private static Change change(long seq, Long tx, boolean txLast) {
        return new Change(Kind.CHANGE, "t", "INSERT", JsonValue.NULL, null, seq, tx, txLast, null, null);
    }

    private static List<List<Long>> seqs(TransactionAssembler.Release release) {
        return release.transactions().stream().map(tx -> tx.stream().map(Change::seq).toList()).toList();
    }

    @Test
    void interleavedTransactionsGoOnlyWhenNoneIsOpenInTheOrderTheyEnded() {
        assembler.add(change(1, 100L, false));
        assembler.add(change(2, 200L, true));
        assertNull(assembler.release(), "B ended, but A began before it: storing seq 2 would skip seq 1");
        assembler.add(change(3, 100L, true));
        var release = assembler.release();
        assertEquals(List.of(List.of(2L), List.of(1L, 3L)), seqs(release), "B then A: the order they ended");
        assertEquals(3, release.position());
        assertEquals(3, release.changes());
        assertNull(assembler.release(), "nothing twice");
    }

    @Test
    void changesWithoutATransactionStandAloneAndTxEndClosesOne() {
        assembler.add(change(5, null, true));
        assembler.add(change(6, 300L, false));
        assembler.end(999);
        assertNull(assembler.release(), "a tx_end for a transaction not held changes nothing");
        assembler.end(300);
        var release = assembler.release();
        assertEquals(List.of(List.of(5L), List.of(6L)), seqs(release));
        assertEquals(6, release.position());
    }

    @Test
    void clearForgetsEverythingHeld() {
        assembler.add(change(7, 400L, false));
        assembler.clear();
        assertEquals(0, assembler.held());
        assembler.add(change(9, 500L, true));
        assertEquals(9, assembler.release().position());
    }
}
