package io.plank.web.security;

/** A bearer token Plank does not accept; the message says why, in words fit for the caller (never the token itself). */
public final class InvalidTokenException extends Exception {

    public InvalidTokenException(String message) {
        super(message, null, false, false);
    }
}
