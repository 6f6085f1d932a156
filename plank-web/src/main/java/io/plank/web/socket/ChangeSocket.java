package io.plank.web.socket;

import java.io.IOException;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.inject.Inject;
import jakarta.websocket.CloseReason;
import jakarta.websocket.OnClose;
import jakarta.websocket.OnError;
import jakarta.websocket.OnMessage;
import jakarta.websocket.OnOpen;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpoint;

/**
 * {@code /ws}: one instance per connection; subscriptions live in the application-scoped {@link SessionRegistry}.
 *
 * <p>A text message over {@link #MAX_MESSAGE_BYTES} closes the connection with 1009. Plank counts the bytes
 * itself, taking the message in parts: Tyrus enforces {@code maxMessageSize}, Undertow does not, and reading
 * parts means an oversized message is never held whole.
 */
@ServerEndpoint("/ws")
public class ChangeSocket {

    public static final int MAX_MESSAGE_BYTES = 64 * 1024;

    private static final Logger LOG = Logger.getLogger(ChangeSocket.class.getName());

    @Inject
    SessionRegistry registry;

    private StringBuilder pending;
    private int pendingBytes;
    private boolean refused;

    @OnOpen
    public void open(Session session) {
        registry.open(session);
    }

    @OnMessage(maxMessageSize = MAX_MESSAGE_BYTES)
    public void message(Session session, String part, boolean last) throws IOException {
        if (refused) {
            return;
        }
        pendingBytes += Utf8.length(part);
        if (pendingBytes > MAX_MESSAGE_BYTES) {
            refused = true;
            pending = null;
            session.close(new CloseReason(CloseReason.CloseCodes.TOO_BIG,
                    "Messages are limited to " + MAX_MESSAGE_BYTES + " bytes"));
            return;
        }
        if (last && pending == null) {
            pendingBytes = 0;
            registry.receive(session, part);
            return;
        }
        if (pending == null) {
            pending = new StringBuilder(part.length() * 2);
        }
        pending.append(part);
        if (last) {
            String text = pending.toString();
            pending = null;
            pendingBytes = 0;
            registry.receive(session, text);
        }
    }

    @OnClose
    public void close(Session session) {
        registry.close(session);
    }

    /**
     * The connection failed (mostly I/O). Its subscriptions go, and so does the socket: one left open without them
     * would look alive to its client and never deliver again.
     */
    @OnError
    public void error(Session session, Throwable error) {
        LOG.log(Level.FINE, "WebSocket session " + session.getId() + " failed", error);
        registry.close(session);
        if (session.isOpen()) {
            try {
                session.close(new CloseReason(CloseReason.CloseCodes.UNEXPECTED_CONDITION, "Plank failed on this connection; reconnect"));
            } catch (IOException e) {
                LOG.log(Level.FINE, "Closing failed WebSocket session " + session.getId() + " failed too", e);
            }
        }
    }
}
