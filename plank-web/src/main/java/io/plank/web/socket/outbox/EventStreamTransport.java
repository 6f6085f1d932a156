package io.plank.web.socket.outbox;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.websocket.CloseReason;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;

import io.plank.web.socket.protocol.Frames;

/**
 * An HTTP event stream (Server-Sent Events) of one subscription: each frame is one event named by its type, with
 * the frame as its data. A durable change's event has its {@code seq} as id, so a browser's EventSource resumes by
 * itself after a disconnect: it sends the last id it saw as Last-Event-ID. Until the first change, the id is where
 * the stream can resume from once it is whole: for a live stream its {@code subscribed} (the log's position when
 * it started); for a snapshot, the snapshot's last page (with the {@code subscribed} position, sent before the pages);
 * for a replay, none but the replayed changes' own, so a client cut off in the middle of a snapshot or a replay
 * starts it again instead of resuming after what it never had.
 *
 * <p>The runtimes write an event on the calling thread and may block until the client reads, so each send runs on
 * {@code writers} (one thread per stream at most, as its {@link Outbox} sends one message at a time), never on
 * Plank's sender threads, which other clients share.
 */
public final class EventStreamTransport implements Transport {

    private static final Logger LOG = Logger.getLogger(EventStreamTransport.class.getName());

    private final String id;
    private final SseEventSink sink;
    private final Sse sse;
    private final Executor writers;
    /** How the stream's subscription starts, which decides where its first id comes from. */
    public enum Start { LIVE, REPLAY, SNAPSHOT }

    private final Start start;
    /** The seq of the {@code subscribed} before a snapshot: the id of the snapshot's last page; -1 if none. */
    private long idAfterSnapshot = -1;

    public EventStreamTransport(String id, SseEventSink sink, Sse sse, Executor writers, Start start) {
        this.id = id;
        this.sink = sink;
        this.sse = sse;
        this.writers = writers;
        this.start = start;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String kind() {
        return "event-stream";
    }

    /** Called by the outbox's drain only, one message at a time, so the id state needs no lock. */
    @Override
    public void send(String text, Message message, Consumer<Throwable> done) {
        OutboundSseEvent event = event(text, message);
        try {
            writers.execute(() -> write(event, done));
        } catch (RejectedExecutionException e) {
            done.accept(e);
        }
    }

    private OutboundSseEvent event(String text, Message message) {
        OutboundSseEvent.Builder event = sse.newEventBuilder();
        if (message == Message.KEEP_ALIVE) {
            return event.comment("keep-alive").build();
        }
        Frames.Head head = Frames.head(text);
        event.name(head.type()).data(text);
        switch (head.type()) {
            case "change" -> id(event, head.seq());
            case "subscribed" -> {
                if (start == Start.LIVE) {
                    id(event, head.seq());
                } else if (start == Start.SNAPSHOT) {
                    idAfterSnapshot = head.seq();
                }
            }
            case "snapshot" -> {
                if (head.last()) {
                    id(event, idAfterSnapshot);
                }
            }
            default -> {
            }
        }
        return event.build();
    }

    private static void id(OutboundSseEvent.Builder event, long seq) {
        if (seq >= 0) {
            event.id(Long.toString(seq));
        }
    }

    private void write(OutboundSseEvent event, Consumer<Throwable> done) {
        try {
            sink.send(event).whenComplete((sent, failure) -> {
                if (failure != null) {
                    left(failure);
                }
                done.accept(failure);
            });
        } catch (RuntimeException e) {
            left(e);
            done.accept(e); // a closed sink throws instead of failing the stage on some runtimes
        }
    }

    /** A write that fails means the client has gone (or the stream was closed meanwhile): normal, so FINE. */
    private void left(Throwable failure) {
        LOG.log(Level.FINE, () -> "Event stream " + id + " ended: the client left (" + failure + ")");
    }

    @Override
    public boolean batches() {
        return false;
    }

    @Override
    public boolean endsWithItsSubscription() {
        return true;
    }

    /** An event stream has no close code: it just ends, and an EventSource reconnects and resumes. */
    @Override
    public void close(CloseReason reason) {
        try {
            writers.execute(this::closeSink);
        } catch (RejectedExecutionException e) {
            closeSink();
        }
    }

    private void closeSink() {
        try {
            sink.close();
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "Closing event stream " + id + " failed", e);
        }
    }
}
