package io.plank.web.socket.protocol;

/**
 * UTF-8 sizes without encoding: the WebSocket limit is in bytes, Java strings count UTF-16 units. And whether a string
 * can be encoded at all: JSON lets a client escape a lone surrogate ({@code "\uD800"}), which no UTF-8 encoder takes;
 * echoed back in a frame, it makes Tyrus throw an Error from the send.
 */
public final class Utf8 {

    private Utf8() {
    }

    public static int length(CharSequence text) {
        int bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /** False if {@code text} holds a surrogate that is not half of a pair. */
    static boolean encodable(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }
}
