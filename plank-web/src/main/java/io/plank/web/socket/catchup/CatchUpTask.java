package io.plank.web.socket.catchup;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import io.plank.web.socket.fanout.Client;
import io.plank.web.socket.fanout.Subscription;
import io.plank.web.socket.fanout.Subscription.GoingLive;
import io.plank.web.socket.outbox.Outbox;
import io.plank.web.socket.protocol.ProtocolError;

/**
 * One subscription's catch-up, from its turn among the client's catch-ups to its end:
 * {@link Stage#QUEUED} → {@link Stage#READING} ⇄ {@link Stage#SENDING} → {@link Stage#GOING_LIVE} →
 * {@link Stage#FINISHED}. Each step runs on whatever thread made it possible (a database reader, the completion of
 * a send that made room) and hands the next step on; none waits. However it ends (live, the subscription or client
 * gone, a failure, a refusal), it ends through {@link #finish}, once, which starts the client's next catch-up.
 */
abstract sealed class CatchUpTask implements Runnable permits Replay, Snapshot {

    enum Stage {
        /** Behind the client's earlier catch-ups. */
        QUEUED,
        /** Waiting for a database read, or reading. */
        READING,
        /** Queueing what was read as fast as the client takes it. */
        SENDING,
        /** Waiting for room in the outbox to release the held live changes. */
        GOING_LIVE,
        FINISHED
    }

    final CatchUp catchUp;
    final Client client;
    final Subscription subscription;
    /** The listener's position when the subscription was put in place: every later change was held for it. */
    final long upTo;
    private final AtomicReference<Stage> stage = new AtomicReference<>(Stage.QUEUED);

    CatchUpTask(CatchUp catchUp, Client client, Subscription subscription, long upTo) {
        this.catchUp = catchUp;
        this.client = client;
        this.subscription = subscription;
        this.upTo = upTo;
    }

    /** The client's turn has come. */
    @Override
    public final void run() {
        if (ended()) {
            finish();
            return;
        }
        start();
    }

    abstract void start();

    Stage stage() {
        return stage.get();
    }

    Outbox outbox() {
        return client.outbox();
    }

    /** Runs {@code read} on one of the catch-up readers, when this client's address has its turn. */
    final void read(Runnable read) {
        stage.set(Stage.READING);
        catchUp.reads.submit(client.address(), client, read);
    }

    /** Queueing what was read: as the client makes room. */
    final void sending() {
        stage.set(Stage.SENDING);
    }

    /** The subscription ended (unsubscribed, replaced, ended by the server) or the client left: nothing is left to do. */
    final boolean ended() {
        return subscription.ended() || client.closed();
    }

    /**
     * Goes live once the outbox has room for the held changes (so releasing them cannot overflow it), counts what was
     * released, and finishes. A subscription whose held changes were let go meanwhile is not live yet: it replays the
     * log from where it stands up to now, queued as the client's next catch-up and holding the live changes anew,
     * however often it takes: a client that reads keeps up, one that does not is closed by its outbox's limits.
     */
    final void goLive(Supplier<GoingLive> release) {
        stage.set(Stage.GOING_LIVE);
        outbox().flush();
        outbox().whenRoom(() -> {
            GoingLive live = release.get();
            if (live.catchUpAgain()) {
                catchUp.replay(client, subscription, subscription.lastSeq(), catchUp.listenerPosition());
            } else {
                catchUp.router.delivered(subscription.table(), live.released());
            }
            outbox().flush();
            finish();
        });
    }

    /** A subscription that could not start is removed (unless the client replaced it meanwhile), the client told, and this catch-up finishes. */
    final void refuse(ProtocolError error) {
        if (client.removeIfCurrent(subscription)) {
            subscription.end();
            catchUp.router.unroute(client, subscription.table());
            client.send(error.frame());
        }
        finish();
    }

    /** The one way a catch-up ends: once, however it ended, the client's next catch-up starts. */
    final void finish() {
        if (stage.getAndSet(Stage.FINISHED) != Stage.FINISHED) {
            client.catchUpDone();
        }
    }
}
