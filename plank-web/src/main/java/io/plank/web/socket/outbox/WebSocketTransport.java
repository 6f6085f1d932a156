package io.plank.web.socket.outbox;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.websocket.CloseReason;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;

/**
 * A WebSocket session: text messages through its asynchronous remote; batches if it connected with ?batch=true.
 *
 * <p>Several messages at once ({@link #send(Message[], Consumer)}, for a client that does not take batches) are sent
 * together: on Tyrus (Payara) as one write ({@link TyrusFrames}); elsewhere all at once between
 * {@code setBatchingAllowed(true)} and {@code flushBatch()}, which Undertow (WildFly) honours by queueing the frames
 * and writing them with one gathering write on its I/O thread, where it completes each send. The transport waits for
 * every one of them before it reports the drain done.
 */
public final class WebSocketTransport implements Transport {

    private static final Logger LOG = Logger.getLogger(WebSocketTransport.class.getName());
    private static final ByteBuffer NO_DATA = ByteBuffer.allocate(0);

    private final String id;
    private final RemoteEndpoint.Async remote;
    private final Session session;
    private final boolean batches;
    /** Tyrus's cheaper send path for this session, or null: then the standard API. */
    private final TyrusFrames tyrus;
    /** The outbox's callback, adapted once: only the outbox's drain sends, so this is never raced. */
    private Consumer<Throwable> adapted;
    private SendHandler handler;

    public WebSocketTransport(Session session) {
        this(session.getId(), session.getAsyncRemote(), session,
                session.getRequestParameterMap().getOrDefault("batch", List.of()).contains("true"));
    }

    /** {@code session} may be null where only sending matters (tests, benchmarks). */
    public WebSocketTransport(String id, RemoteEndpoint.Async remote, Session session, boolean batches) {
        this.id = id;
        this.remote = remote;
        this.session = session;
        this.batches = batches;
        this.tyrus = session == null ? TyrusFrames.of(remote) : TyrusFrames.of(session, remote);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String kind() {
        return "websocket";
    }

    @Override
    public void send(String text, Message message, Consumer<Throwable> done) {
        if (message == Message.KEEP_ALIVE) {
            pong(done);
            return;
        }
        if (done != adapted) {
            adapted = done;
            handler = result -> done.accept(result.isOK() ? null : result.getException());
        }
        try {
            if (tyrus != null) {
                tyrus.send(text, handler);
            } else {
                remote.sendText(text, handler);
            }
        } catch (Throwable e) {
            failed(e, done);
        }
    }

    /**
     * An idle session's sign of life, which finds a connection that is gone: both servers write it without waiting (a
     * queued write), and a write to a closed connection fails. Tyrus (Payara) misses a client that drops its
     * connection within milliseconds of the handshake: its session stays open, with no connection under it, until
     * something is written to it.
     *
     * <p>An unsolicited pong, RFC 6455's one-way heartbeat, which no client answers: a ping's answer would cost Payara,
     * for every pong received, a managed task (Tyrus restarts its idle-timeout timer on every frame it reads, and
     * Payara's executor scans the class path to capture the task's context), which JFR showed contending in a storm.
     */
    private void pong(Consumer<Throwable> done) {
        try {
            if (tyrus != null) {
                tyrus.pong();
            } else {
                remote.sendPong(NO_DATA.duplicate());
            }
        } catch (Throwable e) {
            failed(e, done);
            return;
        }
        done.accept(null);
    }

    @Override
    public boolean sendsSeveral() {
        return true;
    }

    @Override
    public void send(Message[] messages, Consumer<Throwable> done) {
        var all = new AllSent(tyrus != null ? 1 : messages.length, done); // Tyrus: the last send's completion
        try {
            if (tyrus != null) {
                tyrus.send(messages, all);
                return;
            }
            remote.setBatchingAllowed(true);
            try {
                for (Message message : messages) {
                    remote.sendText(message.text(), all);
                }
            } finally {
                // The spec says turning batching off flushes; Undertow needs the flush asked for as well.
                remote.setBatchingAllowed(false);
                remote.flushBatch();
            }
        } catch (Throwable e) {
            if (all.abandon()) { // told here, or by the outbox giving up: never again by a late completion
                failed(e, done);
            } else {
                LOG.log(Level.FINE, "Session " + id + ": a send failed after the outcome was told", e);
            }
        }
    }

    /** A send the container refused: a RuntimeException is the outbox's to handle (it gives up), anything else a failed send. */
    private static void failed(Throwable e, Consumer<Throwable> done) {
        if (e instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (e instanceof Error error && !(error.getCause() instanceof CharacterCodingException)) {
            throw error;
        }
        // Tyrus throws an Error for text it cannot encode: a failed send, not a dead sender thread. An IOException
        // (batching refused, a write that failed at once) is a failed send too.
        done.accept(e);
    }

    /** Tells {@code done} once: when every send has completed, or at the first that failed. */
    private static final class AllSent extends AtomicInteger implements SendHandler {
        private final Consumer<Throwable> done;
        private final AtomicBoolean told = new AtomicBoolean();

        AllSent(int sends, Consumer<Throwable> done) {
            super(sends);
            this.done = done;
        }

        @Override
        public void onResult(SendResult result) {
            if (!result.isOK()) {
                tell(result.getException());
            } else if (decrementAndGet() == 0) {
                tell(null);
            }
        }

        /** Whether the outcome was still to be told; it will not be told by a completion now. */
        boolean abandon() {
            return told.compareAndSet(false, true);
        }

        private void tell(Throwable failure) {
            if (told.compareAndSet(false, true)) {
                done.accept(failure);
            }
        }
    }

    @Override
    public boolean batches() {
        return batches;
    }


    @Override
    public boolean open() {
        return session == null || session.isOpen();
    }

    @Override
    public void close(CloseReason reason) {
        if (session == null) {
            return;
        }
        try {
            session.close(reason);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.FINE, "Closing session " + id + " failed", e);
        }
    }
}
