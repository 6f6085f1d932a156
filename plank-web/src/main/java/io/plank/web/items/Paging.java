package io.plank.web.items;

import java.math.BigInteger;

import io.plank.domain.text.Excerpt;
import io.plank.web.problems.InvalidRequestException;

/**
 * Offset and limit from query parameters. Parsed here rather than by JAX-RS, which answers a
 * malformed query parameter with 404.
 */
record Paging(int offset, int limit) {

    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;

    static Paging of(String offset, String limit) {
        int first = parse("offset", offset, 0, 0, Integer.MAX_VALUE);
        int size = parse("limit", limit, DEFAULT_LIMIT, 1, MAX_LIMIT);
        return new Paging(first, size);
    }

    private static int parse(String name, String text, int fallback, int min, int max) {
        if (text == null || text.isEmpty()) {
            return fallback;
        }
        BigInteger value;
        try {
            value = new BigInteger(text);
        } catch (NumberFormatException e) {
            throw new InvalidRequestException(name + " must be a whole number, was '" + Excerpt.of(text, 40) + "'");
        }
        if (value.compareTo(BigInteger.valueOf(min)) < 0 || value.compareTo(BigInteger.valueOf(max)) > 0) {
            throw new InvalidRequestException(name + " must be between " + min + " and " + max + ", was " + Excerpt.of(text, 40));
        }
        return value.intValueExact();
    }
}
