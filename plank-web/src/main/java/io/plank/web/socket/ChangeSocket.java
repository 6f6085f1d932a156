package io.plank.web.socket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.enterprise.inject.spi.CDI;
import jakarta.websocket.CloseReason;
import jakarta.websocket.OnClose;
import jakarta.websocket.OnError;
import jakarta.websocket.OnMessage;
import jakarta.websocket.OnOpen;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpoint;
import jakarta.websocket.server.ServerEndpointConfig;

import io.plank.web.limits.WebSocketConnectionLimit;
import io.plank.web.socket.fanout.Client;
import io.plank.web.socket.protocol.MessageRate;
import io.plank.web.socket.protocol.SocketSettings;
import io.plank.web.socket.protocol.Utf8;

/**
 * {@code /ws}: one instance per connection, handing each connection to {@link Sessions} and each message to
 * {@link Requests}. Only the origins {@link io.plank.web.cors.WebSocketOriginFilter} lets through, and the addresses
 * {@link WebSocketConnectionLimit} does not refuse, get here.
 *
 * <p>A text message over {@code plank.ws.max-message-bytes} closes the connection with 1009. Plank counts the bytes
 * itself, taking the message in parts: Tyrus enforces {@code maxMessageSize}, Undertow does not, and reading
 * parts means an oversized message is never held whole. A binary message closes it with 1003 on both servers
 * (Tyrus does so by itself without a binary handler; Undertow ignores the message). More messages than
 * {@code plank.ws.max-messages-per-second} allows close it with {@link #TOO_MANY_MESSAGES}.
 *
 * <p>Each connection's instance is made by {@link Instances}, not by the container through CDI.
 */
@ServerEndpoint(value = "/ws", configurator = ChangeSocket.Instances.class)
public class ChangeSocket {

    /** Plank's own close code for a client over its message rate, after HTTP's 429. */
    static final CloseReason.CloseCode TOO_MANY_MESSAGES = CloseReason.CloseCodes.getCloseCode(4429);

    private static final Logger LOG = Logger.getLogger(ChangeSocket.class.getName());

    private final Sessions sessions;
    private final Requests requests;
    private final SocketSettings settings;

    private Client client;
    private MessageRate rate;
    private int maxBytes;
    private StringBuilder pending;
    private int pendingBytes;
    private boolean refused;

    /** What a container makes without {@link Instances} (the specification asks endpoints for this constructor). */
    public ChangeSocket() {
        this(Beans.lookUp());
    }

    private ChangeSocket(Beans beans) {
        this.sessions = beans.sessions();
        this.requests = beans.requests();
        this.settings = beans.settings();
    }

    /** The application's beans every connection uses, all application scoped: one client proxy each serves them all. */
    private record Beans(Sessions sessions, Requests requests, SocketSettings settings) {

        static Beans lookUp() {
            CDI<Object> cdi = CDI.current();
            return new Beans(cdi.select(Sessions.class).get(), cdi.select(Requests.class).get(), cdi.select(SocketSettings.class).get());
        }
    }

    /**
     * Makes each connection's endpoint with the beans looked up once. Left to the container, Tyrus (Payara) makes every
     * instance through CDI, building a new injection target each time while holding one lock on the bean manager: in a
     * storm of 5,000 reconnects, 2,038 handshakes waited 0.35 s on average for that lock (JFR). Undertow (WildFly)
     * would go through Weld for each connection too.
     */
    public static final class Instances extends ServerEndpointConfig.Configurator {

        private volatile Beans beans;

        @Override
        public <T> T getEndpointInstance(Class<T> endpoint) throws InstantiationException {
            if (endpoint != ChangeSocket.class) {
                return super.getEndpointInstance(endpoint);
            }
            Beans known = beans;
            if (known == null) {
                known = Beans.lookUp(); // on a handshake's request thread, where the application's CDI container is current
                beans = known;
            }
            return endpoint.cast(new ChangeSocket(known));
        }
    }

    @OnOpen
    public void open(Session session) {
        maxBytes = settings.maxMessageBytes();
        rate = new MessageRate(settings.maxMessagesPerSecond(), System.nanoTime());
        // The last values: one the client put in its own query string comes before the filter's on Tyrus.
        client = sessions.open(session, last(session, WebSocketConnectionLimit.ADDRESS_PARAMETER),
                last(session, WebSocketConnectionLimit.HANDSHAKE_PARAMETER));
        if (!session.isOpen()) { // its client left at the handshake, and the container ended it before this ran
            sessions.close(session.getId());
            return;
        }
        requests.subscribeAtOpen(client, session.getRequestParameterMap().getOrDefault("tables", List.of()));
    }

    private static String last(Session session, String parameter) {
        List<String> values = session.getRequestParameterMap().getOrDefault(parameter, List.of());
        return values.isEmpty() ? null : values.get(values.size() - 1);
    }

    @OnMessage
    public void message(Session session, String part, boolean last) throws IOException {
        if (refused) {
            return;
        }
        pendingBytes += Utf8.length(part);
        if (pendingBytes > maxBytes) {
            refuse(session, CloseReason.CloseCodes.TOO_BIG, "Messages are limited to " + maxBytes + " bytes (plank.ws.max-message-bytes)");
            return;
        }
        if (!last) {
            if (pending == null) {
                pending = new StringBuilder(part.length() * 2);
            }
            pending.append(part);
            return;
        }
        String text = pending == null ? part : pending.append(part).toString();
        pending = null;
        pendingBytes = 0;
        if (!rate.take(System.nanoTime())) {
            refuse(session, TOO_MANY_MESSAGES, "Too many messages: at most " + settings.maxMessagesPerSecond()
                    + " per second (plank.ws.max-messages-per-second)");
            return;
        }
        requests.receive(client, text);
    }

    @OnMessage
    public void binary(Session session, ByteBuffer part, boolean last) throws IOException {
        if (!refused) {
            refuse(session, CloseReason.CloseCodes.CANNOT_ACCEPT, "Plank accepts JSON text messages only");
        }
    }

    /** Closes the connection for something its client did; nothing it sends after is read. */
    private void refuse(Session session, CloseReason.CloseCode code, String reason) throws IOException {
        refused = true;
        pending = null;
        session.close(new CloseReason(code, reason));
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
