package io.plank.web.limits;

/**
 * How deep a JSON text's arrays and objects may nest: {@link #MAX_DEPTH}, checked before it is parsed. JSON-P builds
 * nested values by recursion: Parsson 1.1.7 stops at 1,000 levels with a bare RuntimeException, but the provider is
 * the server's, and one without that guard overflows the stack of the thread reading (60,000 levels fit in 64 KiB).
 * Plank's messages and bodies name a table, an id, a filter, a few fields: 64 levels is far more than any needs.
 */
public final class JsonNesting {

    public static final int MAX_DEPTH = 64;

    private JsonNesting() {
    }

    /**
     * Whether brackets outside strings nest deeper than {@link #MAX_DEPTH}: one pass, no recursion, no parsing. The
     * characters it looks at are ASCII, so UTF-8 bytes read as ISO-8859-1 are checked as well as the decoded text.
     */
    public static boolean tooDeep(CharSequence text) {
        int depth = 0;
        boolean inString = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '[' || c == '{') {
                if (++depth > MAX_DEPTH) {
                    return true;
                }
            } else if (c == ']' || c == '}') {
                depth--;
            }
        }
        return false;
    }

    /** What a client is told. */
    public static String refusal() {
        return "Arrays and objects nest deeper than " + MAX_DEPTH + " levels";
    }
}
