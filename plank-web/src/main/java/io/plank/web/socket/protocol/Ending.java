package io.plank.web.socket.protocol;

/**
 * Why the server ended a subscription: the {@code code} of its {@code unsubscribed} frame (PROTOCOL.md lists them).
 * Each says what a client can do: nothing but ask an operator ({@link #FORBIDDEN}), subscribe again and reload
 * ({@link #ACCESS_CHANGED}, {@link #TABLE_RENAMED} under the new name), or fix its filter ({@link #INVALID_FILTER}).
 */
public enum Ending {
    /** The caller may no longer read the table: a grant revoked, or a refreshed token without the role or claim. */
    FORBIDDEN("forbidden"),
    /** The table's row binding changed: the rows this subscription may read are others now. */
    ACCESS_CHANGED("access_changed"),
    /** The table is no longer captured (released through the admin API or {@code plank.release()}). */
    TABLE_RELEASED("table_released"),
    /** The table was dropped (a table created again under its name is another table, captured only when asked). */
    TABLE_DROPPED("table_dropped"),
    /** The table was renamed; capture follows it under its new name, which the frame's {@code renamed_to} gives. */
    TABLE_RENAMED("table_renamed"),
    /** A column the subscription's filter or row binding reads was dropped, renamed or given another type. */
    INVALID_FILTER("invalid_filter");

    private final String code;

    Ending(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
