package io.plank.domain.text;

/**
 * Text quoted in a message, cut short: a hostile client must not have its megabytes sent back to it, and a log line
 * about a malformed notification stays a line.
 */
public final class Excerpt {

    /** How much of a client's own text an error message quotes. */
    public static final int CLIENT_TEXT = 100;

    private Excerpt() {
    }

    /** At most {@value #CLIENT_TEXT} characters of {@code text}, then "...". */
    public static String of(String text) {
        return of(text, CLIENT_TEXT);
    }

    /** At most {@code max} characters of {@code text}, then "..."; null stays null. */
    public static String of(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max) + "...";
    }
}
