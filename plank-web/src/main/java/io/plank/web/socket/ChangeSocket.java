package io.plank.web.socket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
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
 * {@code /ws}: one instance per connection, handing each connection to {@link Sessions} and each message to
 * {@link Requests}. Only the origins {@link io.plank.web.cors.WebSocketOriginFilter} lets through get here.
 *
 * <p>A text message over {@link #MAX_MESSAGE_BYTES} closes the connection with 1009. Plank counts the bytes
 * itself, taking the message in parts: Tyrus enforces {@code maxMessageSize}, Undertow does not, and reading
 * parts means an oversized message is never held whole. A binary message closes it with 1003 on both servers
 * (Tyrus does so by itself without a binary handler; Undertow ignores the message).
 */
@ServerEndpoint("/ws")
public class ChangeSocket {

    public static final int MAX_MESSAGE_BYTES = 64 * 1024;

    private static final Logger LOG = Logger.getLogger(ChangeSocket.class.getName());

    @Inject
    Sessions sessions;

    @Inject
    Requests requests;

    private Client client;
    private StringBuilder pending;
    private int pendingBytes;
    private boolean refused;

    @OnOpen
    public void open(Session session) {
        client = sessions.open(session);
        requests.subscribeAtOpen(client, session.getRequestParameterMap().getOrDefault("tables", List.of()));
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
            requests.receive(client, part);
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
            requests.receive(client, text);
        }
    }

    @OnMessage
    public void binary(Session session, ByteBuffer part, boolean last) throws IOException {
        if (!refused) {
            refused = true;
            pending = null;
            session.close(new CloseReason(CloseReason.CloseCodes.CANNOT_ACCEPT, "Plank accepts JSON text messages only"));
        }
    }

    @OnClose
    public void close(Session session) {
        sessions.close(session.getId());
    }

    /**
     * The connection failed (mostly I/O). Its subscriptions go, and so does the socket: one left open without them
     * would look alive to its client and never deliver again.
     */
    @OnError
    public void error(Session session, Throwable error) {
        LOG.log(Level.FINE, "WebSocket session " + session.getId() + " failed", error);
        sessions.close(session.getId());
        if (session.isOpen()) {
            try {
                session.close(new CloseReason(CloseReason.CloseCodes.UNEXPECTED_CONDITION, "Plank failed on this connection; reconnect"));
            } catch (IOException e) {
                LOG.log(Level.FINE, "Closing failed WebSocket session " + session.getId() + " failed too", e);
            }
        }
    }
}
