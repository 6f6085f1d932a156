package io.plank.web.socket.outbox;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Future;

import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;

import io.plank.testsupport.websocket.TextRemote;

/**
 * Shaped like Tyrus's asynchronous remote where {@link TyrusFrames} reaches into it: a {@code webSocket} field whose
 * object has {@code sendRawFrame(ByteBuffer)}, {@code sendText(String, SendHandler)} and {@code sendPong(byte[])}. Its
 * own sends (the API's, which would schedule Tyrus's idle-timeout task) are refused, so a test sees they are never used.
 */
public final class TyrusLikeRemote extends TextRemote {
    final Socket webSocket = new Socket();

    @Override
    public void sendText(String text, SendHandler handler) {
        throw new AssertionError("the API's send, with its idle-timeout task, was used");
    }

    /** Records what goes out, in order: each raw frame decoded, each text as itself; completes at once. */
    public static final class Socket {
        public final ConcurrentLinkedDeque<String> messages = new ConcurrentLinkedDeque<>();
        public final ConcurrentLinkedDeque<String> writes = new ConcurrentLinkedDeque<>();
        /** Set: the connection has gone under the session, so every write fails (as Tyrus's do then, at once). */
        public volatile boolean gone;

        public Future<?> sendRawFrame(ByteBuffer frames) {
            List<String> decoded = decode(frames);
            writes.add("raw " + decoded.size());
            messages.addAll(decoded);
            return CompletableFuture.completedFuture(null);
        }

        public Future<?> sendPong(byte[] data) {
            writes.add("pong");
            return gone ? CompletableFuture.failedFuture(new java.io.IOException("Connection is closed"))
                    : CompletableFuture.completedFuture(null);
        }

        public void sendText(String text, SendHandler handler) {
            writes.add("text");
            messages.add(text);
            handler.onResult(new SendResult());
        }

        /** Unmasked final text frames, back to back (RFC 6455, 5.2). */
        static List<String> decode(ByteBuffer frames) {
            var texts = new java.util.ArrayList<String>();
            while (frames.hasRemaining()) {
                if (frames.get() != (byte) 0x81) {
                    throw new AssertionError("not a final text frame");
                }
                int length = frames.get();
                long size = length == 126 ? frames.getShort() & 0xFFFF : length == 127 ? frames.getLong() : length;
                byte[] payload = new byte[(int) size];
                frames.get(payload);
                texts.add(new String(payload, StandardCharsets.UTF_8));
            }
            return texts;
        }
    }
}
