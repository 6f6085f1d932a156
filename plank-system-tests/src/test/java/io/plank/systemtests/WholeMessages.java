package io.plank.systemtests;

import java.net.http.WebSocket;
import java.util.concurrent.CompletionStage;

/**
 * A WebSocket listener that takes each text message whole, however the client library splits it, one at a time: the
 * next is asked for once {@link #onMessage} returns, so a listener that takes its time reads no faster than that.
 */
abstract class WholeMessages implements WebSocket.Listener {

    private final StringBuilder partial = new StringBuilder();

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public final CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            onMessage(text);
        }
        webSocket.request(1);
        return null;
    }

    /** One whole text message. */
    abstract void onMessage(String text);
}
