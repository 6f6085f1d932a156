package io.plank.web.problems;

/** A request Plank refuses for a reason the client can fix (bad paging, say): answered with 400 and the message. */
public class InvalidRequestException extends RuntimeException {

    public InvalidRequestException(String message) {
        super(message);
    }
}
