package io.plank.web.socket.outbox;

import java.util.function.Consumer;

import jakarta.websocket.CloseReason;

/**
 * How a client's messages reach it: a WebSocket session ({@link WebSocketTransport}) or an HTTP event stream
 * ({@link EventStreamTransport}). Its {@link Outbox} has one send (of a message, a batch, or
 * several messages) in flight through it at a time.
 */
public interface Transport {

    String id();

    /** What operators see the connection as: {@code websocket} or {@code event-stream}. */
    String kind();

    /**
     * Sends {@code text}: {@code message} itself, or for a batch ({@code message} null) a JSON array of messages; for
     * {@link Message#KEEP_ALIVE}, which an idle connection gets now and then, the transport's own sign of life (a
     * comment, a ping), whose write to a connection the client has left fails, so that the client is forgotten.
     * {@code done} is told once, with null or the failure, on whatever thread finishes the send.
     */
    void send(String text, Message message, Consumer<Throwable> done);

    /** Whether several messages may go as one JSON array. */
    boolean batches();

    /**
     * Whether {@link #send(Message[], Consumer)} takes several messages at once, each still a message of its own: what
     * a client that does not take batches gets instead, so that the container writes them together.
     */
    default boolean sendsSeveral() {
        return false;
    }

    /**
     * Sends each of {@code messages} (two or more) as a message of its own, in order, written together where the
     * connection can. {@code done} is told once: with null when all have gone, or with the first failure.
     */
    default void send(Message[] messages, Consumer<Throwable> done) {
        throw new UnsupportedOperationException(kind() + " sends one message at a time");
    }

    /**
     * Whether the connection carries one subscription only and ends with it (an event stream), rather than holding
     * several that come and go (a WebSocket).
     */
    default boolean endsWithItsSubscription() {
        return false;
    }

    /** False once the container knows the connection has ended, whether or not it told the endpoint. */
    default boolean open() {
        return true;
    }

    /** Ends the connection, telling the client why where the transport can. */
    void close(CloseReason reason);
}
