package io.plank.testsupport.server;

/** A server did not install, start, deploy or stop as asked; the message carries the evidence. */
public class ServerException extends RuntimeException {

    public ServerException(String message) {
        super(message);
    }

    public ServerException(String message, Throwable cause) {
        super(message, cause);
    }
}
