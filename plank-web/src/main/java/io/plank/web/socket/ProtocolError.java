package io.plank.web.socket;

/** A client message Plank cannot act on; the client gets an error frame and the connection stays open. */
final class ProtocolError extends Exception {

    static final String INVALID_JSON = "invalid_json";
    static final String INVALID_MESSAGE = "invalid_message";
    static final String UNKNOWN_TYPE = "unknown_type";
    static final String UNKNOWN_TABLE = "unknown_table";

    private final String code;

    ProtocolError(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    String code() {
        return code;
    }
}
