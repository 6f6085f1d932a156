package io.plank.testsupport.websocket;

import java.nio.ByteBuffer;
import java.util.concurrent.Future;

import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;

/**
 * A stand-in for a container's asynchronous endpoint that Plank only ever sends text to: subclasses decide what
 * {@link #sendText(String, SendHandler)} does; every other kind of send is refused.
 */
public abstract class TextRemote implements RemoteEndpoint.Async {

    @Override
    public long getSendTimeout() {
        return 0;
    }

    @Override
    public void setSendTimeout(long timeoutMillis) {
    }

    @Override
    public Future<Void> sendText(String text) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Future<Void> sendBinary(ByteBuffer data) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void sendBinary(ByteBuffer data, SendHandler handler) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Future<Void> sendObject(Object data) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void sendObject(Object data, SendHandler handler) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void setBatchingAllowed(boolean allowed) {
    }

    @Override
    public boolean getBatchingAllowed() {
        return false;
    }

    @Override
    public void flushBatch() {
    }

    @Override
    public void sendPing(ByteBuffer applicationData) {
    }

    @Override
    public void sendPong(ByteBuffer applicationData) {
    }
}
