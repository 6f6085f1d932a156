package io.plank.domain.filter;

/** A filter Plank cannot apply; the message names the problem so the client can fix it. */
public class InvalidFilterException extends RuntimeException {

    public InvalidFilterException(String message) {
        super(message);
    }
}
