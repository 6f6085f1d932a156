package io.plank.web.socket;

/** A client message Plank cannot act on; the client gets an error frame and the connection stays open. */
final class ProtocolError extends Exception {

    static final String INVALID_JSON = "invalid_json";
    static final String INVALID_MESSAGE = "invalid_message";
    static final String UNKNOWN_TYPE = "unknown_type";
    static final String UNKNOWN_TABLE = "unknown_table";
    static final String UNKNOWN_SUBSCRIPTION = "unknown_subscription";
    static final String INVALID_FILTER = "invalid_filter";
    static final String TOO_MANY_SUBSCRIPTIONS = "too_many_subscriptions";
    static final String SNAPSHOT_UNAVAILABLE = "snapshot_unavailable";
    static final String SNAPSHOT_TOO_LARGE = "snapshot_too_large";
    static final String SNAPSHOT_FAILED = "snapshot_failed";
    /** The caller has no token and the table is not open to anonymous readers: send an {@code auth} message first. */
    static final String UNAUTHORIZED = "unauthorized";
    /** The caller's token does not grant reading the table (or lacks the claim the table is bound to). */
    static final String FORBIDDEN = "forbidden";
    /** An {@code auth} message's token was refused (signature, expiry, issuer, audience, another subject); the connection keeps its caller. */
    static final String INVALID_TOKEN = "invalid_token";
    /** Plank could not reach the database to check the request; nothing was subscribed. */
    static final String UNAVAILABLE = "unavailable";
    /** Plank failed on the request (a bug); the message names an incident in the server log. */
    static final String INTERNAL_ERROR = "internal_error";

    private final String code;
    private final String table;
    private final String sub;

    ProtocolError(String code, String message) {
        this(code, message, null, null);
    }

    ProtocolError(String code, String message, String table, String sub) {
        super(message, null, false, false);
        this.code = code;
        this.table = table;
        this.sub = sub;
    }

    String code() {
        return code;
    }

    String frame() {
        return Frames.error(code, getMessage(), table, sub);
    }
}
