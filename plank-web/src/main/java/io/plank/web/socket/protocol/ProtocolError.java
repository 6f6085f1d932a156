package io.plank.web.socket.protocol;

/** A client message Plank cannot act on; the client gets an error frame and the connection stays open. */
public final class ProtocolError extends Exception {

    static final String INVALID_JSON = "invalid_json";
    static final String INVALID_MESSAGE = "invalid_message";
    static final String UNKNOWN_TYPE = "unknown_type";
    public static final String UNKNOWN_TABLE = "unknown_table";
    public static final String UNKNOWN_SUBSCRIPTION = "unknown_subscription";
    public static final String INVALID_FILTER = "invalid_filter";
    public static final String TOO_MANY_SUBSCRIPTIONS = "too_many_subscriptions";
    public static final String SNAPSHOT_UNAVAILABLE = "snapshot_unavailable";
    public static final String SNAPSHOT_TOO_LARGE = "snapshot_too_large";
    public static final String SNAPSHOT_FAILED = "snapshot_failed";
    /** The caller has no token and the table is not open to anonymous readers: send an {@code auth} message first. */
    public static final String UNAUTHORIZED = "unauthorized";
    /** The caller's token does not grant reading the table (or lacks the claim the table is bound to). */
    public static final String FORBIDDEN = "forbidden";
    /** An {@code auth} message's token was refused (signature, expiry, issuer, audience, another subject); the connection keeps its caller. */
    public static final String INVALID_TOKEN = "invalid_token";
    /** Plank could not reach the database to check the request; nothing was subscribed. */
    public static final String UNAVAILABLE = "unavailable";
    /** Plank failed on the request (a bug); the message names an incident in the server log. */
    public static final String INTERNAL_ERROR = "internal_error";

    private final String code;
    private final String table;
    private final String sub;

    public ProtocolError(String code, String message) {
        this(code, message, null, null);
    }

    public ProtocolError(String code, String message, String table, String sub) {
        super(message, null, false, false);
        this.code = code;
        this.table = table;
        this.sub = sub;
    }

    public String code() {
        return code;
    }

    public String frame() {
        return Frames.error(code, getMessage(), table, sub);
    }
}
