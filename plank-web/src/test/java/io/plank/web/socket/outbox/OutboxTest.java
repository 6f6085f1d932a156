package io.plank.web.socket.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import jakarta.websocket.CloseReason;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.plank.testsupport.websocket.TextRemote;

/**
 * The outbox pump against a scripted asynchronous endpoint: containers may complete a send inline or
 * later on another thread, and may refuse overlapping sends; these tests play each of those.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class OutboxTest {

    private final ExecutorService completions = Executors.newSingleThreadExecutor();
    private final Trouble owner = new Trouble();

    @AfterEach
    void stop() {
        completions.shutdownNow();
    }

    @Test
    void sendsOverlapOnlyWithinOneDrainAndKeepTheirOrderWhenTheyCompleteLater() throws Exception {
        var remote = new ScriptedRemote(handler -> completions.execute(() -> handler.onResult(new SendResult())));
        var outbox = owner.outbox(remote, 100_000);
        var senders = Executors.newFixedThreadPool(4);
        List<Future<?>> work = new ArrayList<>();
        for (int thread = 0; thread < 4; thread++) {
            int t = thread;
            work.add(senders.submit(() -> {
                for (int i = 0; i < 5_000; i++) {
                    assertTrue(outbox.send(m(t + ":" + i)));
                }
            }));
        }
        for (Future<?> future : work) {
            future.get();
        }
        senders.shutdown();
        owner.awaitDelivered(20_000);

        assertFalse(remote.overlapped.get(), "never two sends in flight on one session, but those of one drain");
        assertEquals(20_000, remote.sent.size());
        int[] next = new int[4];
        for (String message : remote.sent) {
            int t = message.charAt(0) - '0';
            assertEquals(next[t]++, Integer.parseInt(message.substring(2)), "each producer's messages keep their order");
        }
    }

    @Test
    void sendsThatCompleteInlineDoNotRecurse() throws Exception {
        var first = new AtomicReference<SendHandler>();
        var remote = new ScriptedRemote(handler -> {
            if (!first.compareAndSet(null, handler)) {
                handler.onResult(new SendResult()); // every later send completes on the caller's stack
            }
        });
        var outbox = owner.outbox(remote, 200_000);
        for (int i = 0; i < 100_000; i++) {
            outbox.send(m("m" + i));
        }
        assertEquals(1, remote.sent.size(), "the rest wait behind the first, unfinished send");

        first.get().onResult(new SendResult()); // would overflow the stack if each completion recursed

        owner.awaitDelivered(100_000);
        assertEquals(100_000, remote.sent.size());
        assertEquals("m99999", remote.sent.peekLast());
    }

    @Test
    void aFullOutboxRefusesAndReportsTheOverflowOnce() {
        var remote = new ScriptedRemote(handler -> { }); // the client never reads
        var outbox = owner.outbox(remote, 10);
        for (int i = 0; i < 10; i++) {
            assertTrue(outbox.send(m("m" + i)), "one in flight plus nine queued");
        }
        assertFalse(outbox.send(m("one too many")));
        assertFalse(outbox.send(m("and another")));
        assertEquals(1, owner.overflows.get());
    }

    @Test
    void aFailedSendReportsTheTroubleAndStopsSending() {
        var remote = new ScriptedRemote(handler -> handler.onResult(new SendResult(new IOException("broken pipe"))));
        var outbox = owner.outbox(remote, 10);
        assertTrue(outbox.send(m("first")));
        assertFalse(outbox.send(m("second")));
        assertEquals(1, owner.failures.get());
        assertEquals(1, remote.sent.size());
    }

    @Test
    void aSendRefusedByTheContainerCountsAsAFailure() {
        var remote = new ScriptedRemote(handler -> {
            throw new IllegalStateException("session closed");
        });
        var outbox = owner.outbox(remote, 10);
        outbox.send(m("first"));
        assertEquals(1, owner.failures.get());
        assertFalse(outbox.send(m("second")));
    }

    @Test
    void aClientFallsBehindByCharactersTooButAMessageAloneMayBeLarger() {
        var remote = new ScriptedRemote(handler -> { });
        var outbox = new Outbox(new WebSocketTransport("t", remote, null, false), new Outbox.Limits(1_000, 100), owner.backlog, Runnable::run, reason -> owner.overflows.incrementAndGet());
        assertTrue(outbox.send(m("x".repeat(500))), "one message larger than the limit goes, alone");
        assertFalse(outbox.send(m("y")));
        assertEquals(1, owner.overflows.get());
    }

    @Test
    void aMessageQueuedForManyClientsCountsOnceInTheBacklogUntilTheLastHasIt() {
        var pending = new ConcurrentLinkedQueue<SendHandler>();
        var remote = new ScriptedRemote(pending::add);
        var frame = m("0123456789");
        var outboxes = IntStream.range(0, 3).mapToObj(i -> owner.outbox(remote, 100)).toList();
        outboxes.forEach(outbox -> outbox.send(frame));
        assertEquals(10, owner.backlog.chars(), "the heap holds it once");
        assertEquals(10, outboxes.get(1).backlogChars(), "each client still waits for all of it");

        pending.poll().onResult(new SendResult()); // the first client has it
        outboxes.get(1).close();                  // the second is gone
        assertEquals(10, owner.backlog.chars(), "still held for the third");
        pending.poll();
        pending.poll().onResult(new SendResult());
        assertEquals(0, owner.backlog.chars(), "given back once the last has it");
    }

    @Test
    void everyoneTogetherIsCountedAndAClosedOutboxGivesItsShareBack() {
        var remote = new ScriptedRemote(handler -> { });
        var outbox = owner.outbox(remote, 100);
        outbox.send(m("12345"));
        outbox.send(m("678"));
        outbox.reserve(1_000);
        assertEquals(1_008, owner.backlog.chars());
        assertEquals(1_008, outbox.backlogChars());
        outbox.unreserve(400);
        assertEquals(608, owner.backlog.chars());
        outbox.close();
        outbox.unreserve(600);
        assertEquals(0, owner.backlog.chars(), "queued, in flight and reserved are all given back, once");
    }

    @Test
    void workWaitingForRoomRunsWhenTheClientHasReadEnough() {
        var pending = new ConcurrentLinkedDeque<SendHandler>();
        var remote = new ScriptedRemote(pending::add);
        var outbox = owner.outbox(remote, 10);
        for (int i = 0; i < 8; i++) {
            outbox.send(m("m" + i));
        }
        var ran = new AtomicInteger();
        outbox.whenRoom(ran::incrementAndGet);
        assertEquals(0, ran.get(), "eight of ten in use: no room yet");
        pending.poll().onResult(new SendResult());
        assertEquals(0, ran.get(), "seven in use, all in the next drain");
        for (int i = 0; i < 6; i++) {
            pending.poll().onResult(new SendResult());
        }
        assertEquals(0, ran.get(), "a drain gives its room back when all of it has gone");
        pending.poll().onResult(new SendResult());
        assertEquals(1, ran.get(), "none in use: room");
        outbox.send(m("more"));
        pending.poll().onResult(new SendResult());
        assertEquals(1, ran.get(), "runs once");
        outbox.whenRoom(ran::incrementAndGet);
        assertEquals(2, ran.get(), "with room already, at once");
    }

    @Test
    void aPlainClientGetsWhatPiledUpAsMessagesOfTheirOwnWrittenTogether() {
        // Undertow's way with batching allowed: the frames wait for the flush, then each send completes.
        var written = new ConcurrentLinkedDeque<SendHandler>();
        var unflushed = new ConcurrentLinkedDeque<SendHandler>();
        var remote = new ScriptedRemote[1];
        remote[0] = new ScriptedRemote(handler -> (remote[0].getBatchingAllowed() ? unflushed : written).add(handler));
        remote[0].onFlush = () -> {
            for (SendHandler handler; (handler = unflushed.poll()) != null; ) {
                written.add(handler);
            }
        };
        var outbox = owner.outbox(remote[0], 1_000);
        outbox.send(m("{\"n\":0}"));
        for (int i = 1; i <= 5; i++) {
            outbox.send(m("{\"n\":" + i + "}"));
        }
        assertEquals(List.of("{\"n\":0}"), List.copyOf(remote[0].sent), "the first goes alone, the rest wait behind it");
        assertEquals(0, remote[0].flushes.get(), "a message alone needs no batch");

        written.poll().onResult(new SendResult());
        assertEquals(List.of("{\"n\":0}", "{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "{\"n\":4}", "{\"n\":5}"),
                List.copyOf(remote[0].sent), "the rest as messages of their own, in order, in one go");
        assertEquals(5, remote[0].batchedSends.get());
        assertEquals(1, remote[0].flushes.get(), "and one flush for them");
        assertTrue(unflushed.isEmpty());
        assertEquals(5, written.size(), "held until the flush, then written");

        for (int i = 0; i < 4; i++) {
            written.poll().onResult(new SendResult());
        }
        assertEquals(1, owner.backlog.messagesDelivered(), "the drain is done when all of it has gone");
        assertEquals(5, outbox.queued());
        written.poll().onResult(new SendResult());
        assertEquals(6, owner.backlog.messagesDelivered());
        assertEquals(0, outbox.queued());
        assertEquals(0, owner.backlog.chars());
        assertFalse(remote[0].overlapped.get());
    }

    @Test
    void aDrainThatFailsHalfwayIsReportedOnce() {
        var pending = new ConcurrentLinkedDeque<SendHandler>();
        var outbox = owner.outbox(new ScriptedRemote(pending::add), 100);
        for (int i = 0; i < 4; i++) {
            outbox.send(m("m" + i));
        }
        pending.poll().onResult(new SendResult());
        pending.poll().onResult(new SendResult());
        pending.poll().onResult(new SendResult(new IOException("broken pipe")));
        pending.poll().onResult(new SendResult(new IOException("broken pipe")));
        assertEquals(1, owner.failures.get());
        assertEquals(0, owner.backlog.chars(), "what was in flight is given back");
        assertFalse(outbox.send(m("more")));
    }

    @Test
    void onTyrusSeveralMessagesGoAsOneRawWriteAndTheLastAsTextWithoutTheIdleTimeoutTask() {
        var remote = new TyrusLikeRemote();
        var outbox = owner.outbox(remote, 1_000);
        String large = "\"" + "é".repeat(200) + "\""; // 402 bytes in UTF-8: a 16-bit length
        outbox.offer(m("{\"n\":\"€\"}"));
        outbox.offer(m(large));
        outbox.offer(m("{\"n\":2}"));
        outbox.flush();
        assertEquals(List.of("{\"n\":\"€\"}", large, "{\"n\":2}"), List.copyOf(remote.webSocket.messages));
        assertEquals(List.of("raw 2", "text"), List.copyOf(remote.webSocket.writes), "one write for all but the last, whose completion ends the drain");
        assertEquals(3, owner.backlog.messagesDelivered());

        outbox.send(m("alone"));
        assertEquals("text", remote.webSocket.writes.peekLast(), "a message alone goes as text, past the API");
        assertEquals(4, owner.backlog.messagesDelivered());
    }

    @Test
    void aKeepAliveIsAPongOfItsOwnNeverAMessageAndNotCountedAsOne() {
        var remote = new TyrusLikeRemote();
        var outbox = owner.outbox(remote, 1_000);
        outbox.offer(m("{\"n\":1}"));
        outbox.offer(Message.KEEP_ALIVE);
        outbox.offer(m("{\"n\":2}"));
        outbox.offer(m("{\"n\":3}"));
        outbox.offer(Message.KEEP_ALIVE);
        outbox.flush();
        assertEquals(List.of("{\"n\":1}", "{\"n\":2}", "{\"n\":3}"), List.copyOf(remote.webSocket.messages),
                "no empty message for the client");
        assertEquals(List.of("text", "pong", "raw 1", "text", "pong"), List.copyOf(remote.webSocket.writes),
                "a keep-alive splits what piled up and goes alone, as an unsolicited pong");
        assertEquals(3, owner.backlog.messagesDelivered(), "pongs are not messages delivered");
        assertEquals(0, outbox.queued());
    }

    @Test
    void aBatchingClientsKeepAliveIsNoPartOfABatch() {
        var remote = new ScriptedRemote(handler -> handler.onResult(new SendResult()));
        var outbox = new Outbox(new WebSocketTransport("t", remote, null, true), new Outbox.Limits(100, Long.MAX_VALUE),
                owner.backlog, Runnable::run, reason -> owner.failures.incrementAndGet());
        outbox.offer(Message.KEEP_ALIVE);
        outbox.offer(m("{\"n\":1}"));
        outbox.offer(m("{\"n\":2}"));
        outbox.offer(Message.KEEP_ALIVE);
        outbox.flush();
        assertEquals(List.of("[{\"n\":1},{\"n\":2}]"), List.copyOf(remote.sent), "one batch, without the keep-alives");
        assertEquals(0, owner.failures.get());
    }

    @Test
    void aKeepAliveToASessionWhoseConnectionHasGoneGivesTheClientUp() {
        var remote = new TyrusLikeRemote();
        var outbox = owner.outbox(remote, 1_000);
        outbox.send(m("{\"n\":1}"));
        remote.webSocket.gone = true;
        outbox.send(Message.KEEP_ALIVE);
        assertEquals(1, owner.failures.get(), "closed as a failed send (1011): the session is forgotten");
        assertFalse(outbox.send(m("{\"n\":2}")));
    }

    @Test
    void workWaitingForADrainedOutboxRunsOnlyOnceEverythingIsSent() {
        var pending = new ConcurrentLinkedDeque<SendHandler>();
        var outbox = owner.outbox(new ScriptedRemote(pending::add), 10);
        outbox.send(m("a"));
        outbox.send(m("b"));
        var ran = new AtomicInteger();
        outbox.whenDrained(ran::incrementAndGet);
        pending.poll().onResult(new SendResult());
        assertEquals(0, ran.get(), "one still in flight");
        pending.poll().onResult(new SendResult());
        assertEquals(1, ran.get());
    }

    @Test
    void aClosedOutboxNeverRunsWorkWaitingForRoom() {
        var pending = new ConcurrentLinkedDeque<SendHandler>();
        var outbox = owner.outbox(new ScriptedRemote(pending::add), 4);
        for (int i = 0; i < 4; i++) {
            outbox.send(m("m" + i));
        }
        var ran = new AtomicInteger();
        outbox.whenRoom(ran::incrementAndGet);
        outbox.close();
        pending.poll().onResult(new SendResult());
        assertEquals(0, ran.get());
    }

    @Test
    void aClientThatReadsNothingIsStalledOnlyWithSomethingToRead() throws Exception {
        var outbox = owner.outbox(new ScriptedRemote(handler -> { }), 10);
        Thread.sleep(20);
        assertFalse(outbox.stalledFor(TimeUnit.MILLISECONDS.toNanos(10)), "nothing to read");
        outbox.send(m("m"));
        assertFalse(outbox.stalledFor(TimeUnit.MILLISECONDS.toNanos(10)), "the clock starts with the first message");
        Thread.sleep(20);
        assertTrue(outbox.stalledFor(TimeUnit.MILLISECONDS.toNanos(10)));
    }

    @Test
    void theCallerOnlyQueuesAndASenderThreadSends() throws Exception {
        var senderThread = new AtomicReference<Thread>();
        var sendingThread = new AtomicReference<Thread>();
        var loaderWhileSending = new AtomicReference<ClassLoader>();
        var remote = new ScriptedRemote(handler -> {
            sendingThread.set(Thread.currentThread());
            loaderWhileSending.set(Thread.currentThread().getContextClassLoader());
            handler.onResult(new SendResult());
        });
        ExecutorService senders = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sender");
            senderThread.set(thread);
            return thread;
        });
        try {
            var outbox = new Outbox(new WebSocketTransport("t", remote, null, false), new Outbox.Limits(10, Long.MAX_VALUE), owner.backlog, senders, reason -> { });
            ClassLoader mine = Thread.currentThread().getContextClassLoader();
            assertTrue(outbox.send(m("hello")));
            owner.awaitDelivered(1);
            assertEquals(senderThread.get(), sendingThread.get(), "sent on the sender, never on the thread that queued");
            assertEquals(ClassLoader.getPlatformClassLoader(), loaderWhileSending.get(), "with the platform loader (see PlatformLoader)");
            assertEquals(mine, Thread.currentThread().getContextClassLoader());
        } finally {
            senders.shutdownNow();
        }
    }

    @Test
    void aClientTakingBatchesGetsWhatPiledUpAsOneArrayInOrder() throws Exception {
        var pending = new ConcurrentLinkedDeque<SendHandler>();
        var remote = new ScriptedRemote(pending::add);
        var outbox = new Outbox(new WebSocketTransport("t", remote, null, true), new Outbox.Limits(1_000, Long.MAX_VALUE), owner.backlog, Runnable::run, reason -> { });
        outbox.send(m("{\"n\":0}"));
        for (int i = 1; i <= 5; i++) {
            outbox.send(m("{\"n\":" + i + "}"));
        }
        assertEquals(List.of("{\"n\":0}"), List.copyOf(remote.sent), "the first goes alone, the rest wait behind it");
        pending.poll().onResult(new SendResult());
        assertEquals("[{\"n\":1},{\"n\":2},{\"n\":3},{\"n\":4},{\"n\":5}]", remote.sent.peekLast());
        pending.poll().onResult(new SendResult());
        assertEquals(6, owner.backlog.messagesDelivered(), "each message in a batch counts");
        assertEquals(0, outbox.queued());
        assertEquals(0, owner.backlog.chars());
    }

    @Test
    void aBatchStopsBeforeItWouldGrowTooLargeAndALargeMessageGoesAlone() {
        var pending = new ConcurrentLinkedDeque<SendHandler>();
        var remote = new ScriptedRemote(pending::add);
        var outbox = new Outbox(new WebSocketTransport("t", remote, null, true), new Outbox.Limits(1_000, Long.MAX_VALUE), owner.backlog, Runnable::run, reason -> { });
        String big = "\"" + "x".repeat(Outbox.BATCH_CHARS / 2) + "\"";
        outbox.send(m("0"));
        outbox.send(m(big));
        outbox.send(m(big));
        outbox.send(m("3"));
        pending.poll().onResult(new SendResult());
        assertTrue(big.equals(remote.sent.peekLast()), "two halves do not fit one batch with its brackets and comma: the first goes as itself");
        pending.poll().onResult(new SendResult());
        assertTrue(("[" + big + ",3]").equals(remote.sent.peekLast()), "the second and what follows it");
    }

    @Test
    void aLiveChangeFramesDeliveryIsTimed() {
        var latencies = new ConcurrentLinkedDeque<Long>();
        var outbox = owner.outbox(new ScriptedRemote(handler -> handler.onResult(new SendResult())), 10);
        outbox.send(Message.change("{}", latencies::add, Message.nowMicros() - 5_000));
        outbox.send(Message.of("{\"type\":\"pong\"}"));
        assertEquals(1, latencies.size(), "the change, not the pong: " + latencies);
        long micros = latencies.peek();
        assertTrue(micros >= 5_000 && micros < 1_000_000, "about 5 ms: " + micros + " µs");
    }

    private static Message m(String text) {
        return Message.of(text);
    }
}
