package io.plank.web.items;

import io.plank.web.problems.InvalidRequestException;

/**
 * Offset and limit from query parameters. Parsed here rather than by JAX-RS, which answers a
 * malformed query parameter with 404.
 */
record Paging(int offset, int limit) {

    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;

    static Paging of(String offset, String limit) {
        int first = parse("offset", offset, 0);
        int size = parse("limit", limit, DEFAULT_LIMIT);
        if (first < 0) {
            throw new InvalidRequestException("offset must be 0 or more, was " + first);
        }
        if (size < 1 || size > MAX_LIMIT) {
            throw new InvalidRequestException("limit must be between 1 and " + MAX_LIMIT + ", was " + size);
        }
        return new Paging(first, size);
    }

    private static int parse(String name, String text, int fallback) {
        if (text == null || text.isEmpty()) {
            return fallback;
        }
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new InvalidRequestException(name + " must be a whole number, was '" + text + "'");
        }
    }
}
