package io.plank.web.socket.protocol;

/** What a change is to one subscription, given its filter. */
public enum Relation {
    /** Not for this subscription: the row was not and is not in its filter. */
    NONE,
    /** A change to a row in the subscription's filter (for UPDATE: before and after). */
    CHANGE,
    /** An UPDATE moved the row out of the filter: the client should drop it. Sent with {@code "leave":true}. */
    LEAVE,
    /** An UPDATE moved the row into the filter. Sent with {@code "enter":true}. */
    ENTER,
    /**
     * An UPDATE moved the row out of a subscription bound to a token claim (another tenant's now): a {@code leave}
     * whose frame carries the row's key but not its data, which the subscriber may no longer see.
     */
    WITHDRAW
}
