package io.plank.web.socket;

import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.inject.Inject;
import jakarta.websocket.OnClose;
import jakarta.websocket.OnError;
import jakarta.websocket.OnMessage;
import jakarta.websocket.OnOpen;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpoint;

/**
 * {@code /ws}: one instance per connection, so all state lives in the application-scoped
 * {@link SessionRegistry}. A text message over {@link #MAX_MESSAGE_BYTES} closes the connection with 1009.
 */
@ServerEndpoint("/ws")
public class ChangeSocket {

    public static final int MAX_MESSAGE_BYTES = 64 * 1024;

    private static final Logger LOG = Logger.getLogger(ChangeSocket.class.getName());

    @Inject
    SessionRegistry registry;

    @OnOpen
    public void open(Session session) {
        registry.open(session);
    }

    @OnMessage(maxMessageSize = MAX_MESSAGE_BYTES)
    public void message(Session session, String text) {
        registry.receive(session, text);
    }

    @OnClose
    public void close(Session session) {
        registry.close(session);
    }

    @OnError
    public void error(Session session, Throwable error) {
        LOG.log(Level.FINE, "WebSocket session " + session.getId() + " failed", error);
        registry.close(session);
    }
}
