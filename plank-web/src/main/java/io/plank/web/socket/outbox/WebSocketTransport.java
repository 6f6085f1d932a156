package io.plank.web.socket.outbox;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.websocket.CloseReason;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.Session;

/** A WebSocket session: text messages through its asynchronous remote; batches if it connected with ?batch=true. */
public final class WebSocketTransport implements Transport {

    private static final Logger LOG = Logger.getLogger(WebSocketTransport.class.getName());

    private final String id;
    private final RemoteEndpoint.Async remote;
    private final Session session;
    private final boolean batches;
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
        if (done != adapted) {
            adapted = done;
            handler = result -> done.accept(result.isOK() ? null : result.getException());
        }
        try {
            remote.sendText(text, handler);
        } catch (Error e) {
            if (!(e.getCause() instanceof CharacterCodingException)) {
                throw e;
            }
            // Tyrus throws an Error for text it cannot encode: a failed send, not a dead sender thread.
            done.accept(e);
        }
    }

    @Override
    public boolean batches() {
        return batches;
    }

    @Override
    public boolean keepsAlive() {
        return false;
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
