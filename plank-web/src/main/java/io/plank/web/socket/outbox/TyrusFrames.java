package io.plank.web.socket.outbox;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.Session;

/**
 * Sends several text messages to a Tyrus (Payara) session as one write, each still a WebSocket message of its own.
 *
 * <p>Why: for a client that does not take batches, Tyrus's cost is per message, and the API offers no way to share it.
 * Every {@code RemoteEndpoint} send schedules a managed idle-timeout task ({@code TyrusSession.restartIdleTimeoutExecutor},
 * even with no idle timeout: the task is then due at once, a wake-up of Payara's scheduler per message), encodes the
 * text with Tyrus's own char-by-char UTF-8 encoder, and writes and flushes one frame ({@code TyrusServletWriter._write}).
 * The JSR 356 batching calls that would share the write are empty in Tyrus 2.1 ({@code TyrusRemoteEndpoint
 * .setBatchingAllowed} and {@code flushBatch}: "TODO: Implement"). With this class, a drain of n messages costs one
 * {@code TyrusWebSocket.sendRawFrame} holding the first n - 1 frames (their UTF-8 made once per message, shared by
 * every client: {@link Message#utf8}) and one {@code TyrusWebSocket.sendText(String, SendHandler)} for the last, whose
 * completion says that all have gone (the writer is first in, first out). Neither call schedules the idle task.
 *
 * <p>Safe where it is used: both calls take the same lock and go through the same writer as Tyrus's own sends, so
 * frames never interleave; it is used only when the session has no idle timeout (skipping the task changes nothing)
 * and no extension (a raw frame would skip a compression extension). Reached by reflection: the field
 * {@code TyrusRemoteEndpoint.webSocket}, and three public methods of {@code TyrusWebSocket}. If a Payara upgrade changes
 * them, {@link #of} logs a WARNING once and the transport falls back to the standard API; {@code PLANK_WS_TYRUS_FRAMES=false}
 * (or {@code -Dplank.ws.tyrus-frames=false}) turns it off.
 */
final class TyrusFrames {

    private static final Logger LOG = Logger.getLogger(TyrusFrames.class.getName());
    private static final boolean ENABLED = !"false".equalsIgnoreCase(System.getProperty("plank.ws.tyrus-frames",
            System.getenv().getOrDefault("PLANK_WS_TYRUS_FRAMES", "true")));
    private static final byte[] NO_DATA = new byte[0];
    /** The handles for the one remote class seen (a server runs one Tyrus); null until then, or if it has none. */
    private static volatile Handles handles;
    private static volatile boolean warned;

    private record Handles(Class<?> remoteType, Field webSocket, MethodHandle sendRawFrame, MethodHandle sendText,
                           MethodHandle sendPong) {
    }

    private final Object webSocket;
    private final Handles with;

    private TyrusFrames(Object webSocket, Handles with) {
        this.webSocket = webSocket;
        this.with = with;
    }

    /** This session's direct path, or null where it does not apply (not Tyrus, an idle timeout, an extension, off). */
    static TyrusFrames of(Session session, RemoteEndpoint.Async remote) {
        if (!ENABLED && !warned) {
            warned = true;
            LOG.info("Tyrus's cheaper send path is off (plank.ws.tyrus-frames=false): one write per message on Payara");
        }
        if (!ENABLED || session == null || session.getMaxIdleTimeout() > 0 || !session.getNegotiatedExtensions().isEmpty()) {
            return null;
        }
        return of(remote);
    }

    /** The direct path of {@code remote} if it is Tyrus's (a class with a {@code webSocket} field that can do it). */
    static TyrusFrames of(RemoteEndpoint.Async remote) {
        Handles found = handles;
        if (found == null || found.remoteType() != remote.getClass()) {
            found = find(remote.getClass());
            handles = found;
        }
        if (found.webSocket() == null) {
            return null;
        }
        try {
            Object webSocket = found.webSocket().get(remote);
            return webSocket == null ? null : new TyrusFrames(webSocket, found);
        } catch (IllegalAccessException e) {
            return null;
        }
    }

    private static Handles find(Class<?> remoteType) {
        for (Class<?> type = remoteType; type != null && type != Object.class; type = type.getSuperclass()) {
            Field field;
            try {
                field = type.getDeclaredField("webSocket");
            } catch (NoSuchFieldException e) {
                continue;
            }
            try {
                field.setAccessible(true);
                Class<?> socket = field.getType();
                MethodHandles.Lookup lookup = MethodHandles.publicLookup();
                return new Handles(remoteType, field,
                        lookup.unreflect(socket.getMethod("sendRawFrame", ByteBuffer.class)),
                        lookup.unreflect(socket.getMethod("sendText", String.class, SendHandler.class)),
                        lookup.unreflect(socket.getMethod("sendPong", byte[].class)));
            } catch (ReflectiveOperationException | RuntimeException e) {
                if (!warned) {
                    warned = true;
                    LOG.log(Level.WARNING, "Tyrus's internals differ from 2.1 (" + remoteType.getName() + "): clients "
                            + "that do not take batches get one write per message on this server", e);
                }
                break;
            }
        }
        return new Handles(remoteType, null, null, null, null); // not Tyrus's, or not usable: remembered, not looked up again
    }

    /** Sends one message without scheduling Tyrus's idle-timeout task; {@code handler} is told when it has gone. */
    void send(String text, SendHandler handler) throws Throwable {
        with.sendText().invoke(webSocket, text, handler);
    }

    /**
     * Sends an empty unsolicited pong, and throws what its write failed with if it has failed already: Tyrus's own
     * {@code sendPong} drops the write's outcome, and a session whose connection has gone is found only by it.
     */
    void pong() throws Throwable {
        Future<?> written = (Future<?>) with.sendPong().invoke(webSocket, NO_DATA);
        if (written.isDone()) {
            try {
                written.get();
            } catch (ExecutionException e) {
                throw e.getCause();
            }
        }
    }

    /** Sends {@code messages} (one or more) in order; {@code handler} is told once, when the last has gone. */
    void send(Message[] messages, SendHandler handler) throws Throwable {
        int last = messages.length - 1;
        if (last > 0) {
            Future<?> written = (Future<?>) with.sendRawFrame().invoke(webSocket, frames(messages, last));
            if (written.isDone()) {
                try {
                    written.get();
                } catch (ExecutionException e) {
                    throw e.getCause();
                }
            }
            // not done: queued in the writer, which writes (or fails) it before the last one
        }
        send(messages[last].text(), handler);
    }

    /** The first {@code count} messages as unmasked final text frames (RFC 6455, 5.2), back to back. */
    static ByteBuffer frames(Message[] messages, int count) {
        int size = 0;
        for (int i = 0; i < count; i++) {
            int length = messages[i].utf8().length;
            size += headerLength(length) + length;
        }
        ByteBuffer frames = ByteBuffer.allocate(size);
        for (int i = 0; i < count; i++) {
            byte[] payload = messages[i].utf8();
            frames.put((byte) 0x81); // FIN, text
            if (payload.length < 126) {
                frames.put((byte) payload.length);
            } else if (payload.length < 65_536) {
                frames.put((byte) 126).putShort((short) payload.length);
            } else {
                frames.put((byte) 127).putLong(payload.length);
            }
            frames.put(payload);
        }
        return frames.flip();
    }

    private static int headerLength(int payloadLength) {
        return payloadLength < 126 ? 2 : payloadLength < 65_536 ? 4 : 10;
    }
}
