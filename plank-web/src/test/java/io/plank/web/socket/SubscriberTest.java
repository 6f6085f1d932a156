package io.plank.web.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

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
class SubscriberTest {

    private final ExecutorService completions = Executors.newSingleThreadExecutor();
    private final CountingOwner owner = new CountingOwner();

    @AfterEach
    void stop() {
        completions.shutdownNow();
    }

    @Test
    void messagesGoOutOneAtATimeInOrderWhenSendsCompleteLater() throws Exception {
        var remote = new ScriptedRemote(handler -> completions.execute(() -> handler.onResult(new SendResult())));
        var subscriber = new Subscriber("s", remote, 100_000, owner);
        var senders = Executors.newFixedThreadPool(4);
        List<Future<?>> work = new ArrayList<>();
        for (int thread = 0; thread < 4; thread++) {
            int t = thread;
            work.add(senders.submit(() -> {
                for (int i = 0; i < 5_000; i++) {
                    assertTrue(subscriber.send(t + ":" + i));
                }
            }));
        }
        for (Future<?> future : work) {
            future.get();
        }
        senders.shutdown();
        owner.awaitDelivered(20_000);

        assertFalse(remote.overlapped.get(), "never two sends in flight on one session");
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
        var subscriber = new Subscriber("s", remote, 200_000, owner);
        for (int i = 0; i < 100_000; i++) {
            subscriber.send("m" + i);
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
        var subscriber = new Subscriber("s", remote, 10, owner);
        for (int i = 0; i <= 10; i++) {
            assertTrue(subscriber.send("m" + i), "one in flight plus ten queued");
        }
        assertFalse(subscriber.send("one too many"));
        assertFalse(subscriber.send("and another"));
        assertEquals(1, owner.overflows.get());
    }

    @Test
    void aFailedSendReportsTheSubscriberAndStopsSending() {
        var remote = new ScriptedRemote(handler -> handler.onResult(new SendResult(new IOException("broken pipe"))));
        var subscriber = new Subscriber("s", remote, 10, owner);
        assertTrue(subscriber.send("first"));
        assertFalse(subscriber.send("second"));
        assertEquals(1, owner.failures.get());
        assertEquals(1, remote.sent.size());
    }

    @Test
    void aSendRefusedByTheContainerCountsAsAFailure() {
        var remote = new ScriptedRemote(handler -> {
            throw new IllegalStateException("session closed");
        });
        var subscriber = new Subscriber("s", remote, 10, owner);
        subscriber.send("first");
        assertEquals(1, owner.failures.get());
        assertFalse(subscriber.send("second"));
    }

    static final class CountingOwner implements Subscriber.Owner {
        final AtomicInteger delivered = new AtomicInteger();
        final AtomicInteger overflows = new AtomicInteger();
        final AtomicInteger failures = new AtomicInteger();
        private final CountDownLatch anyDelivery = new CountDownLatch(1);

        @Override
        public void delivered() {
            delivered.incrementAndGet();
            anyDelivery.countDown();
        }

        @Override
        public void overflowed(Subscriber subscriber) {
            overflows.incrementAndGet();
        }

        @Override
        public void failed(Subscriber subscriber, Throwable cause) {
            failures.incrementAndGet();
        }

        void awaitDelivered(int count) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (delivered.get() < count && System.nanoTime() < deadline) {
                anyDelivery.await(10, TimeUnit.MILLISECONDS);
            }
            assertEquals(count, delivered.get());
        }
    }

    /** Records what is sent and completes each send as the test says; flags overlapping sends. */
    static final class ScriptedRemote extends TextRemote {
        final ConcurrentLinkedDeque<String> sent = new ConcurrentLinkedDeque<>();
        final AtomicBoolean overlapped = new AtomicBoolean();
        private final AtomicBoolean inFlight = new AtomicBoolean();
        private final java.util.function.Consumer<SendHandler> completion;

        ScriptedRemote(java.util.function.Consumer<SendHandler> completion) {
            this.completion = completion;
        }

        @Override
        public void sendText(String text, SendHandler handler) {
            if (!inFlight.compareAndSet(false, true)) {
                overlapped.set(true);
            }
            sent.add(text);
            completion.accept(result -> {
                inFlight.set(false);
                handler.onResult(result);
            });
        }
    }
}
